"""Hostile doc shapes parse in linear time, and what the parser refuses or skips it says.

Issue 16, item 2: docs whose parse time grew with the square of their size. Each
shape below (the generators `bench/parse_scaling.py` times at 25 KB to 4 MB) is
parsed at 200 KB, where a linear parser takes well under a second and the old
quadratic one took half a minute or more; the tests check the parse result, not
the clock. Item 7: a UTF-8 byte order mark, and dangling or looping symlinks.
"""

from __future__ import annotations

import codecs
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.parse_scaling import (
    help_aspect,
    help_width,
    llms_flat,
    llms_options,
    page_d,
    page_fields,
)
from codegen.cli import main
from codegen.errors import CatalogueError, SpecError
from codegen.parser import (
    MAX_DOC_BYTES,
    constraints,
    discover,
    load_catalogue,
    page,
    parse_data,
    parse_file,
    restore,
)
from codegen.parser.override import override_path
from codegen.schema import InputKind, Model
from tests.paths import SPECS

SIZE = 200_000


def _parse(tmp_path: Path, text: str, name: str) -> Model:
    path = tmp_path / name
    path.write_text(text)
    return parse_file(path)


def test_many_json_body_lines_without_a_closing_quote(tmp_path: Path) -> None:
    """`-d '…' \\` lines with no final `';`: no body, so no inputs (and no hang)."""
    model = _parse(tmp_path, page_d(SIZE), "bench__scaling.page.txt")
    assert model.slug == "bench/scaling" and model.inputs == ()


def test_many_json_body_lines_closed_at_the_end(tmp_path: Path) -> None:
    """The body runs from the first `-d '` to the last quote: here not one JSON value."""
    text = page_d(SIZE).replace(
        "\nRun Command - Response", "-d '{\"p\": 1}';\nRun Command - Response"
    )
    model = _parse(tmp_path, text, "bench__scaling.page.txt")
    assert model.inputs == ()
    assert "inputs_unlisted" in {w.code for w in model.warnings}


@pytest.mark.parametrize(
    ("make", "tail", "expected"),
    [
        (help_width, "", {}),
        (help_width, "> 14", {"min_side_px": 15}),
        (help_aspect, "", {}),
        (help_aspect, "(1/3, 3)", {"min_aspect_ratio": 0.333333, "max_aspect_ratio": 3.0}),
    ],
)
def test_help_repeating_width_or_aspect_ratio(
    tmp_path: Path, make: Callable[[int], str], tail: str, expected: dict[str, float]
) -> None:
    """Every "width " of one long sentence once waited for the sentence's end in turn."""
    text = make(SIZE).replace(" \n    type: fileinput", f" {tail}\n    type: fileinput")
    image = _parse(tmp_path, text, "bench__scaling.llms.md").input("inputImage")
    limits = image.file_constraints
    found = {} if limits is None else limits.model_dump(exclude_defaults=True)
    assert found == expected


def test_tens_of_thousands_of_form_fields(tmp_path: Path) -> None:
    text = page_fields(SIZE)
    count = text.count('-F "field')
    model = _parse(tmp_path, text, "bench__scaling.page.txt")
    assert count > 5_000 and len(model.inputs) == count
    assert model.inputs[-1].name == f"field{count - 1}" and model.inputs[-1].kind is InputKind.TEXT
    assert model.examples[0]["field7"] == "value 7"


def test_repeated_form_field_is_one_input(tmp_path: Path) -> None:
    text = page_fields(SIZE).replace('-F "field3=', '-F "field2=')
    model = _parse(tmp_path, text, "bench__scaling.page.txt")
    assert [i.name for i in model.inputs[:3]] == ["field0", "field1", "field2"]
    assert "field3" not in {i.name for i in model.inputs}


def test_a_long_option_list(tmp_path: Path) -> None:
    text = llms_options(SIZE)
    model = _parse(tmp_path, text, "bench__scaling.llms.md")
    choice = model.input("choice")
    assert choice.kind is InputKind.SELECT and choice.default == "v0"
    assert len(choice.options) == text.count("- value:") > 3_000


def test_a_long_flattened_doc(tmp_path: Path) -> None:
    text = llms_flat(SIZE)
    model = _parse(tmp_path, text, "bench__scaling.llms.md")
    assert len(model.inputs) == text.count("- name:") > 1_000
    assert model.inputs[5].kind is InputKind.INTEGER and model.inputs[5].default == 5


