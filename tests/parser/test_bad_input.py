"""Each kind of bad doc has a defined outcome: a SpecError naming file and line, or a warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.errors import CatalogueError, OverrideError, SpecError
from codegen.parser import discover, load_catalogue, parse_file
from codegen.schema import InputKind
from tests.paths import FIXTURES, SPECS

GOOD_HEAD = """## Basic tool info

Model name: acme/Thing
Model description: A thing.
Run Task Endpoint (POST):
https://api.wiro.ai/v1/Run/acme/thing

## Model Inputs:

"""
TAIL = "\n## Integration Header Prepare\n"


def _doc(tmp_path: Path, inputs: str, name: str = "acme__thing.llms.md") -> Path:
    path = tmp_path / name
    path.write_text(GOOD_HEAD + inputs + TAIL)
    return path


def _input(name: str, kind: str = "text", default: str = "", extra: str = "") -> str:
    head = f"  - name: {name}\n    label: {name}\n    help: \n"
    return head + f"    type: {kind}\n    default: {default}\n{extra}\n"


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_file(path)
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("  \n")
    error = _error(path)
    assert error.path.endswith("empty.md") and error.line == 1 and "empty" in error.message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.md"
    path.write_bytes(b"## Basic\x00\x01")
    assert "binary" in _error(path).message


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes(b"## Basic tool info\n\nModel name: caf\xe9/x\n")
    error = _error(path)
    assert error.line == 3 and "UTF-8" in error.message


def test_html(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text("<!DOCTYPE html><html><body>Model name: a/b</body></html>")
    assert "HTML" in _error(path).message


def test_unknown_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# My notes\n\nnothing here\n")
    assert "expected an llms.txt doc" in _error(path).message


def test_no_inputs_section(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text(GOOD_HEAD.split("## Model Inputs")[0])
    assert "Inputs:" in _error(path).message


def test_missing_model_name(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text(
        GOOD_HEAD.replace("Model name: acme/Thing", "Model name: nothing") + _input("a")
    )
    assert "OWNER/PROJECT" in _error(path).message


def test_duplicate_input_names(tmp_path: Path) -> None:
    path = _doc(tmp_path, _input("seed") + _input("seed"))
    error = _error(path)
    assert "duplicate input name 'seed'" in error.message
    assert error.line == path.read_text().splitlines().index("  - name: seed", 12) + 1


def test_input_without_name(tmp_path: Path) -> None:
    path = _doc(tmp_path, "  - label: orphan\n    type: text\n")
    error = _error(path)
    assert "- name:" in error.message and error.line == 10


def test_select_default_not_among_options(tmp_path: Path) -> None:
    options = '    options:\n      - value: "a"\n        label: A\n'
    model = parse_file(_doc(tmp_path, _input("pick", "select", "z", options)))
    assert model.input("pick").default is None
    warning = next(w for w in model.warnings if w.code == "default_not_in_options")
    assert warning.input == "pick" and "'z'" in warning.message and warning.line == 10


def test_unknown_type_reads_as_text(tmp_path: Path) -> None:
    model = parse_file(_doc(tmp_path, _input("tint", "hologram", "x")))
    assert model.input("tint").kind is InputKind.TEXT
    assert [w.code for w in model.warnings] == ["unknown_type"]


def test_guessed_boolean_type(tmp_path: Path) -> None:
    model = parse_file(_doc(tmp_path, _input("flag", "checkbox", "true")))
    assert model.input("flag").kind is InputKind.BOOLEAN and model.input("flag").default is True


def test_bad_number_default_is_dropped_with_warning(tmp_path: Path) -> None:
    model = parse_file(_doc(tmp_path, _input("steps", "number", "lots")))
    assert model.input("steps").default is None
    assert [w.code for w in model.warnings] == ["bad_default"]


def test_truncated_doc_keeps_everything_before_the_cut() -> None:
    model = parse_file(FIXTURES / "docs" / "story-maker.truncated.llms.md")
    names = [i.name for i in model.inputs]
    assert names[:7] == ["selectedModel", "selectedModelPrivate", "inputImageUrl", "inputImage2Url",
                         "prompt", "negativePrompt", "width"]  # fmt: skip
    assert names[-1] == "height" and model.input("width").default == 768
    truncated = [w for w in model.warnings if w.code == "truncated"]
    assert len(truncated) == 1 and truncated[0].input == "height"


def test_override_with_bad_toml_names_line(tmp_path: Path) -> None:
    spec = _doc(tmp_path, _input("a"))
    (tmp_path / "acme__thing.override.toml").write_text('[[inputs]]\nname = "a"\norigin = \n')
    error = _error(spec)
    assert isinstance(error, OverrideError) and error.line == 3


def test_override_with_unknown_field_names_the_entry(tmp_path: Path) -> None:
    spec = _doc(tmp_path, _input("a"))
    (tmp_path / "acme__thing.override.toml").write_text(
        '[[inputs]]\nname = "a"\norigin = "me"\n\n'
        '[[inputs]]\nname = "b"\norigin = "me"\ncolour = 1\n'
    )
    error = _error(spec)
    assert "inputs.1.colour" in error.message and error.line == 5


def test_override_requires_origin_and_type_for_new_inputs(tmp_path: Path) -> None:
    spec = _doc(tmp_path, _input("a"))
    override = tmp_path / "acme__thing.override.toml"
    override.write_text('[[inputs]]\nname = "a"\n')
    assert "origin" in _error(spec).message
    override.write_text('[[inputs]]\nname = "new"\norigin = "me"\n')
    assert "needs a 'type'" in _error(spec).message


def test_override_patches_and_removes(tmp_path: Path) -> None:
    spec = _doc(tmp_path, _input("a") + _input("b", "number", "3"))
    (tmp_path / "acme__thing.override.toml").write_text(
        '[[inputs]]\nname = "a"\norigin = "vendor"\nremove = true\n\n'
        '[[inputs]]\nname = "b"\norigin = "openapi"\nminimum = 1\nmaximum = 5\nrequired = true\n'
    )
    model = parse_file(spec)
    b = model.input("b")
    assert [i.name for i in model.inputs] == ["b"]
    assert (b.minimum, b.maximum, b.required, b.default, b.origin) == (
        1,
        5,
        True,
        3,
        "override: openapi",
    )


def test_catalogue_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("")
    (tmp_path / "b.md").write_text("<html></html>")
    _doc(tmp_path, _input("a"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    assert sorted(Path(e.path).name for e in info.value.errors) == ["a.md", "b.md"]


def test_duplicate_slug_across_files(tmp_path: Path) -> None:
    _doc(tmp_path, _input("a"), "one.md")
    _doc(tmp_path, _input("a"), "two.md")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    assert "already defined" in str(info.value)


def test_cli_reports_all_bad_files_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("")
    (tmp_path / "b.md").write_bytes(b"\x00")
    good = _doc(tmp_path, _input("a"))
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "parse", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "a.md:1: the file is empty" in result.stderr and "b.md: binary file" in result.stderr
    assert '"slug": "acme/thing"' in result.stdout and good.exists()


def test_cli_parses_all_specs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "parse", str(SPECS), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.count('"run_path"') == len(discover([SPECS]))
