"""The incremental cache and parallel rendering never change output.

Cold cache, warm cache and no cache give the same bytes; so do rendering in
one process and in several.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.errors import GenerateError
from codegen.parser import load_catalogue
from codegen.render.commands import build, check, generate
from codegen.render.engine import render_tree
from codegen.render.tree import Report
from codegen.schema import InputKind
from tests.forking import in_fresh_process
from tests.generator.hostile import hostile_models
from tests.paths import SPECS


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the specs; the cache goes to its default place beside them."""
    monkeypatch.delenv("WIROGEN_NO_CACHE", raising=False)
    monkeypatch.delenv("WIROGEN_CACHE_DIR", raising=False)
    shutil.copytree(SPECS, tmp_path / "specs")
    return tmp_path


def _tree(project: Path) -> dict[str, bytes]:
    return build(project / "specs", project / "generated", "pkg")[0]


def _uncached(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    with monkeypatch.context() as patch:
        patch.setenv("WIROGEN_NO_CACHE", "1")
        return _tree(project)


def test_cold_warm_and_off_are_identical(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    off = _uncached(project, monkeypatch)
    assert not (project / ".wirogen-cache").exists()
    assert _tree(project) == off  # cold: fills the cache
    assert {p.name for p in (project / ".wirogen-cache").iterdir()} == {
        ".gitignore",
        "entries.pack",
        "parse.pack",
        "render.pack",
    }
    assert _tree(project) == off  # warm


def test_the_cache_folder_is_ignored_by_git_from_inside(project: Path) -> None:
    """No line in the user's own .gitignore is needed: the folder ignores itself."""
    _tree(project)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(project)]
    subprocess.run([*git, "init", "-q"], check=True)
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "specs/" in status and ".wirogen-cache" not in status


def test_a_changed_spec_is_not_served_stale(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(project)
    doc = project / "specs" / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("name: seed", "name: seedValue"))
    warm = _tree(project)
    assert warm == _uncached(project, monkeypatch)
    assert b"seed_value" in warm["pkg/models/wiro/cartoonify.py"]


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_one_changed_spec_regenerates_to_the_cold_bytes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lock spliced by one entry, CHANGELOG, modules: all exactly what a cold run writes."""
    warm, cold = project / "warm", project / "cold"
    generate(project / "specs", warm, "pkg")
    shutil.copytree(warm, cold)
    doc = project / "specs" / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("name: seed", "name: seedValue"))
    report = generate(project / "specs", warm, "pkg")
    assert "wirogen.lock.json" in report.written and report.changes
    with monkeypatch.context() as patch:
        patch.setenv("WIROGEN_NO_CACHE", "1")
        generate(project / "specs", cold, "pkg")
    assert _files(warm) == _files(cold)


#: Edits to one doc, each moving that model's own lines of a file every model shares:
#: its README row and section and owner package (description: the summary), its
#: `_registry.py` entry, overloads and README heading (display name: the class), its
#: README input table and module (an input's name).
_SHARED_EDITS = (
    ("Model description: Turn your photos", "Model description: Now turn your photos"),
    ("Model name: wiro/cartoonify", "Model name: wiro/Cartoonify"),
    ("name: seed", "name: seedValue"),
)


@pytest.mark.parametrize("edit", range(len(_SHARED_EDITS)))
def test_shared_files_join_cached_lines_to_the_cold_bytes(
    project: Path, monkeypatch: pytest.MonkeyPatch, edit: int
) -> None:
    """README, `_registry.py`, `_client.py` and owner packages are joined from each
    model's cached lines (and owner packages cached whole): after one spec changed
    they are still exactly what a cold run writes, as is a model added and one removed."""
    warm, cold = project / "warm", project / "cold"
    generate(project / "specs", warm, "pkg")
    shutil.copytree(warm, cold)

    def both() -> Report:
        report = generate(project / "specs", warm, "pkg")
        with monkeypatch.context() as patch:
            patch.setenv("WIROGEN_NO_CACHE", "1")
            generate(project / "specs", cold, "pkg")
        assert _files(warm) == _files(cold)
        return report

    doc = project / "specs" / "wiro__cartoonify.llms.md"
    old, new = _SHARED_EDITS[edit]
    assert old in doc.read_text()
    doc.write_text(doc.read_text().replace(old, new, 1))
    shared = {"README.md", "pkg/_registry.py", "pkg/models/wiro/__init__.py"}
    assert shared & set(both().written)
    two = project / "specs" / "wiro__cartoonify-two.llms.md"
    two.write_text(doc.read_text().replace("wiro/cartoonify", "wiro/cartoonify-two"))
    next(p for p in sorted((project / "specs").glob("*.openapi.json"))).unlink()
    assert shared <= set(both().written)


def test_templates_are_compiled_once_and_a_corrupted_one_again(project: Path) -> None:
    """Compiled templates are cached (a fresh process skips compiling them); a cached
    one that is corrupted, or of another jinja2, is compiled again, never loaded."""
    in_fresh_process(__name__, "check_template_cache", project)


def check_template_cache(project: Path) -> None:
    import jinja2

    from codegen.render import engine

    os.environ.pop("WIROGEN_NO_CACHE", None)
    folder = project / ".wirogen-cache"
    cold = _tree(project)
    tag, entries = pickle.loads((folder / "templates.pack").read_bytes())
    assert len(entries) >= 3
    for index, entry in enumerate(entries):
        value = entries[entry]
        # a flipped byte, a valid digest over bytes jinja2 rejects, a truncated value
        entries[entry] = (
            value[:40] + bytes([value[40] ^ 1]) + value[41:],
            hashlib.sha256(b"junk").digest() + b"junk",
            value[:10],
        )[index % 3]
    (folder / "templates.pack").write_bytes(pickle.dumps((tag, entries)))
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(
        self: jinja2.Environment, source: str, name: str | None = None, *a: object, **k: object
    ) -> object:
        compiled.append(name or "")
        return real(self, source, name, *a, **k)  # type: ignore[arg-type]

    jinja2.Environment.compile = counting  # type: ignore[assignment,method-assign]
    engine.environment.cache_clear()
    assert _tree(project) == cold
    assert compiled  # the corrupted ones
    compiled.clear()
    engine.environment.cache_clear()
    assert _tree(project) == cold
    assert compiled == []  # all from the cache, written back after the corruption


def test_nothing_changed_writes_nothing_and_drift_is_still_seen(project: Path) -> None:
    out = project / "generated"
    first = generate(project / "specs", out, "pkg")
    again = generate(project / "specs", out, "pkg")
    assert not again.written and not again.deleted and again.unchanged == len(first.written)
    assert (again.models, again.version) == (first.models, first.version)
    assert check(project / "specs", out, "pkg") == []
    readme = out / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"#", b"%", 1))
    (out / "pkg" / "stray.py").write_text("")
    assert check(project / "specs", out, "pkg") == ["differs: README.md", "extra: pkg/stray.py"]
    assert generate(project / "specs", out, "pkg").written == ("README.md",)


def test_a_lock_laid_out_by_hand_reads_the_same(project: Path) -> None:
    out = project / "generated"
    generate(project / "specs", out, "pkg")
    lock = out / "wirogen.lock.json"
    laid_out = lock.read_bytes()
    lock.write_text(json.dumps(json.loads(laid_out), indent=4))
    doc = project / "specs" / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("name: seed", "name: seedValue"))
    edited = generate(project / "specs", out, "pkg")
    assert edited.changes and lock.read_bytes() != laid_out
    lock.write_text(json.dumps(json.loads(lock.read_bytes()), indent=4))
    assert not generate(project / "specs", out, "pkg").changes


def test_render_cache_keys_on_names_and_package(project: Path) -> None:
    models = hostile_models()
    specs = project / "specs"
    for package in ("pkg", "other", "pkg"):
        assert render_tree(models, package, specs) == render_tree(models, package, None)
    assert render_tree(models[1:], "pkg", specs) == render_tree(models[1:], "pkg", None)


def test_corrupted_cache_is_recomputed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    off = _uncached(project, monkeypatch)
    _tree(project)
    packs = sorted((project / ".wirogen-cache").glob("*.pack"))
    assert [p.name for p in packs] == ["entries.pack", "parse.pack", "render.pack"]
    for pack in packs:
        tag, entries = pickle.loads(pack.read_bytes())
        for index, entry in enumerate(entries):
            # garbage, a valid pickle of the wrong type, and a truncated value
            entries[entry] = (b"junk", pickle.dumps(("x", 1)), entries[entry][:20])[index % 3]
        pack.write_bytes(pickle.dumps((tag, entries)))
    assert _tree(project) == off
    assert _tree(project) == off  # the recomputed entries were written back
    for pack in packs:
        pack.write_bytes(b"not a pack at all")
    assert _tree(project) == off


def test_a_few_new_entries_go_to_a_log_that_survives_corruption(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One changed spec appends to each pack's log instead of rewriting the pack; a torn
    or corrupted log costs misses, never wrong bytes, and a long log is compacted."""
    folder = project / ".wirogen-cache"
    _tree(project)
    packs = {p.name: p.read_bytes() for p in folder.glob("*.pack")}
    doc = project / "specs" / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("name: seed", "name: seedValue"))
    off = _uncached(project, monkeypatch)
    assert _tree(project) == off
    logs = sorted(p.name for p in folder.glob("*.log"))
    assert logs == ["entries.log", "parse.log", "render.log"]
    assert {p.name: p.read_bytes() for p in folder.glob("*.pack")} == packs  # not rewritten
    assert _tree(project) == off  # the logged entries are read back
    for log in folder.glob("*.log"):
        data = log.read_bytes()
        log.write_bytes(data[:-7] if log.name == "parse.log" else data[:50] + b"x" + data[51:])
    assert _tree(project) == off
    assert _tree(project) == off
    for index in range(12):  # enough appended entries to compact the smallest pack
        doc.write_text(doc.read_text().replace("name: seed", f"name: seed{index}"))
        _tree(project)
    assert not (folder / "parse.log").exists() or len(
        (folder / "parse.log").read_bytes()
    ) * 4 <= len((folder / "parse.pack").read_bytes())
    assert _tree(project) == _uncached(project, monkeypatch)


