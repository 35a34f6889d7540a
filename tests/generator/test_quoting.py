"""Names and literals: the only doors from spec text into generated code."""

from __future__ import annotations

import ast
import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.errors import GenerateError
from codegen.render.names import Namer, pascal, snake
from codegen.render.quote import doc_lines, doc_text, docstring, py


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("inputImageUrl", "input_image_url"),
        ("AvatarMotion", "avatar_motion"),
        ("image-to-image-seededit-v3", "image_to_image_seededit_v3"),
        ("HTTPServer", "http_server"),
        ("class", "class_"),
        ("type", "type_"),
        ("id", "id_"),
        ("input", "input_"),
        ("match", "match_"),
        ("self", "self_"),
        ("__init__", "init"),
        ("1st", "field_1st"),
        ("café", "cafe"),
        ("名前", "field"),
        ("foo bar", "foo_bar"),
        ("import os; os.system('x')", "import_os_os_system_x"),
    ],
)
def test_snake(raw: str, expected: str) -> None:
    assert snake(raw, "field") == expected


def test_pascal() -> None:
    assert pascal("image-to-image-v3", "Model") == "ImageToImageV3"
    assert pascal("DreamOmni2", "Model") == "DreamOmni2"
    assert pascal("3d model", "Model") == "Model3dModel"
    assert pascal("🎨", "Model") == "Model"


def test_namer_suffixes_collisions_in_order() -> None:
    namer = Namer({"callback_url"})
    names = [namer.claim(snake(n, "f")) for n in ("fooBar", "foo_bar", "FooBar", "callbackUrl")]
    assert names == ["foo_bar", "foo_bar_2", "foo_bar_3", "callback_url_2"]
    assert Namer().claim("type_") == "type_"


@given(st.text())
def test_names_are_identifiers(text: str) -> None:
    for name in (snake(text, "field"), pascal(text, "Model")):
        assert name.isidentifier() and name.isascii()
        assert not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
        assert not name.startswith("_")


@given(st.text())
def test_py_string_round_trips(text: str) -> None:
    assert ast.literal_eval(py(text)) == text


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists))
def test_py_values_round_trip(value: object) -> None:
    assert ast.literal_eval(py(value)) == value


def test_py_prefers_ruff_quotes() -> None:
    assert py("it's") == '"it\'s"'
    assert py('say "x"') == "'say \"x\"'"
    assert py("plain") == '"plain"'


@pytest.mark.parametrize("value", [{"a": 1}, object(), float("nan"), b"bytes", {1}])
def test_py_rejects_other_values(value: object) -> None:
    with pytest.raises(GenerateError):
        py(value)


@given(st.text())
def test_docstrings_are_inert(text: str) -> None:
    lines = doc_lines([doc_text(text), doc_text(text)], 1)
    source = f'def f():\n    """{docstring(lines, 1)}"""\n'
    tree = ast.parse(source)
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef) and len(func.body) == 1
