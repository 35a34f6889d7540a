"""Rendering a catalogue into an in-memory tree ``{relative path: bytes}``.

Rendering never touches the output directory; :mod:`codegen.render.tree` writes
or compares. Keeping the tree in memory is what makes ``check`` exact and
``generate`` skip unchanged files.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import keyword
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import jinja2.bccache

from codegen import catalogue_file, parallel
from codegen.cache import Pack, cache_dir, code_version, key, loads
from codegen.changes.release import FIRST_VERSION
from codegen.entries import Entry, content, model_entries
from codegen.errors import GenerateError
from codegen.render import quote
from codegen.render.format import Group, import_from, isort_names, natural_key, render
from codegen.render.view.catalogue import CatalogueView, OwnerView, ViewJob, catalogue_view
from codegen.render.view.headers import GENERATED_BY, header_lines, shared_header
from codegen.render.view.model import ModelView
from codegen.render.view.registry import ModelLines, model_lines, owner_imports, registry_view
from codegen.schema import Model

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
RUNTIME = Path(__file__).resolve().parent.parent / "runtime"
#: The code a model's view and module depend on (see `codegen.cache.code_version`).
_RENDER_CODE = (
    "render/*.py",
    "render/view/*.py",
    "templates/*.j2",
    "schema.py",
    "wire.py",
    "numbers.py",
    "errors.py",
)
_RENDER_LIBRARIES = ("jinja2", "pydantic", "pydantic-core")

#: Names the package ``__init__`` re-exports from each runtime module, besides
#: whatever that module lists in ``__all__`` (errors and response types).
_EXPORT_ALL_FROM = ("_errors", "_types")
_EXPORT_NAMED = {
    "_task": ("AsyncTask", "Task"),
    "_files": ("FileInput", "FileValue"),
    "_options": ("NOT_GIVEN", "CallOptions", "NotGiven"),
    "_raw": ("RawResponse",),
}


@cache
def environment() -> jinja2.Environment:
    """The one Jinja environment: strict, no autoescape (we emit Python, not HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = quote.py
    env.filters["docstring"] = quote.docstring
    env.filters["md"] = quote.md
    env.filters["md_code"] = quote.md_code
    return env


class _TemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in the cache folder: compiling them costs a one-spec run
    more than rendering that spec does.

    Entries are keyed by the render code's version (templates, the environment's
    options and filters) and jinja2's, plus jinja2's own key and checksum of the
    template's source; each value starts with the sha256 of the rest, so a corrupted
    one is compiled again, never loaded.
    """

    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    def _entry(self, bucket: jinja2.bccache.Bucket) -> str:
        version = code_version(_RENDER_CODE, _RENDER_LIBRARIES)
        return key(("template", version, bucket.key, bucket.checksum))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        entry = self._entry(bucket)
        data = self.pack.get(entry)
        if data is None:
            return
        payload = data[_DIGEST:]
        if hashlib.sha256(payload).digest() != data[:_DIGEST]:
            self.pack.discard(entry)
            return
        bucket.bytecode_from_string(payload)
        if bucket.code is None:  # not jinja2's format any more: compiled again
            self.pack.discard(entry)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = bucket.bytecode_to_string()
        self.pack.put(self._entry(bucket), hashlib.sha256(payload).digest() + payload)


_DIGEST = 32


def _use_template_cache(folder: Path | None) -> _TemplateCache | None:
    """Compile this run's templates through the cache in `folder` (None: off)."""
    env = environment()
    if folder is None:
        env.bytecode_cache = None
        return None
    made = _TemplateCache(Pack(folder, "templates"))
    env.bytecode_cache = made
    return made


def _render(name: str, **context: Any) -> bytes:
    text = environment().get_template(name).render(**context)
    return text.encode("utf-8")


def check_package_name(package: str) -> None:
    if not package.isidentifier() or not package.isascii() or keyword.iskeyword(package):
        raise GenerateError(f"package name {package!r} is not a valid Python identifier")
    if package.startswith("_"):
        raise GenerateError(f"package name {package!r} must not start with an underscore")


