"""Hypothesis strategies for numbers where docs state them: help texts, fields, overrides.

The mutation fuzzer (`test_fuzz.py`) rarely writes `1/0` into an aspect ratio or 5,000
digits into a size; these strategies do, in every phrasing the parser reads. Shared by
`test_fuzz_numbers.py` (CI, a few hundred cases) and `bench/fuzz_parser.py` (the long run).
A case passes when the parser raises SpecError, or returns a model every writer can hold:
finite floats, `minimum <= maximum`, standard JSON in the lock's and OpenAPI's form.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import strategies as st

from codegen import openapi
from codegen.errors import SpecError
from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.parser.override import apply_override, load_override
from codegen.schema import Catalogue, Model

_ODD = ("nan", "-inf", "Infinity", "1e999", "-1e-999", "1/0", "0/0", "1..2", "1/3", ".5", "5.",
        "1_000", "\u0663", "+1", "0x10", "1e", "--1", "", " ", "-0")  # fmt: skip
#: A number as a doc might write one: plain, odd, long, a fraction.
NUMBER = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats().map(repr),  # includes nan, inf, 1e+300
    st.sampled_from(_ODD),
    st.integers(1, 5000).map(lambda n: "9" * n),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 10**6), st.integers(0, 60).map("0".__mul__)),
    st.builds(lambda a, b: f"{a}/{b}", st.integers(0, 99), st.integers(0, 9)),
)
#: Every help-text phrasing the parser reads a number from (`codegen.parser.constraints`).
PHRASES = (
    "Between {a} and {b}.", "floating-point numbers between [{a}, {b}].", "Value range: {a} - {b}",
    "range of {a} to {b}", "from {a} to {b}", "Aspect ratio (width/height): within ({a}, {b}).",
    "Width and height (px) > {a}.", "Size: no more than {a}MB.", "up to {a} kb", "max {b}GB",
)  # fmt: skip
_KINDS = ("float", "number", "range", "text", "fileinput", "combinefileinput")


@st.composite
def help_text(draw: st.DrawFn) -> str:
    phrases = draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3))
    return " ".join(p.format(a=draw(NUMBER), b=draw(NUMBER)) for p in phrases)


@st.composite
def llms_doc(draw: st.DrawFn) -> str:
    """An llms.txt doc of one input with numbers in its help text and range fields."""
    name = draw(st.sampled_from(("scale", "inputImageUrl", "inputImage")))
    fields = "".join(
        f"    {key}: {draw(NUMBER)}\n"
        for key in ("min", "max", "step", "default")
        if draw(st.booleans())
    )
    kind = draw(st.sampled_from(_KINDS))
    item = f"  - name: {name}\n    label: L\n    help: {draw(help_text())}\n    type: {kind}\n"
    fields = fields or "    default: 1\n"
    return (
        "## Basic tool info\n\nModel name: acme/fuzz\nModel description: d\n"
        "Run Task Endpoint (POST):\nhttps://api.wiro.ai/v1/Run/acme/fuzz\n\n"
        f"## Model Inputs:\n\n{item}{fields}\n## Integration Header\n"
    )


@st.composite
def json_body(draw: st.DrawFn) -> str:
    """A `-d` body: numbers as JSON would spell them, or nesting deep or unterminated."""
    depth = draw(st.integers(0, 3000))
    closed = draw(st.booleans())
    value = draw(NUMBER)
    nested = "[" * depth + value + "]" * depth
    shapes = ('{"seed": ' + value + ', "prompt": "p"}', '{"a": ' + nested + "}",
              "[" * depth + ("]" * depth if closed else ""))  # fmt: skip
    shape: str = draw(st.sampled_from(shapes))
    return shape


@st.composite
def page_doc(draw: st.DrawFn) -> str:
    """A page's text whose Run sample states a count, or has a JSON body, with numbers."""
    if draw(st.booleans()):
        sample = f'  // - inputImage: up to {draw(NUMBER)} entries (files)\n  -F "inputImage=@a"'
    else:
        sample = f"-d '{draw(json_body())}'"
    run = 'curl -X POST "https://api.wiro.ai/v1/Run/acme/fuzz"  \\'
    return (
        "Home\nd\n200runs\nAPI Sample: acme/fuzz\nRun Command - Make HTTP Post Request\n"
        f"{run}\n{sample}\nRun Command - Response\n"
    )


#: A value as TOML writes one (TOML reads inf, nan, hex and 5,000-digit integers too).
TOML_NUMBER = st.one_of(
    NUMBER.filter(lambda t: "/" not in t and t.strip() != ""),
    st.sampled_from(("inf", "+inf", "-nan", "0x1F", "0o7", "0b1", "1e400", "-0.0", '"7"', "true")),
)


@st.composite
def override(draw: st.DrawFn) -> str:
    """An override of the doc's one input setting numeric keys to TOML numbers."""
    keys = draw(st.lists(st.sampled_from(("minimum", "maximum", "step", "default", "max_items")),
                         min_size=1, max_size=4, unique=True))  # fmt: skip
    values = "".join(f"{key} = {draw(TOML_NUMBER)}\n" for key in keys)
    name = draw(st.sampled_from(("scale", "inputImageUrl", "new")))
    return f'[[inputs]]\nname = "{name}"\norigin = "fuzz"\ntype = "float"\n{values}'


def parse(doc: str, toml: str | None = None) -> Model | None:
    """The doc's model (its override applied), checked; None when it is a SpecError."""
    try:
        raw = parse_text("fuzz.md", doc)
        if toml is not None:
            entries = load_override(Path("fuzz.override.toml"), toml.encode())
            apply_override(raw, entries, "fuzz.override.toml")
        model = normalize(raw, sha256="0")
    except SpecError:
        return None
    check(model)
    return model


def check(model: Model) -> None:
    """What every writer relies on: finite floats, a range some value fits, standard JSON."""
    for item in model.inputs:
        limits = item.file_constraints
        floats = [item.minimum, item.maximum, item.step, *(item.advisory_range or ())]
        floats += [limits.min_aspect_ratio, limits.max_aspect_ratio] if limits else []
        floats.append(item.default if isinstance(item.default, float) else None)
        assert all(math.isfinite(v) for v in floats if v is not None), item
        assert item.minimum is None or item.maximum is None or item.minimum <= item.maximum
    json.dumps(model.model_dump(mode="json"), allow_nan=False)
    openapi.dumps(openapi.document(Catalogue(models=(model,))))
