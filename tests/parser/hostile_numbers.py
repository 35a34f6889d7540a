"""Hostile numbers and nesting (issue 16, items 3 and 4): docs that once crashed the parser.

Each case is one doc (and maybe its override) with a number no schema can hold, in one of
the places the parser reads numbers: help-text aspect ratios, sizes, sides and ranges,
`min:`/`max:` lines, a page's `up to N entries` comment and `-d` JSON body, override bounds.
Each must end in one SpecError naming the file and line (`wirogen parse`: exit 2, no
traceback). The tests in `test_hostile_numbers.py` and `tests/mock` share them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from codegen.schema import Input, InputKind, Model, Source

BIG = "9" * 400
HUGE = "9" * 5000


@dataclass(frozen=True)
class Case:
    """A hostile doc: its file, text, override text, and the error expected from it."""

    name: str
    text: str
    override: str | None
    at: str  # `file:line` the SpecError names (file relative to the doc's folder)
    message: str

    def write(self, folder: Path) -> Path:
        """Write the doc (and its override) into `folder`; the doc's path."""
        path = folder / self.name
        path.write_text(self.text, encoding="utf-8")
        if self.override is not None:
            stem = self.name.split(".", 1)[0]
            (folder / f"{stem}.override.toml").write_text(self.override, encoding="utf-8")
        return path


def _llms(slug: str, inputs: str) -> str:
    return (
        f"## Basic tool info\n\nModel name: acme/{slug}\nModel description: A thing.\n"
        f"Run Task Endpoint (POST):\nhttps://api.wiro.ai/v1/Run/acme/{slug}\n\n"
        f"## Model Inputs:\n\n{inputs}\n## Integration Header Prepare\n"
    )


def _input(name: str, kind: str = "text", help: str = "", extra: str = "") -> str:
    """One input at line 10 of an `_llms` doc."""
    head = f"  - name: {name}\n    label: L\n    help: {help}\n"
    return f"{head}    type: {kind}\n    default: 1\n{extra}"


def _page(slug: str, body: str) -> str:
    """A web page's text whose Run sample is `body`, starting at line 7."""
    return (
        f"Home\nA thing.\n200runs\nAPI Sample: acme/{slug}\n"
        "Run Command - Make HTTP Post Request\n"
        f'curl -X POST "https://api.wiro.ai/v1/Run/acme/{slug}"  \\\n{body}\n'
        "Run Command - Response\n"
    )


def _image(slug: str, help: str) -> str:
    return _llms(slug, _input("inputImageUrl", help=help))


def _scale(slug: str, extra: str = "", help: str = "") -> str:
    return _llms(slug, _input("scale", "float", help=help, extra=extra))


def _override(body: str) -> str:
    return f'[[inputs]]\nname = "scale"\norigin = "test"\n{body}\n'


