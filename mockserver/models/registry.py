"""The models the mock serves: loaded through the parser, indexed by every slug form.

Run URLs use the clean lowercase slug (`/Run/wiro/avatarmotion`) while docs and some clients
use the display name (`wiro/AvatarMotion`, even with spaces); all of them, in any case, find
the model. With `--watch` the specs folder is polled and a changed, added or removed doc (or
override file) is re-parsed without a restart; a doc that no longer parses keeps its last good
version and the error is logged and listed (`errors`: at start-up, in `/__mock__` and on the
dashboard) until the doc parses again. Any exception while loading one doc is that doc's
error (a `ParserBug` when it is not a SpecError): it never stops the mock.
`--catalogue PACKAGE` serves instead the catalogue.json an installed generated client carries
(see `codegen.catalogue_file`); it is fixed while installed.
A source that yields no model is an error at start-up (`ModelSourceError`), never a mock with
0 models.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from codegen import catalogue_file
from codegen.errors import ParserBug, SpecError
from codegen.parser import SPEC_SUFFIXES, discover, parse_data, parse_file
from codegen.parser.override import override_path
from codegen.schema import Model
from mockserver.config import MockConfig
from mockserver.errors import ModelSourceError
from mockserver.models.validation import ModelValidator

log = logging.getLogger("mockserver.models.registry")
#: Bound of the Run path -> model memo (cleared when full: unknown slugs cannot grow it).
LOOKUP_MEMO = 1024
#: Bound of the parsed-doc memo (a key per doc version; cleared when full).
PARSE_MEMO = 4096
_MEMO: dict[tuple[str, str, bytes, bytes | None], Model] = {}
_VALIDATORS: dict[tuple[int, int, str, bool], tuple[Model, ModelValidator]] = {}
#: Loaded catalogue.json files, by path, mtime and size (a test session builds many apps).
_PACKAGED: dict[tuple[str, int, int], tuple[Model, ...]] = {}
_UNSEEN = object()


def slug_keys(model: Model) -> set[str]:
    keys = {model.slug, model.display_name, model.run_path.removeprefix("/Run/")}
    out = set()
    for key in keys:
        low = key.strip().lower()
        out |= {low, low.replace(" ", ""), low.replace(" ", "-")}
    return out


def normalize_slug(owner: str, project: str) -> str:
    return f"{owner.strip()}/{project.strip()}".lower()


class Registry:
    """Models and their compiled validators, swapped atomically on reload."""

    def __init__(self, config: MockConfig, specs: Path | None = None) -> None:
        self.config = config
        self.specs = specs
        self.by_path: dict[str, Model] = {}
        self.models: dict[str, Model] = {}
        self.validators: dict[str, ModelValidator] = {}
        self._index: dict[str, str] = {}
        self._lookups: dict[tuple[str, str], Model | None] = {}
        self._mtimes: dict[str, int] = {}
        #: Each doc that does not load, by path: its latest error (gone once it loads again).
        self._errors: dict[str, SpecError] = {}
        #: Where the models come from, for the start-up line.
        self.source = str(specs) if specs is not None else "memory"

    def load(self) -> list[SpecError]:
        """Parse every doc in the specs folder; bad docs are reported, good ones served.

        Raises ModelSourceError when the folder is missing, holds no doc, or no doc parses."""
        self._errors = {}
        if self.specs is None:
            return []
        docs = _spec_docs(self.specs)
        self._mtimes = self._scan()
        for path in docs:
            self._parse(path)
        if not self.by_path:
            first = f"; first: {self.errors[0]}" if self.errors else ""
            raise ModelSourceError(
                f"no model in {self.specs} could be loaded ({len(self.errors)} docs failed{first})"
            )
        self._rebuild()
        return self.errors

    @property
    def errors(self) -> list[SpecError]:
        """The error of every doc that does not load now, in path order."""
        return [self._errors[path] for path in sorted(self._errors)]

    def load_package(self, package: str) -> None:
        """Serve the catalogue.json of an installed generated client (see `packaged_models`)."""
        path, models = packaged_models(package)
        self.by_path = {f"{path}#{m.slug}": m for m in models}
        self.source = f"{package} ({path})"
        self._rebuild()

    def set_models(self, models: Iterable[Model]) -> None:
        """Serve models built in code (tests, embedding) instead of a specs folder."""
        self.by_path = {f"<memory>/{m.slug}": m for m in models}
        self._rebuild()

    def lookup(self, owner: str, project: str) -> Model | None:
        key = (owner, project)
        model = self._lookups.get(key, _UNSEEN)
        if model is _UNSEEN:  # memoized per raw path pair; reset with the index
            model = self._lookup(owner, project)
            if len(self._lookups) >= LOOKUP_MEMO:
                self._lookups.clear()
            self._lookups[key] = model
        return model if isinstance(model, Model) else None

    def _lookup(self, owner: str, project: str) -> Model | None:
        slug = self._index.get(normalize_slug(owner, project))
        if slug is None:
            slug = self._index.get(normalize_slug(owner, project).replace(" ", ""))
        return self.models.get(slug) if slug else None

    def validator(self, model: Model) -> ModelValidator:
        return self.validators[model.slug]

    def reload_changed(self) -> list[str]:
        """Re-parse docs whose file (or override) changed; returns a line per change."""
        if self.specs is None:
            return []
        now = self._scan()
        changed = {p for p, m in now.items() if self._mtimes.get(p) != m}
        removed = set(self._mtimes) - set(now)
        self._mtimes = now
        if not changed and not removed:
            return []
        notes: list[str] = []
        docs = {str(p) for p in discover([self.specs])}
        touched = {_doc_for(p, docs) for p in changed | removed} - {None}
        for doc in sorted(t for t in touched if t is not None):
            if doc in docs:
                before = self.by_path.get(doc)
                if self._parse(Path(doc)):
                    verb = "reloaded" if before else "added"
                    notes.append(f"{verb} {self.by_path[doc].slug} from {doc}")
            else:
                self._errors.pop(doc, None)
                if doc in self.by_path:
                    notes.append(f"removed {self.by_path.pop(doc).slug} ({doc} deleted)")
        self._rebuild()
        for note in notes:
            log.warning("wiro-mock: %s", note)
        return notes

    def _parse(self, path: Path) -> bool:
        """Load one doc; on failure keep its last good version and list its error."""
        root = self.specs.parent if self.specs is not None else None
        try:
            model = _parsed(path, root)
        except SpecError as exc:
            return self._failed(path, exc)
        except Exception as exc:  # the parser turns its own into ParserBug; this is the rest
            return self._failed(path, ParserBug.of(str(path), exc))
        self._errors.pop(str(path), None)
        self.by_path[str(path)] = model
        return True

    def _failed(self, path: Path, error: SpecError) -> bool:
        self._errors[str(path)] = error
        log.warning("wiro-mock: cannot load %s", error)
        return False

    def _rebuild(self) -> None:
        models: dict[str, Model] = {}
        index: dict[str, str] = {}
        validators: dict[str, ModelValidator] = {}
        limits = self.config.limits
        for model in self.by_path.values():
            models[model.slug] = model
            validators[model.slug] = _validator(
                model,
                limits.upload_max_bytes,
                self.config.validation.unknown_fields,
                self.config.validation.strict_constraints,
            )
            for key in slug_keys(model):
                index[key] = model.slug
        self.models, self._index, self.validators = models, index, validators
        self._lookups = {}

    def _scan(self) -> dict[str, int]:
        assert self.specs is not None
        out: dict[str, int] = {}
        if not self.specs.is_dir():
            return out
        for root, _dirs, files in os.walk(self.specs):
            for name in files:
                path = os.path.join(root, name)
                try:
                    out[path] = os.stat(path).st_mtime_ns
                except OSError:
                    continue
        return out


def _spec_docs(specs: Path) -> list[Path]:
    """The docs of a specs folder (or the one doc a file path names); none is an error."""
    hint = "pass --specs FOLDER, or --catalogue PACKAGE to serve an installed client"
    if not specs.exists():
        raise ModelSourceError(f"specs folder {specs} does not exist; {hint}")
    docs = discover([specs])
    if not docs:
        kinds = "/".join(f"*{suffix}" for suffix in SPEC_SUFFIXES)
        raise ModelSourceError(f"specs folder {specs} holds no model docs ({kinds}); {hint}")
    return docs


def check_source(specs: str | Path | None, package: str | None) -> None:
    """Raise ModelSourceError now if a source would serve no model (the pytest plugin's
    session check; the package's models are memoized, so the app loads them for free)."""
    if package is not None:
        packaged_models(package)
    elif specs is not None:
        _spec_docs(Path(specs))


def package_catalogue(package: str) -> Path:
    """The catalogue.json of an installed package, found without importing it.

    Importing a generated client runs its code and, at catalogue scale, costs time; the mock
    only needs the file beside its `__init__.py`. `package` is the import name
    (`wiro_client`) or the distribution name (`wiro-client`). Only a dotted name's parent
    packages get imported (that is how `importlib.util.find_spec` finds a submodule).
    """
    for name in dict.fromkeys((package, package.replace("-", "_"))):
        if not all(part.isidentifier() for part in name.split(".")):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        folders = list(spec.submodule_search_locations or ())
        for folder in folders:
            if (Path(folder) / catalogue_file.FILE_NAME).is_file():
                return Path(folder) / catalogue_file.FILE_NAME
        where = folders[0] if folders else spec.origin
        raise ModelSourceError(
            f"{where}: {name} has no {catalogue_file.FILE_NAME} (not a wirogen client, or one "
            "generated before clients carried their catalogue: regenerate and reinstall it)"
        )
    raise ModelSourceError(
        f"no installed package {package!r} to take a catalogue from; install the generated "
        "client (pip install generated/) or pass --specs FOLDER"
    )


def packaged_models(package: str) -> tuple[Path, tuple[Model, ...]]:
    """The models in an installed package's catalogue.json (memoized by file version)."""
    path = package_catalogue(package)
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        models = _PACKAGED.get(key)
        if models is None:
            models = catalogue_file.loads(path.read_bytes(), str(path))
    except OSError as exc:
        raise ModelSourceError(f"{path}: cannot read: {exc.strerror}") from None
    except catalogue_file.CatalogueFileError as exc:
        raise ModelSourceError(str(exc)) from None
    if not models:
        raise ModelSourceError(f"{path}: holds no models; regenerate the client from its specs")
    if len(_PACKAGED) >= 16:
        _PACKAGED.clear()
    _PACKAGED[key] = models
    return path, models


def _parsed(path: Path, root: Path | None) -> Model:
    """`parse_file`, memoized by the bytes of the doc and its override: models are
    immutable, and a process that builds many apps (a test suite, `--workers`) re-reads a
    whole catalogue each time while the files rarely change."""
    try:
        data = path.read_bytes()
        override = override_path(path)
        extra = override.read_bytes() if override.is_file() else None
    except OSError:
        return parse_file(path, root)  # parse_file names the unreadable file
    key = (str(path), str(root), _digest(data), None if extra is None else _digest(extra))
    model = _MEMO.get(key)
    if model is None:
        model = parse_data(data, path, root)
        if len(_MEMO) >= PARSE_MEMO:
            _MEMO.clear()
        _MEMO[key] = model
    return model


def _validator(
    model: Model, upload_max_bytes: int, unknown_fields: str, strict_constraints: bool
) -> ModelValidator:
    """A model's compiled checks, memoized like `_parsed`: a validator is read-only once
    built, and every app of a process that parses a doc gets the same `Model` object, so
    it compiles each model's checks once, not once per app."""
    key = (id(model), upload_max_bytes, unknown_fields, strict_constraints)
    hit = _VALIDATORS.get(key)
    if hit is not None and hit[0] is model:  # the entry holds its model: no reused id
        return hit[1]
    if len(_VALIDATORS) >= PARSE_MEMO:
        _VALIDATORS.clear()
    validator = ModelValidator(model, upload_max_bytes, unknown_fields, strict_constraints)
    _VALIDATORS[key] = (model, validator)
    return validator


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _doc_for(path: str, docs: set[str]) -> str | None:
    """The doc a changed file belongs to (an override file maps to its doc)."""
    if path in docs:
        return path
    if path.endswith(".override.toml"):
        return next((d for d in docs if str(override_path(Path(d))) == path), None)
    if path.endswith((".md", ".txt")) and not os.path.basename(path).upper().startswith("README"):
        return path
    return None