def test_help_over_many_continuation_lines(tmp_path: Path) -> None:
    """Each continuation line was appended by copying the help text so far."""
    lines = "".join(f"      more help {i}\n" for i in range(20_000))
    text = (
        "## Basic tool info\n\nModel name: bench/Scaling\n\n## Model Inputs:\n\n"
        f"  - name: prompt\n    label: Prompt\n    help: first\n{lines}"
        "    type: text\n    default: x\n\n## Integration Header Prepare\n"
    )
    help_text = _parse(tmp_path, text, "bench__scaling.llms.md").input("prompt").help
    assert help_text is not None and help_text.startswith("first more help 0 more help 1 ")
    assert help_text.endswith("more help 19999")


def test_many_override_entries(tmp_path: Path) -> None:
    """Override entries find their inputs by name (and removals are one pass)."""
    spec = tmp_path / "bench__scaling.page.txt"
    text = page_fields(SIZE)
    spec.write_text(text)
    count = text.count('-F "field')
    entries = [f'[[inputs]]\nname = "field{i}"\norigin = "test"\n' for i in range(count)]
    entries[1] += "remove = true\n"
    entries.append('[[inputs]]\nname = "field1"\norigin = "back"\ntype = "number"\n')
    override_path(spec).write_text("\n".join(entries))
    model = parse_file(spec)
    assert len(model.inputs) == count and model.inputs[1].name == "field2"
    assert model.inputs[-1].name == "field1" and model.inputs[-1].kind is InputKind.INTEGER


# -- the size limit ---------------------------------------------------------------------------


def _oversized(tmp_path: Path) -> Path:
    path = tmp_path / "acme__big.llms.md"
    head = b"## Basic tool info\n\nModel name: acme/Big\n\n## Model Inputs:\n\n"
    path.write_bytes(head + b"x" * (MAX_DOC_BYTES + 1 - len(head)))
    return path


def test_a_doc_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = _oversized(tmp_path)
    with pytest.raises(SpecError) as info:
        parse_file(path)
    assert info.value.path == str(path) and f"{MAX_DOC_BYTES:,} bytes" in info.value.message
    with pytest.raises(SpecError) as fetched:
        parse_data(path.read_bytes(), path, shown="https://wiro.ai/x/llms.txt")
    assert fetched.value.path == "https://wiro.ai/x/llms.txt"
    with pytest.raises(CatalogueError) as folder:  # through the cache and the workers
        load_catalogue(tmp_path)
    assert [e.path for e in folder.value.errors] == [f"{tmp_path.name}/{path.name}"]


def test_an_oversized_override_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "acme__big.llms.md"
    shutil.copy(SPECS / "reve__generate.llms.md", spec)
    override_path(spec).write_bytes(b"#" * (MAX_DOC_BYTES + 1))
    with pytest.raises(SpecError) as info:
        parse_file(spec)
    assert info.value.path.endswith("acme__big.override.toml")


def test_the_cli_reports_an_oversized_doc_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _oversized(tmp_path)
    assert main(["parse", str(path)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors[0].startswith(f"error: {path}: over {MAX_DOC_BYTES:,} bytes")
    assert "Traceback" not in "\n".join(errors)


# -- a byte order mark ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "reve__generate.llms.md",
        "reve__edit.page.txt",
        "xiabs__dreamomni2.llms.md",
        "google__nano-banana-pro.openapi.json",
    ],
)
def test_a_byte_order_mark_is_dropped(tmp_path: Path, name: str) -> None:
    """Windows editors start UTF-8 files with one; the doc reads as without it."""
    models = []
    for folder, prefix in (("plain", b""), ("bom", codecs.BOM_UTF8)):
        spec = tmp_path / folder / name
        spec.parent.mkdir()
        spec.write_bytes(prefix + (SPECS / name).read_bytes())
        override = override_path(SPECS / name)
        if override.exists():
            shutil.copy(override, override_path(spec))
        models.append(parse_file(spec).model_dump(exclude={"source"}))
    assert models[0] == models[1]


def test_a_byte_order_mark_alone_is_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes(codecs.BOM_UTF8 + b"\n")
    with pytest.raises(SpecError) as info:
        parse_file(path)
    assert "empty" in info.value.message