_CASES = (
    Case("a__zero.llms.md", _image("zero", "Aspect ratio: within the range (1/0, 3)."), None,
         "a__zero.llms.md:10", "input 'inputImageUrl': '1/0' divides by zero"),
    Case("a__dots.llms.md", _image("dots", "Aspect ratio: within the range (1..2, 3)."), None,
         "a__dots.llms.md:10", "'1..2' is not a ratio"),
    Case("a__reversed.llms.md", _image("reversed", "Aspect ratio: in the range (3, 1/3)."), None,
         "a__reversed.llms.md:10", "aspect ratio 3 is above"),
    Case("a__size.llms.md", _image("size", f"Size: no more than {BIG}MB."), None,
         "a__size.llms.md:10", "a number of 400 digits (at most 40 are read)"),
    Case("a__side.llms.md", _image("side", f"Width and height (px) > {HUGE}."), None,
         "a__side.llms.md:10", "a number of 5,000 digits"),
    Case("a__between.llms.md", _scale("between", help=f"Between 0 and {BIG}"), None,
         "a__between.llms.md:10", "input 'scale': a number of 400 digits"),
    Case("a__nan.llms.md", _scale("nan", "    min: nan\n"), None,
         "a__nan.llms.md:10", "min 'nan' is not a finite number"),
    Case("a__inf.llms.md", _scale("inf", "    max: inf\n"), None,
         "a__inf.llms.md:10", "max 'inf' is not a finite number"),
    Case("a__exp.llms.md", _scale("exp", "    max: 1e999\n"), None,
         "a__exp.llms.md:10", "max '1e999' is not a finite number"),
    Case("a__default.llms.md", _llms("default", _input("scale", "float").replace(
         "default: 1", "default: -inf")), None,
         "a__default.llms.md:10", "default '-inf' is not a finite number"),
    Case("a__minmax.llms.md", _scale("minmax", "    min: 10\n    max: 1\n"), None,
         "a__minmax.llms.md:10", "minimum 10 is above maximum 1"),
    Case("a__ovinf.llms.md", _scale("ovinf"), _override("minimum = inf"),
         "a__ovinf.override.toml:1", "inputs.0.minimum: inf is not a finite number"),
    Case("a__ovnan.llms.md", _scale("ovnan"), _override("step = nan"),
         "a__ovnan.override.toml:1", "inputs.0.step: nan is not a finite number"),
    Case("a__ovbig.llms.md", _scale("ovbig"), _override(f"default = {BIG}"),
         "a__ovbig.override.toml:1", "inputs.0.default: a number of more than 40 digits"),
    Case("a__ovhuge.llms.md", _scale("ovhuge"), _override(f"maximum = {HUGE}"),
         "a__ovhuge.override.toml:4", "not valid TOML: Exceeds the limit (4300 digits)"),
    Case("a__ovminmax.llms.md", _scale("ovminmax"), _override("minimum = 10\nmaximum = 1"),
         "a__ovminmax.override.toml:1", "inputs.0: minimum 10 is above maximum 1"),
    Case("a__ovmixed.llms.md", _scale("ovmixed", "    min: 5\n"), _override("maximum = 1"),
         "a__ovmixed.llms.md:10", "input 'scale': minimum 5 is above maximum 1"),
    Case("a__deep.page.txt", _page("deep", "-d '" + "[" * 100_000 + "'"), None,
         "a__deep.page.txt:7", "-d body: JSON nested more than 100 deep"),
    Case("a__deep2.page.txt", _page("deep2", "-d '" + "[" * 500 + "]" * 500 + "'"), None,
         "a__deep2.page.txt:7", "-d body: JSON nested more than 100 deep"),
    Case("a__jsonint.page.txt", _page("jsonint", '-d \'{"seed": ' + HUGE + "}'"), None,
         "a__jsonint.page.txt:7", "-d body: a number of 5,000 digits"),
    Case("a__jsonnan.page.txt", _page("jsonnan", '-d \'{"seed": NaN}\''), None,
         "a__jsonnan.page.txt:7", "-d body: NaN is not a JSON number"),
    Case("a__jsonexp.page.txt", _page("jsonexp", '-d \'{"seed": 1e999}\''), None,
         "a__jsonexp.page.txt:7", "'1e999' is not a finite number"),
    Case("a__limit.page.txt", _page("limit", f"  // - inputImage: up to {HUGE} entries (files)\n"
         '  -F "inputImage=@a.jpg" \\'), None,
         "a__limit.page.txt:7", "input 'inputImage': a number of 5,000 digits"),
)  # fmt: skip
CASES = {case.name: case for case in _CASES}


def odd_model() -> Model:
    """A model built in code may hold non-finite floats (the schema allows any float: see
    `codegen.catalogue_file`); every writer must still produce standard JSON."""
    odd = Input(name="odd", label="Odd", kind=InputKind.INTEGER, default=math.nan,
                minimum=-math.inf, maximum=math.inf, step=math.nan)  # fmt: skip
    fine = Input(name="fine", label="Fine", kind=InputKind.NUMBER, minimum=0.5, maximum=2.5)
    return Model(
        slug="a/b", owner="a", project="b", display_name="a/b", kind="model", description="",
        run_path="/Run/a/b", inputs=(odd, fine),
        source=Source(path="a.md", format="llms", sha256="0" * 64),
    )  # fmt: skip


def strict_json(text: str | bytes) -> object:
    """`json.loads` refusing NaN and Infinity, which are not JSON."""

    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in the output")

    return json.loads(text, parse_constant=refuse)
