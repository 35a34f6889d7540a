"""Fetch model docs from Wiro: `wirogen add` and `wirogen sync`.

A doc comes from one of two sources. The API serves each model's
machine-readable OpenAPI document (`POST {api}/Tool/DetailOpenAPI`, which needs
credentials); the docs site serves its llms.txt to anyone. `auto` prefers the
API's document when credentials are set, because it states types and enums
instead of prose, and falls back to llms.txt otherwise; a spec on disk keeps
the kind it came as, so `sync` never flips a model's format behind your back.

Nothing reaches `specs/` unless it parses: a doc is downloaded to memory,
parsed with the override beside its destination, checked for the damage a
transfer can do (an HTML error page, a cut-off body), and only then written,
through a temporary file and an atomic rename, so an interrupted run never
leaves a half-written spec. Credentials go into request headers only: never
into a file, an output line or an error message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from codegen.changes import diff
from codegen.changes.sources import API_URL, DOCS_URL, Source
from codegen.errors import SpecError, WirogenError
from codegen.parser import gone_path, load_catalogue, parse_data
from codegen.parser.openapi_doc import preferred
from codegen.parser.override import spec_stem
from codegen.schema import Model

_SLUG = re.compile(r"^([\w.-]+)/([\w. -]+)$")

Status = Literal["unchanged", "changed", "added", "gone", "unreachable", "invalid"]
#: What a doc is, which decides its file name: the API's OpenAPI document or an llms.txt.
Format = Literal["openapi", "llms"]
SUFFIXES: dict[Format, str] = {"openapi": ".openapi.json", "llms": ".llms.md"}
_NO_CREDENTIALS = "set WIRO_API_KEY (and WIRO_API_SECRET on a signature project)"


class FetchError(WirogenError):
    """A doc could not be downloaded, or what came back is not a doc."""


class Missing(FetchError):
    """The source has no doc for this model: the docs site answers 404, the API
    `slug-owner-project-not-exist`. `auto` falls back on it and `sync` marks the model gone."""


class AlreadyAdded(WirogenError):
    """`add` found the model already in specs/ and was not told to replace it (`--force`);
    carries the semantic diff, so the caller can show what replacing it would change."""

    def __init__(self, slug: str, path: str, changes: list[diff.Change]) -> None:
        self.slug = slug
        self.path = path
        self.changes = changes
        super().__init__(f"{slug} is already in {path}; nothing written (--force replaces it)")


@dataclass(frozen=True)
class Credentials:
    """A Wiro project's key and, on signature projects, its secret. Kept out of `repr`, so
    a traceback or a debug print never shows them."""

    api_key: str = field(repr=False)
    api_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Credentials | None:
        """`WIRO_API_KEY` / `WIRO_API_SECRET`, as the generated client reads them."""
        key = environ.get("WIRO_API_KEY") or None
        if key is None:
            return None
        return cls(key, environ.get("WIRO_API_SECRET") or None)

    def headers(self, nonce: str) -> dict[str, str]:
        """`x-api-key`, plus `x-nonce` and `x-signature = hex(HMAC-SHA256(key=API_KEY,
        msg=API_SECRET + NONCE))` on a signature project (the runtime's `_auth` rule)."""
        if self.api_secret is None:
            return {"x-api-key": self.api_key}
        message = (self.api_secret + nonce).encode()
        signature = hmac.new(self.api_key.encode(), message, hashlib.sha256).hexdigest()
        return {"x-api-key": self.api_key, "x-nonce": nonce, "x-signature": signature}

    def redact(self, text: str) -> str:
        """`text` with the key and the secret masked: for anything shown or written."""
        for value in (self.api_key, self.api_secret):
            if value and len(value) >= 4:
                text = text.replace(value, "***")
        return text


class _Nonces:
    """Millisecond nonces, strictly increasing: a retry or a parallel request never reuses
    one, so a project that rejects replayed nonces accepts every request."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> str:
        self._last = max(int(time.time() * 1000), self._last + 1)
        return str(self._last)


def api_url(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """`--api-url`, else `WIRO_BASE_URL`, else Wiro's: the generated client's order."""
    return (explicit or environ.get("WIRO_BASE_URL") or API_URL).rstrip("/")


@dataclass(frozen=True)
class Fetched:
    url: str
    data: bytes
    format: Format = "llms"
    #: Where it came from, for the output line: "the API", "the docs site", "a file", ...
    via: str = "the docs site"
    #: Why that source, when it was not the first choice (an `auto` fallback).
    note: str = ""

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.format]

    def describe(self) -> str:
        what = "OpenAPI document" if self.format == "openapi" else "llms.txt"
        return f"{what} from {self.via}, {self.url}" + (f"; {self.note}" if self.note else "")


@dataclass
class SyncResult:
    slug: str
    status: Status
    message: str = ""
    changes: list[diff.Change] = field(default_factory=list)


@dataclass
class Added:
    """What `add` did: the model, where it is, where it came from, what it replaced."""

    model: Model
    path: Path
    fetched: Fetched
    replaced: Path | None = None
    changes: list[diff.Change] = field(default_factory=list)
    #: The same bytes were already there: nothing written.
    unchanged: bool = False


@dataclass(frozen=True)
class Fetcher:
    """Downloads docs with a timeout, bounded retries and no redirect following."""

    docs_url: str = DOCS_URL
    api_url: str = API_URL
    credentials: Credentials | None = None
    source: Source = "auto"
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    _nonce: _Nonces = field(default_factory=_Nonces, init=False, repr=False, compare=False)

    def urls(self, owner: str, project: str) -> list[str]:
        base = self.docs_url.rstrip("/")
        return [
            f"{base}/models/{owner}/{project}/llms.txt",
            f"{base}/tools/{owner}/{project}/llms.txt",
        ]

    @property
    def detail_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/Tool/DetailOpenAPI"

    def require_credentials(self) -> Credentials:
        if self.credentials is None:
            raise FetchError(f"the API source needs credentials: {_NO_CREDENTIALS}")
        return self.credentials

    def format_for(self, spec: Path) -> Format:
        """The source a spec syncs from: `--source`, else (auto) the kind it already is."""
        if self.source == "auto":
            return format_of(spec)
        return "openapi" if self.source == "api" else "llms"

    async def fetch(
        self, client: httpx.AsyncClient, owner: str, project: str, want: Format | None = None
    ) -> Fetched:
        """The doc from the source `want` names, or the one `self.source` picks.

        Raises `Missing` when that source has no doc for the model (under `auto`, only
        once neither has one)."""
        if want == "openapi" or (want is None and self.source == "api"):
            return await self.fetch_api(client, owner, project)
        if want == "llms" or self.source == "docs":
            return await self.fetch_docs(client, owner, project)
        if self.credentials is None:
            fetched = await self.fetch_docs(client, owner, project)
            return _noted(fetched, "WIRO_API_KEY is not set (the API's OpenAPI document needs it)")
        try:
            return await self.fetch_api(client, owner, project)
        except Missing as exc:
            return _noted(await self.fetch_docs(client, owner, project), str(exc))

    async def fetch_docs(self, client: httpx.AsyncClient, owner: str, project: str) -> Fetched:
        """The llms.txt; `Missing` when every known URL answers 404."""
        urls = self.urls(owner, project)
        for url in urls:
            response = await self.request(client, "GET", url)
            if response.status_code == 404:
                continue
            _refuse_redirect(response, url)
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            return Fetched(url, _body(response, url))
        raise Missing(f"no doc for {owner}/{project}: {' and '.join(urls)} answer 404")

    async def fetch_api(self, client: httpx.AsyncClient, owner: str, project: str) -> Fetched:
        """The OpenAPI document from `Tool/DetailOpenAPI`, as the file we keep."""
        credentials = self.require_credentials()
        url = self.detail_url
        try:
            response = await self.request(
                client,
                "POST",
                url,
                json={"slugowner": owner, "slugproject": project},
                headers=lambda: credentials.headers(self._nonce()),
            )
            spec = _api_document(response, url, f"{owner}/{project}")
        except FetchError as exc:
            raise type(exc)(credentials.redact(str(exc))) from None
        return Fetched(url, openapi_bytes(_scrub(spec, credentials)), "openapi", "the API")

    async def get(self, client: httpx.AsyncClient, url: str) -> httpx.Response:
        return await self.request(client, "GET", url)

    async def request(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Callable[[], dict[str, str]] | None = None,
    ) -> httpx.Response:
        """One request, retried on network errors and 5xx; `headers` is called per attempt
        (a signature needs a fresh nonce each time)."""
        for attempt in range(self.retries + 1):
            try:
                response = await client.request(
                    method, url, json=json, headers=headers() if headers else None,
                    timeout=self.timeout,
                )  # fmt: skip
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
            else:
                if response.status_code < 500 or attempt == self.retries:
                    return response
            await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _noted(fetched: Fetched, note: str) -> Fetched:
    return Fetched(fetched.url, fetched.data, fetched.format, fetched.via, note)


def _refuse_redirect(response: httpx.Response, url: str) -> None:
    if response.is_redirect:
        where = response.headers.get("location", "?")
        raise FetchError(
            f"{url} redirects to {where}: the slug may have changed; add it by its new slug"
        )


def _body(response: httpx.Response, url: str) -> bytes:
    kind = response.headers.get("content-type", "")
    if "html" in kind:
        raise FetchError(f"{url}: got an HTML page ({kind}), not a doc")
    return response.content


def _api_document(response: httpx.Response, url: str, slug: str) -> dict[str, Any]:
    """The `spec` of a DetailOpenAPI answer; Wiro's error envelope becomes a FetchError."""
    _refuse_redirect(response, url)
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        what = f"HTTP {status}" if status != 200 else "not JSON"
        raise FetchError(f"{url}: {what} ({response.headers.get('content-type', '?')})") from None
    if isinstance(payload, dict) and payload.get("result") is False:
        _raise_envelope(payload, url, slug, status)
    if status in (401, 403):
        raise FetchError(f"{url}: HTTP {status}: the API refused the credentials")
    if status == 404:
        raise Missing(f"{url}: HTTP 404: the API has no document for {slug}")
    if status != 200:
        raise FetchError(f"{url}: HTTP {status}")
    return pick_spec(payload, url, slug)


def _raise_envelope(payload: dict[str, Any], url: str, slug: str, status: int) -> None:
    errors = payload.get("errors")
    said = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors or []]
    text = "; ".join(said) or "result: false"
    if status in (401, 403) or any("authorization" in m.lower() for m in said):
        raise FetchError(f"{url}: the API refused the credentials (Wiro: {text})")
    if status == 404 or any("not-exist" in m or "not exist" in m for m in said):
        raise Missing(f"{url}: the API has no document for {slug} (Wiro: {text})")
    raise FetchError(f"{url}: Wiro: {text}")


