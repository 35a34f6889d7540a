"""Docs -> schema: find spec files, read each in its format, apply overrides, normalize.

`parse_file` reads one doc; `load_catalogue` reads a specs folder and reports
every bad file at once (`CatalogueError`), since a user onboarding several
models wants all the problems in one run. A big folder is parsed on every CPU
and through the incremental cache (:mod:`codegen.parser.many`).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from codegen.cache import cache_dir
from codegen.errors import CatalogueError, ParserBug, SpecError
from codegen.numbers import BoundError
from codegen.parser.llms import parse_llms
from codegen.parser.normalize import normalize
from codegen.parser.openapi_doc import parse_openapi
from codegen.parser.override import apply_override, load_override, override_path, spec_stem
from codegen.parser.page import parse_page
from codegen.parser.raw import RawDoc
from codegen.schema import GONE_UPSTREAM, Catalogue, Model, OverrideSource

SPEC_SUFFIXES = (".md", ".txt", ".json")
#: The largest doc (or override file) read: 50 times Wiro's largest real doc (an 83 KB
#: OpenAPI document). Parsing is linear, but a bigger file is no one model's doc, and
#: every command that loads specs/ (and the mock) would read it whole.
MAX_DOC_BYTES = 5 * 1024 * 1024
log = logging.getLogger(__name__)
_LLMS_MARKERS = ("## Basic tool info", "Model name:", "Tool name:")


def parse_file(path: str | Path, root: str | Path | None = None) -> Model:
    """Parse one doc (and the override file beside it, if any) into a Model."""
    return parse_located(Path(path), Locator(root))


def parse_located(path: Path, locator: Locator) -> Model:
    """`parse_file` with the root already resolved (what a many-file parse reuses)."""
    shown = locator.shown(path)
    return _parse(_read(path, shown), path, locator, shown)


def parse_data(
    data: bytes, path: Path, root: str | Path | None = None, *, shown: str | None = None
) -> Model:
    """Parse a doc's bytes as if they were at `path` (whose override file applies).

    `shown` names the doc in errors when it is not (yet) that file, e.g. a URL.
    """
    locator = Locator(root)
    return _parse(data, path, locator, shown or locator.shown(path))


class Locator:
    """How paths are shown: relative to `root` when inside it, else as given.

    The root is resolved once and each folder once, not every file: resolving
    costs a syscall per path component, which adds up over 1,000 docs.
    """

    def __init__(self, root: str | Path | None) -> None:
        self.root = Path(root).resolve() if root is not None else None
        self._folders: dict[Path, Path] = {}

    def shown(self, path: Path) -> str:
        if self.root is not None:
            try:
                return self._resolve(path).relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def _resolve(self, path: Path) -> Path:
        """`path.resolve()`, reusing the folder's resolution when `path` is a plain file."""
        if path.name in ("", ".", "..") or path.is_symlink():
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name


def _parse(data: bytes, path: Path, locator: Locator, shown: str) -> Model:
    """One doc's Model; whatever goes wrong is a SpecError naming the doc.

    A number out of bounds that no reader located (see `numbers.located`) still names the
    file; any other exception is our bug, reported as a ParserBug for this doc alone, so
    one bad doc never takes a whole catalogue (or the mock serving it) down with it.
    """
    try:
        return _parse_doc(data, path, locator, shown)
    except SpecError:
        raise
    except BoundError as exc:
        raise SpecError(shown, str(exc)) from None
    except Exception as exc:
        raise ParserBug.of(shown, exc) from exc


def _parse_doc(data: bytes, path: Path, locator: Locator, shown: str) -> Model:
    _check_size(len(data), shown)
    doc = parse_text(shown, _decode(data, shown))
    overrides: tuple[OverrideSource, ...] = ()
    extra = override_path(path)
    if extra.exists():
        extra_shown = locator.shown(extra)
        extra_data = _read(extra, extra_shown)
        apply_override(doc, load_override(Path(extra_shown), extra_data), extra_shown)
        overrides = (OverrideSource(path=extra_shown, sha256=_sha256(extra_data)),)
    if gone_path(path).exists():
        doc.warn(GONE_UPSTREAM, "Wiro answered 404 for this model's doc at the last sync")
    return normalize(doc, sha256=_sha256(data), overrides=overrides)


def gone_path(spec: Path) -> Path:
    """The marker `wirogen sync` leaves beside a spec whose doc Wiro no longer serves."""
    return spec.with_name(spec_stem(spec) + ".gone")


