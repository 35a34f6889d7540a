"""`codegen.render.format` keeps its contract: what it lays out, ruff leaves as it is.

Each shape the generator emits is rendered at the widths where a layout rule
changes (one line, items on one indented line, one item per line; a return
annotation that fits or not; an import that fits or not), then handed to the
pinned ruff: `ruff format` must return the text unchanged and `ruff check
--select I` must find the imports sorted. The whole generated trees are also
checked by `test_generated_code.test_ruff_clean`; this test covers the widths
the real catalogue happens not to reach.
"""

from __future__ import annotations

import difflib
import subprocess

from codegen.render.format import (
    INDENT,
    Group,
    def_header,
    fence,
    import_from,
    isort_names,
    natural_key,
    render,
    return_call,
)
from codegen.render.quote import LINE_LENGTH, py
from tests.generator.conftest import VENV_BIN

#: Widths around the line length: every rule boundary falls inside this range.
_WIDTHS = range(LINE_LENGTH - 12, LINE_LENGTH + 12)


def _ruff(*args: str, source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ruff"), *args, "--isolated", "--stdin-filename", "shapes.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _nested(code: str, indent: int) -> str:
    """`code` (laid out at `indent` levels) inside blocks that make that indent valid."""
    opening = "".join(f"{INDENT * level}if True:\n" for level in range(indent))
    return opening + code


def _name(width: int) -> str:
    return "n" + "x" * max(0, width - 1)


def _calls() -> list[str]:
    """Calls whose one-line form, or whose items' line, is just under, at or over the limit."""
    out = []
    for indent in (0, 1, 2):
        for width in _WIDTHS:
            head = "value = call("
            pad = len(INDENT * indent)
            one_line = width - pad - len(head) - len(")") - len(", b")
            items = (_name(one_line), "b")
            out.append(_nested(render(Group(head, items, ")"), indent), indent))
            inner = width - pad - len(INDENT) - len(", short")
            items = (_name(inner), "short")
            out.append(_nested(render(Group(head, items, ")"), indent), indent))
            out.append(_nested(render(Group(head, items, ")", magic=True), indent), indent))
    return out


def _literals() -> list[str]:
    """A one-item subscript (hugged), a nested magic group, a dict of long tuples."""
    out = []
    for width in _WIDTHS:
        option = py("o" * (width - len('Alias = typing.Literal[""]')))
        out.append(render(Group("Alias = typing.Literal[", (option,), "]")))
        entry = Group("FileField(", (f"name={py('n' * (width // 3))}", "multiple=True"), ")")
        out.append(
            render(Group("SPEC = ModelSpec(", (Group("file_fields=(", (entry,), ")"),), ")"))
        )
        values = (py("m" * (width // 2)), py("c" * (width // 3)))
        row = Group(f"{py('slug')}: (", values, ")", magic=len(", ".join(values)) > width // 2)
        out.append(render(Group("MODELS = {", (row,), "}", magic=True)))
    return out


def _defs() -> list[str]:
    """Methods whose return annotation fits, just fits or does not, with a body or ` ...`."""
    out = []
    for width in _WIDTHS:
        returns = "_m." + "R" * (width - len("    def name(self) -> _m.:"))
        body = def_header("name", ("self",), returns, 1) + "\n" + return_call(returns, ("x",), 2)
        stub = def_header("__getitem__", ("self", "slug: str"), returns, 1, " ...")
        out.append(f"class C{width}:\n{body}\n\n{stub}")
    return out


def _imports() -> str:
    """`from` imports that fit or not, at three indents, in the order isort wants."""
    modules = sorted(["pkg.m10", "pkg.m2", "pkg.M3", "pkg.a_b", "pkg.ab"], key=natural_key)
    names = isort_names(["name10", "name2", "Klass", "CONST", "other", "Name"])
    top = [import_from(module, names) for module in modules]
    long = [f"VeryLongClassName{i}" for i in range(5)]
    top.append(import_from("pkg.z", long))
    alias = "a_module_name_long_enough_to_wrap as _a_module_name_long_enough_to_wrap"
    nested = [_nested(import_from("pkg.z", [alias], indent), indent) for indent in (1, 2)]
    nested += [_nested(import_from("pkg.z", long[:4], indent), indent) for indent in (1, 2)]
    return "\n".join(top) + "\n\n" + "\n\n\n".join(nested)


def _module() -> str:
    shapes = [_imports(), *_calls(), *_literals(), *_defs()]
    return "\n\n\n".join(shapes) + "\n"


def test_ruff_format_leaves_every_shape_as_laid_out() -> None:
    source = _module()
    result = _ruff("format", "--line-length", str(LINE_LENGTH), source=source)
    assert result.returncode == 0, result.stderr
    diff = difflib.unified_diff(source.splitlines(), result.stdout.splitlines(), lineterm="")
    assert result.stdout == source, "\n".join(diff)


def test_ruff_isort_accepts_the_import_order() -> None:
    result = _ruff("check", "--select", "I", "--line-length", str(LINE_LENGTH), source=_module())
    assert result.returncode == 0, result.stdout + result.stderr


def test_layout_rules() -> None:
    assert render(Group("f(", ("a", "b"), ")")) == "f(a, b)"
    long = "x" * 99
    assert render(Group("f(", (f'"{long}"',), ")")) == f'f(\n    "{long}"\n)'
    assert render(Group("f(", ("a", "b"), ")", magic=True)) == "f(\n    a,\n    b,\n)"


def test_fence_outgrows_backtick_runs() -> None:
    assert fence("plain") == "```"
    assert fence("a ```` b") == "`````"