def pick_spec(payload: Any, url: str, slug: str = "this model") -> dict[str, Any]:
    """The `signature` entry's spec of `[{"type", "spec"}, ...]`, else the first one's."""
    if payload == []:
        raise Missing(f"{url}: the API has no document for {slug} (an empty list)")
    if not isinstance(payload, list):
        raise FetchError(
            f"{url}: expected a list of {{type, spec}} entries, got JSON of another shape"
        )
    entries = [e for e in payload if isinstance(e, dict) and isinstance(e.get("spec"), dict)]
    if not entries:
        raise FetchError(f"{url}: no entry of the answer has a `spec` object")
    spec: dict[str, Any] = entries[preferred(entries)]["spec"]
    return spec


def openapi_bytes(spec: Any) -> bytes:
    """The spec file's content: Wiro's key order kept, so a later sync diffs line by line."""
    return (json.dumps(spec, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _scrub(value: Any, credentials: Credentials) -> Any:
    """`value` with any copy of the credentials masked: a document that echoed the caller's
    key (in an example, say) must not carry it into specs/ or the output."""
    if isinstance(value, str):
        return credentials.redact(value)
    if isinstance(value, list):
        return [_scrub(v, credentials) for v in value]
    if isinstance(value, dict):
        return {credentials.redact(k): _scrub(v, credentials) for k, v in value.items()}
    return value


def checked(data: bytes, destination: Path, root: Path, url: str) -> Model:
    """Parse downloaded bytes as if they were at `destination`; reject cut-off docs."""
    model = parse_data(data, destination, root, shown=url)
    if any(w.code == "truncated" for w in model.warnings):
        raise FetchError(f"{url}: the doc is cut off (truncated in transit?); not written")
    return model


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename. The file is created with mode 0666
    less the umask, like any file the user writes (`mkstemp` would make it 0600)."""
    tmp, fd = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_temp(path: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")  # pragma: no cover


def spec_name(model: Model, format: Format = "llms") -> str:
    """`reve/Edit` -> `reve__Edit.llms.md` (or `.openapi.json`): the display name, safe
    for any file system."""
    owner, project = model.display_name.split("/", 1)
    safe = re.sub(r"[^\w.-]+", "-", f"{owner}__{project}")
    return f"{safe}{SUFFIXES[format]}"


def format_of(spec: Path) -> Format:
    """A spec's kind by its name: JSON is an OpenAPI document; llms.txt and page text both
    come from the docs site (a page spec becomes an llms one when its model changes)."""
    return "openapi" if spec.suffix == ".json" else "llms"


def needs_attention(results: Sequence[SyncResult]) -> bool:
    """What `sync --check` fails on: a model Wiro no longer serves, or one whose new doc
    breaks callers (a removed input or option, a new required input, a narrower range...)."""
    return any(r.status == "gone" or any(change.breaking for change in r.changes) for r in results)


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
    if fetcher.source == "api":
        fetcher.require_credentials()
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(follow_redirects=False) as client:

        async def one(slug: str) -> SyncResult:
            async with limit:
                return await _sync_one(client, fetcher, specs, current[slug], dry_run)

        return list(await asyncio.gather(*(one(s) for s in wanted)))


async def _sync_one(
    client: httpx.AsyncClient, fetcher: Fetcher, specs: Path, model: Model, dry_run: bool
) -> SyncResult:
    old_path = specs.parent / model.source.path
    want = fetcher.format_for(old_path)
    switching = format_of(old_path) != want
    try:
        fetched = await _fetch_for_sync(client, fetcher, model, want)
    except Missing as exc:
        if switching:  # the other source may still have it: no `.gone` marker
            return SyncResult(model.slug, "unreachable", f"{exc}; {old_path.name} kept")
        if not dry_run:
            write_atomic(gone_path(old_path), b"404\n")
        return SyncResult(model.slug, "gone", f"{exc}; spec kept")
    except FetchError as exc:
        return SyncResult(model.slug, "unreachable", str(exc))
    # Keep the spec's file stem, so its override file still sits beside it.
    destination = old_path.with_name(spec_stem(old_path) + fetched.suffix)
    try:
        new = checked(fetched.data, destination, specs.parent, fetched.url)
    except (SpecError, FetchError) as exc:
        return SyncResult(model.slug, "invalid", str(exc))
    changes = diff.diff({model.slug: model}, {new.slug: new})
    if not switching and (new.source.sha256 == model.source.sha256 or not changes):
        return SyncResult(model.slug, "unchanged")
    if not dry_run:
        _replace(destination, fetched.data, old_path)
    message = fetched.url + (f"; {old_path.name} -> {destination.name}" if switching else "")
    return SyncResult(model.slug, "changed", message, changes)


async def _fetch_for_sync(
    client: httpx.AsyncClient, fetcher: Fetcher, model: Model, want: Format
) -> Fetched:
    if want == "openapi" and fetcher.credentials is None:
        raise FetchError(
            f"this spec is the API's OpenAPI document: {_NO_CREDENTIALS}, or pass "
            "--source docs to switch it to llms.txt"
        )
    return await fetcher.fetch(client, model.owner, model.project, want)


def _replace(destination: Path, data: bytes, old_path: Path | None) -> None:
    """Write `destination`, then drop the spec it replaces and any stale `.gone` marker:
    one spec per model, and its override (same stem) keeps applying."""
    write_atomic(destination, data)
    gone_path(destination).unlink(missing_ok=True)
    if old_path is not None and old_path != destination:
        old_path.unlink(missing_ok=True)


async def add(specs: Path, target: str, *, fetcher: Fetcher, force: bool = False) -> Added:
    """Onboard one model from a slug, a URL or a file.

    A model already in `specs` (in any file or format) is replaced only with `force`;
    otherwise `AlreadyAdded` carries the diff. A replacement keeps the old spec's stem,
    so the override file beside it still applies."""
    fetched = await _read_target(target, fetcher)
    probe = checked(fetched.data, specs / f"new{fetched.suffix}", specs.parent, fetched.url)
    existing = _existing(specs).get(probe.slug)
    old_path = specs.parent / existing.source.path if existing else None
    if old_path is not None:
        destination = old_path.with_name(spec_stem(old_path) + fetched.suffix)
    else:
        destination = specs / spec_name(probe, fetched.format)
    if destination.exists() and destination != old_path:
        raise WirogenError(f"{destination} already exists and holds another model; not written")
    model = checked(fetched.data, destination, specs.parent, fetched.url)  # with its override
    if existing is None or old_path is None:
        write_atomic(destination, fetched.data)
        return Added(model, destination, fetched)
    changes = diff.diff({existing.slug: existing}, {model.slug: model})
    if old_path == destination and old_path.read_bytes() == fetched.data:
        return Added(model, destination, fetched, changes=changes, unchanged=True)
    if not force:
        raise AlreadyAdded(model.slug, existing.source.path, changes)
    _replace(destination, fetched.data, old_path)
    return Added(model, destination, fetched, old_path, changes)


def _existing(specs: Path) -> dict[str, Model]:
    if not specs.is_dir() or not any(specs.iterdir()):
        return {}
    return load_catalogue(specs).by_slug()


async def _read_target(target: str, fetcher: Fetcher) -> Fetched:
    if target.startswith(("http://", "https://")):
        async with httpx.AsyncClient(follow_redirects=False) as client:
            response = await fetcher.get(client, target)
        if response.status_code != 200:
            raise FetchError(f"{target}: HTTP {response.status_code}")
        return _as_doc(_body(response, target), target, "a URL")
    path = Path(target)
    if path.exists():
        return _as_doc(path.read_bytes(), str(path), "a file")
    match = _SLUG.match(target)
    if match is None:
        raise WirogenError(f"{target!r} is not OWNER/PROJECT, a URL or an existing file")
    if fetcher.source == "api":
        fetcher.require_credentials()
    async with httpx.AsyncClient(follow_redirects=False) as client:
        return await fetcher.fetch(client, match.group(1), match.group(2))


def _as_doc(data: bytes, url: str, via: str) -> Fetched:
    """A downloaded or saved doc: JSON is an OpenAPI document (a saved DetailOpenAPI
    answer, the bare list, is reduced to its spec), anything else an llms.txt or page."""
    if data.lstrip()[:1] not in (b"{", b"["):
        return Fetched(url, data, "llms", via)
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise FetchError(f"{url}: looks like JSON but does not parse: {exc}") from None
    if isinstance(payload, list):
        return Fetched(url, openapi_bytes(pick_spec(payload, url)), "openapi", via)
    return Fetched(url, data, "openapi", via)
