"""Hostile numbers and nesting end in one SpecError naming file and line, never a traceback.

Issue 16, items 3 and 4: each case of `hostile_numbers.CASES` once escaped as
ZeroDivisionError, OverflowError, RecursionError or ValueError, or was accepted as a
non-finite number (or a range no value fits) that broke `generate`, `openapi` and the mock.
"""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from codegen import cli, numbers, openapi
from codegen.catalogue_file import decode_floats
from codegen.changes.release import _lock_bytes
from codegen.errors import ParserBug, SpecError
from codegen.parser import parse_file
from codegen.schema import Catalogue, Model
from tests.parser.hostile_numbers import CASES, odd_model, strict_json
from tests.paths import SPECS


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_number_is_one_spec_error_at_its_line(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    with pytest.raises(SpecError) as info:
        parse_file(case.write(tmp_path), root=tmp_path)
    error = info.value
    assert not isinstance(error, ParserBug), error
    assert f"{error.path}:{error.line}" == case.at
    assert case.message in error.message


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], capture_output=True, text=True, cwd=cwd,
        check=False, env={"WIROGEN_NO_CACHE": "1", "PATH": ""},
    )  # fmt: skip


def test_parse_and_diff_exit_2_with_one_line_per_doc(tmp_path: Path) -> None:
    """All cases in one folder: `parse` lists each (exit 2); `diff` and `openapi` refuse."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for case in CASES.values():
        case.write(specs)
    parsed = _run("parse", "specs", cwd=tmp_path)
    assert parsed.returncode == 2 and "Traceback" not in parsed.stderr
    for case in CASES.values():
        assert f"error: specs/{case.at}: " in parsed.stderr
    assert f"{len(CASES)} doc(s) could not be parsed" in parsed.stderr
    for args in (("diff", "specs", "specs"), ("openapi", "--specs", "specs")):
        refused = _run(*args, cwd=tmp_path)
        assert refused.returncode == 2, refused.stderr
        assert "Traceback" not in refused.stderr and "wirogen: " in refused.stderr


def test_openapi_min_above_max_names_the_pointer(tmp_path: Path) -> None:
    doc = json.loads((SPECS / "aidc-ai__ovis-image-7b.openapi.json").read_text())
    doc["components"]["schemas"]["RunToolSchema"]["properties"]["steps"]["minimum"] = 60
    path = tmp_path / "a__b.openapi.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SpecError) as info:
        parse_file(path)
    assert info.value.pointer == "/components/schemas/RunToolSchema/properties/steps/minimum"
    assert "minimum 60 is above maximum 50" in info.value.message


def _boom(*_: object) -> None:
    raise RuntimeError("oops")


def test_any_other_exception_is_one_line_naming_the_doc_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A bug while reading one doc is that doc's error (a ParserBug): the other docs still
    parse; the traceback appears only with --debug."""
    normalize = sys.modules["codegen.parser.normalize"]
    check = normalize._check_unique
    monkeypatch.setattr(
        normalize, "_check_unique", lambda doc, i: _boom() if "bad" in doc.path else check(doc, i)
    )
    good = tmp_path / "reve__edit.page.txt"
    good.write_bytes((SPECS / good.name).read_bytes())
    bad = tmp_path / "bad.page.txt"
    bad.write_bytes(good.read_bytes())
    assert cli.main(["parse", str(tmp_path)]) == cli.EXIT_BUG
    out, err = capsys.readouterr()
    assert "1 model(s)" in out and "Traceback" not in err
    assert f"{bad.as_posix()}: wirogen bug while reading this doc: RuntimeError: oops" in err
    assert cli.main(["parse", str(bad), "--debug"]) == cli.EXIT_BUG
    assert "Traceback" in capsys.readouterr().err


def test_a_bug_outside_the_parser_is_one_line_with_what_was_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(openapi, "document", _boom)
    assert cli.main(["openapi", "--specs", str(SPECS)]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"bug in wirogen while reading {SPECS} (openapi): RuntimeError: oops" in err
    assert cli.main(["--debug", "openapi", "--specs", str(SPECS)]) == cli.EXIT_BUG
    assert "Traceback" in capsys.readouterr().err


def test_parser_bugs_keep_their_traceback_across_processes() -> None:
    try:
        _boom()
    except RuntimeError as exc:
        bug = ParserBug.of("a.md", exc)
    copy = pickle.loads(pickle.dumps(bug))
    assert (type(copy), str(copy), copy.detail) == (ParserBug, str(bug), bug.detail)
    assert "RuntimeError: oops" in copy.detail and "_boom" in copy.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5", 1.5), ("-3", -3.0), ("lots", None), ("", None), ("1e-400", 0.0), ("9" * 40, 1e40 - 1)],
)
def test_to_float_reads_numbers_and_none_for_words(text: str, expected: float | None) -> None:
    assert numbers.to_float(text) == expected


@pytest.mark.parametrize("text", ["nan", "-inf", "Infinity", "1e400", "9" * 41, "1." + "0" * 50])
def test_to_float_refuses_what_no_schema_holds(text: str) -> None:
    with pytest.raises(numbers.BoundError):
        numbers.to_float(text)


def test_ratios_ints_and_json_are_bounded() -> None:
    assert (numbers.to_ratio("1/3"), numbers.to_ratio("3")) == (0.333333, 3.0)
    for bad in ("1/0", "1..2", "/", "1/" + "9" * 41):
        with pytest.raises(numbers.BoundError):
            numbers.to_ratio(bad)
    with pytest.raises(numbers.BoundError):
        numbers.to_int("9" * 41)
    assert numbers.load_json("[" * 100 + "]" * 100) is not None
    for bad in ("[" * 101 + "]" * 101, "[" * 100_000, "1" * 41, "-" + "1" * 41, "NaN", "1e999"):
        with pytest.raises(numbers.BoundError):
            numbers.load_json(bad)


def test_openapi_and_lock_never_write_non_json_numbers() -> None:
    model = odd_model()
    doc = strict_json(openapi.dumps(openapi.document(Catalogue(models=(model,)))))
    assert isinstance(doc, dict)
    schema = doc["components"]["schemas"]
    props = next(s["properties"] for s in schema.values() if "odd" in s.get("properties", {}))
    assert not {"default", "minimum", "maximum", "multipleOf"} & set(props["odd"])
    assert (props["fine"]["minimum"], props["fine"]["maximum"]) == (0.5, 2.5)
    lock = strict_json(_lock_bytes("1.0.0", [model]))
    assert isinstance(lock, dict)
    back = Model.model_validate(decode_floats(lock["models"][0]))
    assert back.input("odd").minimum == -math.inf and math.isnan(back.input("odd").step or 0)
