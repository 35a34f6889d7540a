"""Docs -> schema: find spec files, read each in its format, apply overrides, normalize.

`parse_file` reads one doc; `load_catalogue` reads a specs folder and reports
every bad file at once (`CatalogueError`), since a user onboarding several
models wants all the problems in one run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from codegen.errors import CatalogueError, SpecError
from codegen.parser.llms import parse_llms
from codegen.parser.normalize import normalize
from codegen.parser.override import apply_override, load_override, override_path
from codegen.parser.page import parse_page
from codegen.parser.raw import RawDoc
from codegen.schema import Catalogue, Model, OverrideSource

SPEC_SUFFIXES = (".md", ".txt")
_LLMS_MARKERS = ("## Basic tool info", "Model name:", "Tool name:")


def parse_file(path: str | Path, root: str | Path | None = None) -> Model:
    """Parse one doc (and the override file beside it, if any) into a Model."""
    path = Path(path)
    return parse_data(_read(path, _shown(path, root)), path, root)


def parse_data(
    data: bytes, path: Path, root: str | Path | None = None, *, shown: str | None = None
) -> Model:
    """Parse a doc's bytes as if they were at `path` (whose override file applies).

    `shown` names the doc in errors when it is not (yet) that file, e.g. a URL.
    """
    shown = shown or _shown(path, root)
    doc = parse_text(shown, _decode(data, shown))
    overrides: tuple[OverrideSource, ...] = ()
    extra = override_path(path)
    if extra.exists():
        extra_shown = _shown(extra, root)
        extra_data = _read(extra, extra_shown)
        apply_override(doc, load_override(Path(extra_shown), extra_data), extra_shown)
        overrides = (OverrideSource(path=extra_shown, sha256=_sha256(extra_data)),)
    if gone_path(path).exists():
        doc.warn("gone_upstream", "Wiro answered 404 for this model's doc at the last sync")
    return normalize(doc, sha256=_sha256(data), overrides=overrides)


def gone_path(spec: Path) -> Path:
    """The marker `wirogen sync` leaves beside a spec whose doc Wiro no longer serves."""
    return spec.with_name(spec.name.split(".", 1)[0] + ".gone")


def parse_text(shown: str, text: str) -> RawDoc:
    """Pick the format from the content: a file's name is only a hint users get wrong."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<body" in head:
        raise SpecError(shown, "this is HTML; expected the model's llms.txt or the page's text", 1)
    if any(marker in text for marker in _LLMS_MARKERS):
        return parse_llms(shown, text)
    if "API Sample:" in text:
        return parse_page(shown, text)
    raise SpecError(
        shown,
        "expected an llms.txt doc ('## Basic tool info', 'Model name: OWNER/PROJECT') "
        "or a model page's text ('API Sample: OWNER/PROJECT')",
        1,
    )


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Spec files under the given files/folders, sorted, overrides and READMEs excluded."""
    found: set[Path] = set()
    for item in map(Path, paths):
        if item.is_dir():
            found.update(p for p in item.rglob("*") if _is_spec(p))
        else:
            found.add(item)
    return sorted(found)


def parse_many(
    paths: Iterable[Path], root: str | Path | None = None
) -> tuple[list[Model], list[SpecError]]:
    models: list[Model] = []
    errors: list[SpecError] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            model = parse_file(path, root)
        except SpecError as exc:
            errors.append(exc)
            continue
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


def load_catalogue(specs: str | Path) -> Catalogue:
    """Every model in a specs folder; raises CatalogueError listing every bad doc."""
    specs = Path(specs)
    models, errors = parse_many(discover([specs]), root=specs.parent)
    if errors:
        raise CatalogueError(errors)
    return Catalogue(models=tuple(models))


def _is_spec(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix in SPEC_SUFFIXES
        and not path.name.upper().startswith("README")
    )


def _shown(path: Path, root: str | Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _read(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(shown, f"cannot read: {exc.strerror}") from exc


def _decode(data: bytes, shown: str) -> str:
    if not data.strip():
        raise SpecError(shown, "the file is empty; expected a model doc", 1)
    if b"\0" in data:
        offset = data.index(b"\0")
        raise SpecError(shown, f"binary file (NUL byte at offset {offset}); expected text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(shown, f"not UTF-8 text (bad byte at offset {exc.start})", line) from exc


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "discover",
    "gone_path",
    "load_catalogue",
    "parse_data",
    "parse_file",
    "parse_many",
    "parse_text",
]