def render_tree(
    models: Sequence[Model],
    package: str,
    specs_dir: Path | None = None,
    version: str = FIRST_VERSION,
    entries: Sequence[Entry] | None = None,
) -> dict[str, bytes]:
    """Every file of the distribution, keyed by POSIX path relative to the output dir.

    Each model's view and module come from the render cache when an earlier run
    rendered the same model under the same names, else are made on every CPU
    for big catalogues (see :class:`_ModelRenderer`). `entries` are the models'
    (`codegen.entries.model_entries`), when the caller made them already.
    """
    check_package_name(package)
    specs = PurePosixPath(specs_dir.resolve().as_posix()) if specs_dir is not None else None
    folder = cache_dir(specs_dir)
    templates = _use_template_cache(folder)
    made = entries if entries is not None else model_entries(models, folder)
    renderer = _ModelRenderer(Pack(folder, "render"), {e.slug: e.content for e in made})
    cat = catalogue_view(models, package, specs, renderer.make_views)
    tree: dict[str, bytes] = {m.file_path: renderer.made[m.file_path].module for m in cat.models}
    lines = [e.line for e in sorted(made, key=lambda e: e.slug)]
    tree.update(_package_files(cat, version, lines, renderer))
    renderer.pack.save()
    if templates is not None:
        templates.pack.save()
    tree.update(runtime_files(package))
    return dict(sorted(tree.items()))


@dataclass(frozen=True)
class _Made:
    """What one model's view gives: its module and its own parts of the shared files."""

    module: bytes
    lines: ModelLines
    #: Its row of the README's table and its section, each without the final newline.
    readme_row: str
    readme_section: str
    #: Its render-cache key (None: the cache is off), which also keys its owner's package.
    key: str | None = None


class _ModelRenderer:
    """Every model's view and module: from the render cache, else made on every CPU.

    The key is everything both depend on: the render code's version, the
    model's exact content (`codegen.entries.content`) and the names and paths
    ``model_view`` is given. The content is its fields as JSON with NaN/Infinity
    spelled out (pydantic's own JSON writes them as null, which would collide with
    None); each field's type is fixed by the schema, so equal JSON means equal
    fields. (A pickle would
    not do: it depends on which equal strings happen to be one object, and on
    the per-process order of the model's fields-set.)

    Beside the module, an entry keeps the model's lines of the files every model
    shares (README, ``_registry.py``), so those files are joined from cached lines,
    and owner packages are cached whole, keyed by their models' keys.
    """

    def __init__(self, pack: Pack, contents: dict[str, bytes] | None = None) -> None:
        self.pack = pack
        #: Each model's `content` by slug, where already made (an empty one is made here).
        self.contents = contents or {}
        #: By module path: each model's module, shared-file lines and key.
        self.made: dict[str, _Made] = {}

    def make_views(self, jobs: list[ViewJob]) -> list[ModelView]:
        """``ViewsMaker``: each job's view, in order; the rest of what it made kept aside."""
        entries = [self._key(job) for job in jobs]
        made: list[tuple[ModelView, _Made] | None] = [self._cached(e) for e in entries]
        todo = [index for index, hit in enumerate(made) if hit is None]
        if todo:
            for name in _MODEL_TEMPLATES:  # compiled once, before any fork
                environment().get_template(name)
        results = parallel.run(lambda n: _view_and_module(jobs[todo[n]]), len(todo), None)
        for index, (pair, blob) in zip(todo, results, strict=True):
            made[index] = pair
            entry = entries[index]
            if entry is not None:
                self.pack.put(entry, blob if blob is not None else pickle.dumps(pair, 5))
        views: list[ModelView] = []
        for result, entry in zip(made, entries, strict=True):
            assert result is not None  # every miss was made above
            view, parts = result
            self.made[view.file_path] = dataclasses.replace(parts, key=entry)
            views.append(view)
        return views

    def _key(self, job: ViewJob) -> str | None:
        if self.pack.path is None:
            return None
        specs_dir = job.specs_dir.as_posix() if job.specs_dir is not None else None
        return key(
            (
                code_version(_RENDER_CODE, _RENDER_LIBRARIES),
                self.contents.get(job.model.slug) or content(job.model),
                job.package,
                job.owner_attr,
                job.module,
                specs_dir,
                job.registry_alias,
            )
        )

    def _cached(self, entry: str | None) -> tuple[ModelView, _Made] | None:
        data = self.pack.get(entry) if entry is not None else None
        if entry is None or data is None:
            return None
        value = loads(self.pack, entry, data, tuple)
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and isinstance(value[0], ModelView)
            and isinstance(value[1], _Made)
            and isinstance(value[1].module, bytes)
            and isinstance(value[1].lines, ModelLines)
        ):
            return value[0], value[1]
        if value is not None:
            self.pack.discard(entry)
        return None

    def owner_file(self, owner: OwnerView, cat: CatalogueView) -> bytes:
        """An owner's package, from the cache when its models' keys and names are as before."""
        keys = [self.made[m.file_path].key for m in owner.models]
        entry = None
        if self.pack.path is not None and None not in keys:
            names = (owner.slug_owner, owner.attr, owner.class_name, owner.async_class_name)
            version = code_version(_RENDER_CODE, _RENDER_LIBRARIES)
            entry = key((version, "owner", cat.package, cat.specs_label, *names, *keys))
            data = self.pack.get(entry)
            if data is not None:
                value = loads(self.pack, entry, data, bytes)
                if isinstance(value, bytes):
                    return value
        made = _owner_file(owner, cat)
        if entry is not None:
            self.pack.put(entry, pickle.dumps(made, 5))
        return made


