"""Fetch model docs from Wiro's docs site: `wirogen add` and `wirogen sync`.

Nothing reaches `specs/` unless it parses: a doc is downloaded to memory,
parsed with the override beside its destination, checked for the damage a
transfer can do (an HTML error page, a cut-off body), and only then written,
through a temporary file and an atomic rename, so an interrupted run never
leaves a half-written spec.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from codegen import diff
from codegen.errors import SpecError, WirogenError
from codegen.parser import gone_path, load_catalogue, parse_data
from codegen.schema import Model

DOCS_URL = "https://wiro.ai"
_SLUG = re.compile(r"^([\w.-]+)/([\w. -]+)$")

Status = Literal["unchanged", "changed", "added", "gone", "unreachable", "invalid"]


class FetchError(WirogenError):
    """A doc could not be downloaded, or what came back is not a doc."""


@dataclass(frozen=True)
class Fetched:
    url: str
    data: bytes


@dataclass
class SyncResult:
    slug: str
    status: Status
    message: str = ""
    changes: list[diff.Change] = field(default_factory=list)


@dataclass(frozen=True)
class Fetcher:
    """Downloads docs with a timeout, bounded retries and no redirect following."""

    docs_url: str = DOCS_URL
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5

    def urls(self, owner: str, project: str) -> list[str]:
        base = self.docs_url.rstrip("/")
        return [
            f"{base}/models/{owner}/{project}/llms.txt",
            f"{base}/tools/{owner}/{project}/llms.txt",
        ]

    async def fetch(self, client: httpx.AsyncClient, owner: str, project: str) -> Fetched | None:
        """The doc, or None when every known URL answers 404 (the model is gone)."""
        for url in self.urls(owner, project):
            response = await self.get(client, url)
            if response.status_code == 404:
                continue
            if response.is_redirect:
                where = response.headers.get("location", "?")
                raise FetchError(
                    f"{url} redirects to {where}: the slug may have changed; add it by its new slug"
                )
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            return Fetched(url, _body(response, url))
        return None

    async def get(self, client: httpx.AsyncClient, url: str) -> httpx.Response:
        for attempt in range(self.retries + 1):
            try:
                response = await client.get(url, timeout=self.timeout)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
            else:
                if response.status_code < 500 or attempt == self.retries:
                    return response
            await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _body(response: httpx.Response, url: str) -> bytes:
    kind = response.headers.get("content-type", "")
    if "html" in kind:
        raise FetchError(f"{url}: got an HTML page ({kind}), not a doc")
    return response.content


def checked(data: bytes, destination: Path, root: Path, url: str) -> Model:
    """Parse downloaded bytes as if they were at `destination`; reject cut-off docs."""
    model = parse_data(data, destination, root, shown=url)
    if any(w.code == "truncated" for w in model.warnings):
        raise FetchError(f"{url}: the doc is cut off (truncated in transit?); not written")
    return model


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def spec_name(model: Model) -> str:
    """`reve/Edit` -> `reve__Edit.llms.md`: the display name, safe for any file system."""
    owner, project = model.display_name.split("/", 1)
    safe = re.sub(r"[^\w.-]+", "-", f"{owner}__{project}")
    return f"{safe}.llms.md"


async def sync(
    specs: Path,
    slugs: Sequence[str] = (),
    *,
    fetcher: Fetcher,
    dry_run: bool = False,
    concurrency: int = 4,
) -> list[SyncResult]:
    """Re-download the docs of the models in `specs` (all, or `slugs`) and update changed ones."""
    current = load_catalogue(specs).by_slug()
    wanted = [s.lower() for s in slugs] or sorted(current)
    unknown = [s for s in wanted if s not in current]
    if unknown:
        raise WirogenError(f"not in {specs}: {', '.join(unknown)}")
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(follow_redirects=False) as client:

        async def one(slug: str) -> SyncResult:
            async with limit:
                return await _sync_one(client, fetcher, specs, current[slug], dry_run)

        return list(await asyncio.gather(*(one(s) for s in wanted)))


async def _sync_one(
    client: httpx.AsyncClient, fetcher: Fetcher, specs: Path, model: Model, dry_run: bool
) -> SyncResult:
    try:
        fetched = await fetcher.fetch(client, model.owner, model.project)
    except FetchError as exc:
        return SyncResult(model.slug, "unreachable", str(exc))
    old_path = specs.parent / model.source.path
    if fetched is None:
        if not dry_run:
            write_atomic(gone_path(old_path), b"404\n")
        return SyncResult(model.slug, "gone", "Wiro answers 404 for this model's doc; spec kept")
    # Keep the spec's file stem, so its override file still sits beside it.
    destination = old_path.with_name(old_path.name.split(".", 1)[0] + ".llms.md")
    try:
        new = checked(fetched.data, destination, specs.parent, fetched.url)
    except (SpecError, FetchError) as exc:
        return SyncResult(model.slug, "invalid", str(exc))
    changes = diff.diff({model.slug: model}, {new.slug: new})
    if new.source.sha256 == model.source.sha256 or not changes:
        return SyncResult(model.slug, "unchanged")
    if not dry_run:
        write_atomic(destination, fetched.data)
        gone_path(destination).unlink(missing_ok=True)
        if old_path != destination:
            old_path.unlink()
    return SyncResult(model.slug, "changed", fetched.url, changes)


async def add(specs: Path, target: str, *, fetcher: Fetcher) -> tuple[Model, Path]:
    """Onboard one model from a slug, a URL or a file; returns it and where it was written."""
    data, origin = await _read_target(target, fetcher)
    probe = checked(data, specs / "new.llms.md", specs.parent, origin)
    destination = specs / spec_name(probe)
    model = checked(data, destination, specs.parent, origin)  # now with its override, if any
    existing = load_catalogue(specs).by_slug() if any(specs.iterdir()) else {}
    if model.slug in existing and (specs.parent / existing[model.slug].source.path) != destination:
        raise WirogenError(f"{model.slug} is already in {existing[model.slug].source.path}")
    write_atomic(destination, data)
    return model, destination


async def _read_target(target: str, fetcher: Fetcher) -> tuple[bytes, str]:
    if target.startswith(("http://", "https://")):
        async with httpx.AsyncClient(follow_redirects=False) as client:
            response = await fetcher.get(client, target)
        if response.status_code != 200:
            raise FetchError(f"{target}: HTTP {response.status_code}")
        return _body(response, target), target
    path = Path(target)
    if path.exists():
        return path.read_bytes(), str(path)
    match = _SLUG.match(target)
    if match is None:
        raise WirogenError(f"{target!r} is not OWNER/PROJECT, a URL or an existing file")
    async with httpx.AsyncClient(follow_redirects=False) as client:
        fetched = await fetcher.fetch(client, match.group(1), match.group(2))
    if fetched is None:
        raise FetchError(
            f"no doc for {target}: {' and '.join(fetcher.urls(*match.groups()))} answer 404"
        )
    return fetched.data, fetched.url