def parse_text(shown: str, text: str) -> RawDoc:
    """Pick the format from the content: a file's name is only a hint users get wrong.

    JSON is checked first, as an OpenAPI document's help texts may quote the markdown's
    markers; the name only decides that text which is none of the three formats is
    reported as broken JSON.
    """
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<body" in head:
        raise SpecError(shown, "this is HTML; expected the model's llms.txt or the page's text", 1)
    if head.startswith(("{", "[")):
        return parse_openapi(shown, text)
    if any(marker in text for marker in _LLMS_MARKERS):
        return parse_llms(shown, text)
    if "API Sample:" in text:
        return parse_page(shown, text)
    if shown.lower().endswith(".json"):
        return parse_openapi(shown, text)
    raise SpecError(
        shown,
        "expected an llms.txt doc ('## Basic tool info', 'Model name: OWNER/PROJECT'), "
        "a model page's text ('API Sample: OWNER/PROJECT') or Wiro's OpenAPI document (JSON)",
        1,
    )


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Spec files under the given files/folders, sorted, overrides and READMEs excluded."""
    found: set[Path] = set()
    for item in map(Path, paths):
        if item.is_dir():
            for path in item.rglob("*"):
                if _is_spec(path):
                    found.add(path)
                elif path.is_symlink() and not path.exists():
                    _warn_broken_link(path)
        else:
            found.add(item)
    return sorted(found)


def parse_many(
    paths: Iterable[Path],
    root: str | Path | None = None,
    *,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    files: Mapping[Path, tuple[str, int]] | None = None,
) -> tuple[list[Model], list[SpecError]]:
    """Every doc's Model (sorted by slug) and every failure (in path order).

    `cache_dir` enables the incremental cache (:mod:`codegen.cache`); `jobs`
    caps the worker processes (None: one per CPU, 1: parse in this process).
    `files` are the (sha256, size) of the files around the docs, by path, as just read
    (see `codegen.render.stamp`): the cache keys are made from them. None of these
    changes the result, only how fast it comes.
    """
    from codegen.parser.many import parse_all  # here: it imports this module

    results = parse_all(list(paths), Locator(root), cache_dir, jobs, files)
    models: list[Model] = []
    errors: list[SpecError] = []
    owners: dict[str, str] = {}
    for result in results:
        if isinstance(result, SpecError):
            errors.append(result)
            continue
        model = result
        if model.slug in owners:
            errors.append(
                SpecError(
                    model.source.path,
                    f"model {model.slug!r} is already defined by {owners[model.slug]}",
                )
            )
            continue
        owners[model.slug] = model.source.path
        models.append(model)
    return sorted(models, key=lambda m: m.slug), errors


def load_catalogue(
    specs: str | Path, files: Mapping[Path, tuple[str, int]] | None = None
) -> Catalogue:
    """Every model in a specs folder; raises CatalogueError listing every bad doc.

    `files`: every file of the folder as just read, by path (see `parse_many`).
    """
    specs = Path(specs)
    paths = discover([specs])
    models, errors = parse_many(paths, root=specs.parent, cache_dir=cache_dir(specs), files=files)
    if errors:
        raise CatalogueError(errors)
    return Catalogue(models=tuple(models))


def _is_spec(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix in SPEC_SUFFIXES
        and not path.name.upper().startswith("README")
    )


def _warn_broken_link(path: Path) -> None:
    """A dangling or looping symlink in a specs folder is skipped, but said: the user
    put it there for a model, and a silently missing model is found much later."""
    try:
        target = os.readlink(path)
    except OSError:  # pragma: no cover - it was a symlink a moment ago
        target = "?"
    try:
        path.resolve(strict=True)
        why = f"its target {target!r} cannot be read"
    except FileNotFoundError:
        why = f"a symlink to {target!r}, which does not exist"
    except (OSError, RuntimeError):  # ELOOP; Python 3.11 raises RuntimeError for a loop
        why = f"a symlink loop (to {target!r})"
    log.warning("%s: skipped: %s", path.as_posix(), why)


def _read(path: Path, shown: str) -> bytes:
    """The file's bytes; refused past MAX_DOC_BYTES, without reading more than that."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_DOC_BYTES + 1)
    except OSError as exc:
        raise SpecError(shown, f"cannot read: {exc.strerror}") from exc
    _check_size(len(data), shown)
    return data


def _check_size(size: int, shown: str) -> None:
    if size > MAX_DOC_BYTES:
        raise SpecError(
            shown,
            f"over {MAX_DOC_BYTES:,} bytes: a doc (or override file) this big is refused "
            "(Wiro's are under 100 KB)",
        )


def _decode(data: bytes, shown: str) -> str:
    """The doc's text; a UTF-8 byte order mark (Windows editors write one) is dropped,
    so the format is detected from what follows it."""
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise SpecError(shown, "the file is empty; expected a model doc", 1)
    if b"\0" in data:
        offset = data.index(b"\0")
        raise SpecError(shown, f"binary file (NUL byte at offset {offset}); expected text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(shown, f"not UTF-8 text (bad byte at offset {exc.start})", line) from exc


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "MAX_DOC_BYTES",
    "Locator",
    "discover",
    "gone_path",
    "load_catalogue",
    "parse_data",
    "parse_file",
    "parse_located",
    "parse_many",
    "parse_text",
]
