"""`<package>/catalogue.json`: in the tree, shipped as package data, exact and diff-friendly."""

from __future__ import annotations

import json
import math
import tomllib

import pytest

from codegen.catalogue_file import FILE_NAME, FORMAT, CatalogueFileError, dumps, loads
from codegen.render.engine import render_tree
from codegen.schema import Input, InputKind
from tests.generator.conftest import load_spec_models
from tests.generator.hostile import hostile_models
from tests.paths import SPECS


def _strict_json(data: bytes) -> object:
    """Parse as standard JSON: NaN/Infinity tokens are refused."""

    def refuse(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    return json.loads(data.decode("utf-8"), parse_constant=refuse)


def test_tree_carries_the_catalogue_and_ships_it() -> None:
    models = load_spec_models()
    tree = render_tree(models, "wiro_client", SPECS)
    data = tree[f"wiro_client/{FILE_NAME}"]
    doc = _strict_json(data)
    assert isinstance(doc, dict) and list(doc) == ["format", "models"]
    assert doc["format"] == FORMAT
    assert [m["slug"] for m in doc["models"]] == sorted(m.slug for m in models)
    assert loads(data, FILE_NAME) == tuple(sorted(models, key=lambda m: m.slug))
    package_data = tomllib.loads(tree["pyproject.toml"].decode())["tool"]["setuptools"]
    assert set(package_data["package-data"]["wiro_client"]) >= {"py.typed", FILE_NAME}


def test_same_bytes_in_any_order_and_one_line_per_model() -> None:
    models = load_spec_models()
    data = dumps(models)
    assert data == dumps(list(reversed(models))) and data.endswith(b"]}\n")
    lines = data.decode().splitlines()
    assert len(lines) == len(models) + 2  # the format line, a line per model, the close
    changed = [m.model_copy(update={"description": "changed"}) if m.slug == "reve/edit" else m
               for m in models]  # fmt: skip
    new_lines = dumps(changed).decode().splitlines()
    differ = [i for i, (a, b) in enumerate(zip(lines, new_lines, strict=True)) if a != b]
    assert len(differ) == 1 and '"slug": "reve/edit"' in new_lines[differ[0]]


def test_non_finite_numbers_are_valid_json_and_read_back_exactly() -> None:
    base = hostile_models()[0]
    odd = Input(name="odd", label="Odd", kind=InputKind.NUMBER, default=math.nan,
                minimum=-math.inf, step=math.inf, advisory_range=(0.0, math.inf))  # fmt: skip
    # a user dict shaped like the tag stays a dict of strings
    model = base.model_copy(
        update={"inputs": (*base.inputs, odd), "examples": ({"$float": "NaN"},)}
    )
    models = [*hostile_models()[1:], model]
    data = dumps(models)
    _strict_json(data)
    back = {m.slug: m for m in loads(data, FILE_NAME)}[model.slug]
    got = back.input("odd")
    assert isinstance(got.default, float) and math.isnan(got.default)
    assert (got.minimum, got.step, got.advisory_range) == (-math.inf, math.inf, (0.0, math.inf))
    assert back.examples == ({"$float": "NaN"},)
    assert dumps(loads(data, FILE_NAME)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"models": []}', "not a wirogen catalogue"),
        (b'{"format": "wirogen-catalogue/999", "models": []}', "is not the one this wirogen"),
        (b'{"format": "' + FORMAT.encode() + b'", "models": {}}', "'models' is not a list"),
        (b'{"format": "' + FORMAT.encode() + b'", "models": [{"slug": 1}]}', "model 1: "),
        (b'{"format": "' + FORMAT.encode() + b'", "models": [NaN]}', "not valid JSON"),
    ],
)
def test_unreadable_files_name_the_file_on_one_line(data: bytes, message: str) -> None:
    with pytest.raises(CatalogueFileError) as caught:
        loads(data, "/x/pkg/catalogue.json")
    text = str(caught.value)
    assert text.startswith("/x/pkg/catalogue.json: ") and message in text and "\n" not in text