def test_unwritable_cache_dir_is_not_fatal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    off = _uncached(project, monkeypatch)
    blocker = project / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("WIROGEN_CACHE_DIR", str(blocker / "cache"))
    assert _tree(project) == off


def test_warm_run_reuses_parse_and_render(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _tree(project)

    def fail(*_args: object) -> None:
        raise AssertionError("recomputed despite a warm cache")

    monkeypatch.setattr("codegen.parser.many.parse_located", fail)
    monkeypatch.setattr("codegen.render.view.catalogue.model_view", fail)
    assert _tree(project) == cold


def check_parallel_render_equals_serial(workdir: Path) -> None:
    """Cached or not, forked rendering gives the serial bytes (run in a fresh process)."""
    import codegen.parallel

    shutil.copytree(SPECS, workdir / "specs")
    specs = workdir / "specs"
    real = load_catalogue(specs).models
    slugs = {m.slug for m in real}
    models = [*real, *(m for m in hostile_models() if m.slug not in slugs)]
    for cached in (False, True):
        os.environ.pop("WIROGEN_NO_CACHE", None)
        if not cached:
            os.environ["WIROGEN_NO_CACHE"] = "1"
        codegen.parallel.PARALLEL_MIN = 10_000
        serial = render_tree(models, "pkg", specs)
        codegen.parallel.PARALLEL_MIN = 2  # fork even for this few
        assert codegen.parallel.processes(len(models), None) > 1
        assert render_tree(models, "pkg", specs) == serial
        assert render_tree(models, "pkg", specs) == serial


def check_parallel_render_raises_like_serial(workdir: Path) -> None:
    import codegen.parallel

    os.environ["WIROGEN_NO_CACHE"] = "1"
    models = hostile_models()
    bad = models[3].inputs[0].model_copy(update={"kind": InputKind.NUMBER, "minimum": math.nan})
    models[3] = models[3].model_copy(update={"inputs": (bad,)})
    with pytest.raises(GenerateError) as serial:
        render_tree(models, "pkg")
    codegen.parallel.PARALLEL_MIN = 2
    assert codegen.parallel.processes(len(models), None) > 1
    with pytest.raises(GenerateError) as parallel:
        render_tree(models, "pkg")
    assert str(parallel.value) == str(serial.value)


def test_parallel_render_equals_serial(tmp_path: Path) -> None:
    in_fresh_process(__name__, "check_parallel_render_equals_serial", tmp_path)


def test_parallel_render_raises_like_serial(tmp_path: Path) -> None:
    in_fresh_process(__name__, "check_parallel_render_raises_like_serial", tmp_path)