#: The templates rendered once per model.
_MODEL_TEMPLATES = ("model.py.j2", "readme_row.md.j2", "readme_model.md.j2")


def _view_and_module(job: ViewJob) -> tuple[ModelView, _Made]:
    view = job.make()
    made = _Made(
        module=_render("model.py.j2", m=view),
        lines=model_lines(view, job.package, job.model.display_name),
        readme_row=_fragment("readme_row.md.j2", view),
        readme_section=_fragment("readme_model.md.j2", view),
    )
    return view, made


def _fragment(name: str, view: ModelView) -> str:
    """One model's part of a shared file, its final newline left to the file's template."""
    text = environment().get_template(name).render(m=view)
    if not text.endswith("\n"):
        raise GenerateError(f"{name} must end with a newline")  # a template bug, not a spec's
    return text[:-1]


def _package_files(
    cat: CatalogueView, version: str, lines: Sequence[str], renderer: _ModelRenderer
) -> dict[str, bytes]:
    pkg = cat.package
    made = [renderer.made[m.file_path] for m in cat.models]
    reg = registry_view(cat, [m.lines for m in made])
    ctx = {"c": _CatalogueContext(cat, made)}
    files = {
        f"{pkg}/_base.py": _render("_base.py.j2", **ctx),
        f"{pkg}/_registry.py": _render("_registry.py.j2", r=reg, **ctx),
        f"{pkg}/_client.py": _render("_client.py.j2", r=reg, **ctx),
        f"{pkg}/__init__.py": _render("__init__.py.j2", x=_init_exports(pkg), **ctx),
        f"{pkg}/__main__.py": _render("__main__.py.j2", **ctx),
        f"{pkg}/py.typed": _render("py.typed.j2", **ctx),
        # The schema itself, so `wiro-mock --catalogue PACKAGE` serves the installed models.
        f"{pkg}/{catalogue_file.FILE_NAME}": catalogue_file.join_lines(lines),
        f"{pkg}/models/__init__.py": _render("models_init.py.j2", **ctx),
        "pyproject.toml": _render("pyproject.toml.j2", x={"version": version}, **ctx),
        "README.md": _render("README.md.j2", **ctx),
    }
    for owner in cat.owners:
        files[owner.file_path] = renderer.owner_file(owner, cat)
    return files


