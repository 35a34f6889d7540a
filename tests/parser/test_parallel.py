"""A parallel or cached parse gives exactly what a one-by-one parse gives.

The corpus mixes the real specs (both formats, an override), bad docs of every
kind and a duplicated slug, so both the models and the per-file errors (type,
path, line, message, order) are compared, not just the happy path.
"""

from __future__ import annotations

import pickle
import shutil
import threading
from pathlib import Path

import pytest

from codegen.errors import OverrideError, SpecError
from codegen.parallel import PARALLEL_MIN, processes
from codegen.parser import Locator, discover, load_catalogue, parse_located, parse_many
from codegen.parser.many import _inputs
from codegen.schema import Model
from tests.forking import in_fresh_process
from tests.paths import SPECS

Parsed = tuple[list[Model], list[SpecError]]


def _corpus(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    (specs / "empty.md").write_text("")
    (specs / "page.md").write_text("<html><body>login</body></html>")
    (specs / "binary.md").write_bytes(b"## Basic tool info\0")
    (specs / "latin1.md").write_bytes("## Basic tool info\nModel name: caf\xe9".encode("latin-1"))
    (specs / "noinputs.llms.md").write_text("## Basic tool info\n\nModel name: a/b\n")
    cartoonify = (specs / "wiro__cartoonify.llms.md").read_text()
    (specs / "copy__cartoonify.llms.md").write_text(cartoonify)  # duplicate slug
    (specs / "bad__override.llms.md").write_text(cartoonify.replace("wiro/", "bad/"))
    (specs / "bad__override.override.toml").write_text("not = [valid toml")
    return specs


def _key(errors: list[SpecError]) -> list[tuple[type[SpecError], str, int | None, str, str]]:
    return [(type(e), e.path, e.line, e.message, str(e)) for e in errors]


def _parse(specs: Path, **options: object) -> Parsed:
    return parse_many(discover([specs]), root=specs.parent, **options)  # type: ignore[arg-type]


def _same(left: Parsed, right: Parsed) -> None:
    assert left[0] == right[0]
    assert [m.model_dump(mode="json") for m in left[0]] == [
        m.model_dump(mode="json") for m in right[0]
    ]
    assert _key(left[1]) == _key(right[1])


def check_parallel_equals_serial(tmp_path: Path) -> None:
    assert processes(100, 2) == 2, "this check must run where forking is allowed"
    specs = _corpus(tmp_path)
    serial = _parse(specs, jobs=1)
    assert len(serial[0]) >= 8 and len(serial[1]) == 7
    assert any(isinstance(e, OverrideError) for e in serial[1])
    _same(_parse(specs, jobs=2), serial)
    _same(_parse(specs, jobs=3), serial)


def check_cached_equals_uncached(tmp_path: Path) -> None:
    assert processes(100, 2) == 2, "this check must run where forking is allowed"
    specs = _corpus(tmp_path)
    cache = tmp_path / "cache"
    serial = _parse(specs, jobs=1)
    _same(_parse(specs, jobs=2, cache_dir=cache), serial)  # cold: fills the cache
    assert (cache / "parse.pack").is_file()
    _same(_parse(specs, jobs=1, cache_dir=cache), serial)  # warm
    _same(_parse(specs, jobs=2, cache_dir=cache), serial)


def test_parallel_equals_serial(tmp_path: Path) -> None:
    in_fresh_process(__name__, "check_parallel_equals_serial", tmp_path)


def test_cached_equals_uncached(tmp_path: Path) -> None:
    in_fresh_process(__name__, "check_cached_equals_uncached", tmp_path)


def test_cache_sees_every_input_change(tmp_path: Path) -> None:
    specs = _corpus(tmp_path)
    cache = tmp_path / "cache"
    _parse(specs, cache_dir=cache)
    doc = specs / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("Turn your photos", "Turn your pictures"))
    (specs / "wiro__cartoonify.gone").write_text("")
    (specs / "bad__override.override.toml").unlink()
    _same(_parse(specs, cache_dir=cache), _parse(specs))


def test_corrupted_cache_is_ignored(tmp_path: Path) -> None:
    specs = _corpus(tmp_path)
    cache = tmp_path / "cache"
    expected = _parse(specs)
    _parse(specs, cache_dir=cache)
    pack = cache / "parse.pack"
    tag, entries = pickle.loads(pack.read_bytes())
    for entry in list(entries)[:3]:
        entries[entry] = b"not a pickle"
    pack.write_bytes(pickle.dumps((tag, entries)))
    _same(_parse(specs, cache_dir=cache), expected)
    pack.write_bytes(b"\x80\x05garbage")
    _same(_parse(specs, cache_dir=cache), expected)
    pack.unlink()
    pack.mkdir()  # unwritable: the run still succeeds, just uncached
    _same(_parse(specs, cache_dir=cache), expected)


def test_load_catalogue_cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    monkeypatch.delenv("WIROGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("WIROGEN_NO_CACHE", "1")
    uncached = load_catalogue(specs)
    assert not (tmp_path / ".wirogen-cache").exists()
    monkeypatch.delenv("WIROGEN_NO_CACHE")
    assert load_catalogue(specs) == uncached
    assert (tmp_path / ".wirogen-cache" / "parse.pack").is_file()
    monkeypatch.setenv("WIROGEN_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert load_catalogue(specs) == uncached
    assert (tmp_path / "elsewhere" / "parse.pack").is_file()


def test_spec_errors_pickle() -> None:
    for error in (SpecError("a.md", "bad", 3), OverrideError("b.toml", "worse")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and _key([copy]) == _key([error])


def test_workers_only_for_big_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert processes(PARALLEL_MIN - 1, None) == 1
    assert processes(1, 4) == 1
    assert processes(3, 8) == 3
    assert processes(PARALLEL_MIN, 2) == 2


def test_a_doc_edited_mid_parse_is_not_cached_under_its_old_key(tmp_path: Path) -> None:
    specs = _corpus(tmp_path)
    doc = specs / "wiro__cartoonify.llms.md"
    locator = Locator(tmp_path)
    before = _inputs(doc, locator)
    assert before is not None and before.made(parse_located(doc, locator))
    doc.write_text(doc.read_text().replace("Turn your photos", "Turn your pictures"))
    assert not before.made(parse_located(doc, locator))


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert processes(PARALLEL_MIN * 10, None) == 1
        assert processes(10, 4) == 1
    finally:
        stop.set()
        thread.join()