# -- symlinks ---------------------------------------------------------------------------------


def test_dangling_and_looping_symlinks_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(SPECS / "reve__generate.llms.md", specs)
    (specs / "acme__gone.llms.md").symlink_to("missing.llms.md")
    (specs / "acme__loop.llms.md").symlink_to("acme__loop.llms.md")
    (specs / "acme__good.llms.md").symlink_to("reve__generate.llms.md")
    with caplog.at_level(logging.WARNING, logger="codegen.parser"):
        found = discover([specs])
    assert [p.name for p in found] == ["acme__good.llms.md", "reve__generate.llms.md"]
    messages = sorted(r.getMessage() for r in caplog.records if r.name == "codegen.parser")
    assert messages == [
        f"{specs / 'acme__gone.llms.md'}: skipped: a symlink to 'missing.llms.md', "
        "which does not exist",
        f"{specs / 'acme__loop.llms.md'}: skipped: a symlink loop (to 'acme__loop.llms.md')",
    ]


def test_a_catalogue_beside_a_dangling_symlink_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(SPECS / "reve__edit.page.txt", specs)
    (specs / "acme__gone.page.txt").symlink_to(tmp_path / "nowhere.txt")
    with caplog.at_level(logging.WARNING, logger="codegen.parser"):
        catalogue = load_catalogue(specs)
    assert [m.slug for m in catalogue.models] == ["reve/edit"]
    assert any("acme__gone.page.txt: skipped" in r.getMessage() for r in caplog.records)


# -- the scans agree with the patterns they replace ---------------------------------------------

_OLD_JSON_BODY = re.compile(r"-d\s+'(.*?)'\s*;?\s*$", re.S)
_OLD_RUN_URL = re.compile(r'curl -X POST "(https?://[^"]+/Run/[^"]+)"')
_OLD_ASPECT = re.compile(r"aspect ratio[^.]*?\(\s*([\d./]+)\s*,\s*([\d./]+)\s*\)", re.I)
_OLD_MIN_SIDE = re.compile(r"(?:width|height)[^.]*?>\s*(\d+)", re.I)
_OLD_OPTION_START = re.compile(r"\s+- value: ")
_OLD_LIST_DASH = re.compile(r"\s+-\s+")


def _text(*pieces: str) -> st.SearchStrategy[str]:
    """Short texts made of the pieces a pattern cares about (where the old one's cases are)."""
    return st.lists(st.sampled_from(pieces), max_size=12).map("".join)


def _groups(match: re.Match[str] | None) -> tuple[object, ...] | None:
    return None if match is None else (match.start(), *match.groups())


@settings(max_examples=400, deadline=None)
@given(_text("-d", " ", "'", ";", "\n", "x", "{}", "-d '", "' ;", "\t"))
def test_json_body_scan(text: str) -> None:
    assert _groups(page._json_body(text)) == _groups(_OLD_JSON_BODY.search(text))


@settings(max_examples=400, deadline=None)
@given(_text('curl -X POST "', '"', "http://", "https://", "/Run/", "a", "/", " ", "\n"))
def test_run_url_scan(text: str) -> None:
    old = _OLD_RUN_URL.search(text)
    assert page._run_url(text) == (old.group(1) if old else None)


@settings(max_examples=400, deadline=None)
@given(
    _text("aspect ratio", "Aspect Ratio ", "(", ")", ",", " ", ".", "1", "/", "3", "x"),
    _text("width", "HEIGHT", ">", " ", ".", "1", "x", ">>"),
)
def test_sentence_scans(aspect: str, side: str) -> None:
    """The same numbers (the scan's match is the target's, so it starts elsewhere)."""
    for scan, old, text in (
        (constraints._ASPECT, _OLD_ASPECT, aspect),
        (constraints._MIN_SIDE, _OLD_MIN_SIDE, side),
    ):
        found, expected = scan.search(text), old.search(text)
        assert (found and found.groups()) == (expected and expected.groups())


@settings(max_examples=400, deadline=None)
@given(_text(" ", "\t", "\n", "-", "- value: ", "value: ", "x", "- "))
def test_whitespace_run_splits(text: str) -> None:
    assert restore._OPTION_START.split(text) == _OLD_OPTION_START.split(text)
    assert restore._LIST_DASH.split(text) == _OLD_LIST_DASH.split(text)