def _owner_file(owner: OwnerView, cat: CatalogueView) -> bytes:
    # No hash or count: a changed model rewrites its own module, not its owner's package.
    header = shared_header(f"{cat.specs_label}/ (models of {owner.slug_owner})")
    return _render(
        "owner_init.py.j2",
        o=owner,
        imports=owner_imports(owner),
        c={"package": cat.package, "header": header},
    )


class _CatalogueContext:
    """The catalogue view plus the few derived strings the templates need."""

    def __init__(self, cat: CatalogueView, made: Sequence[_Made]) -> None:
        self.package = cat.package
        self.dist_name = cat.dist_name
        self.header = cat.header
        self.header_text = " ".join(line.lstrip("# ") for line in cat.header).replace("--", "-")
        self.generated_by = GENERATED_BY
        self.owners = cat.owners
        self.models = cat.models
        #: The README's first call: a model whose documented example is complete.
        self.quickstart = next((m for m in cat.models if m.example_complete), None)
        #: Each model's README row and section (made with its module), in slug order.
        self.readme_rows = [m.readme_row for m in made]
        self.readme_sections = [m.readme_section for m in made]


# ---------------------------------------------------------------------------- runtime


def _runtime_sources() -> list[Path]:
    if not RUNTIME.is_dir():
        raise GenerateError(f"runtime sources not found at {RUNTIME}")
    return sorted(p for p in RUNTIME.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@cache
def _runtime_cached(package: str, stamp: tuple[tuple[str, int, int], ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for src in _runtime_sources():
        rel = src.relative_to(RUNTIME).as_posix()
        data = src.read_bytes()
        if src.suffix == ".py":
            digest = hashlib.sha256(data).hexdigest()
            head = header_lines(f"codegen/runtime/{rel} (copied verbatim)", digest)
            data = ("\n".join(head) + "\n").encode() + data
        files[f"{package}/_runtime/{rel}"] = data
    init = f"{package}/_runtime/__init__.py"
    if init not in files:
        header = header_lines("codegen/templates/runtime_init.py.j2", _template_hash())
        files[init] = _render("runtime_init.py.j2", c={"header": header})
    return files


def runtime_files(package: str) -> dict[str, bytes]:
    """The runtime sources with a provenance header (cached per process by mtime)."""
    stamp = tuple(
        (p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in _runtime_sources()
    )
    return _runtime_cached(package, stamp)


@cache
def _template_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.j2")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _module_exports(module: str) -> tuple[str, ...]:
    if module in _EXPORT_NAMED:
        return _EXPORT_NAMED[module]
    path = RUNTIME / f"{module}.py"
    if not path.is_file():
        return ()
    for node in ast.parse(path.read_text("utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return tuple(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return ()


def _init_exports(package: str) -> dict[str, Any]:
    groups: dict[str, list[str]] = {
        f"{package}._client": ["AsyncWiro", "Wiro"],
        f"{package}._registry": ["REGISTRY"],
        f"{package}._runtime._spec": ["FileField", "ModelSpec"],
    }
    for module in (*_EXPORT_ALL_FROM, *_EXPORT_NAMED):
        names = [n for n in _module_exports(module) if (RUNTIME / f"{module}.py").is_file()]
        if names:
            groups[f"{package}._runtime.{module}"] = names
    exported: set[str] = set()
    imports: list[str] = []
    for module in sorted(groups, key=natural_key):
        names = isort_names([n for n in groups[module] if n not in exported])
        exported.update(names)
        if names:
            imports.append(import_from(module, names))
    items = tuple(quote.py(n) for n in isort_names(list(exported)))
    return {"imports": imports, "all": render(Group("__all__ = [", items, "]"))}
