"""The only ways a spec value may enter generated code.

* :func:`py` turns a plain value (str/int/float/bool/None and lists/tuples of
  those) into a Python literal. Strings use the quote style ``ruff format``
  picks, so the output is already formatted.
* :func:`doc_lines` turns free text into docstring lines that cannot close the
  docstring, start an escape sequence or exceed the line length.
* :func:`comment` turns text into something safe after ``#``.

Anything else (dicts, objects, ...) is rejected with :class:`GenerateError`: a
template must never stringify an arbitrary object into code.
"""

from __future__ import annotations

import math
import textwrap

from codegen.errors import GenerateError

LINE_LENGTH = 100


def py_str(text: str) -> str:
    """A string literal equal to ``text``, quoted the way ruff format would quote it.

    Ruff prefers double quotes unless that needs more escapes than single ones.
    The escaping is ``repr()``'s (C speed; the same escapes and the same
    printable test a per-character loop would use); only its choice of quote
    is fixed up: ``repr`` prefers single quotes.
    """
    if text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'  # the common case, and the hot path for 1,000-model catalogues
    literal = repr(text)
    if literal[0] == '"' or text.count('"') > text.count("'"):
        # repr picked our quote: double when there is a ' but no ", single when
        # there are more " than ' (so there is a ", and repr never picks double).
        return literal
    # repr picked single quotes where ruff wants double: in repr's body every '
    # is escaped as \' (a literal backslash is \\), and no " is escaped.
    body = literal[1:-1].replace("\\'", "'").replace('"', '\\"')
    return f'"{body}"'


def py(value: object) -> str:
    """A Python literal for a plain value; the Jinja ``py`` filter."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise GenerateError(f"cannot emit non-finite number {value!r}")
        return repr(value)
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, list | tuple):
        items = ", ".join(py(v) for v in value)
        return (
            f"[{items}]"
            if isinstance(value, list)
            else f"({items}{',' if len(value) == 1 else ''})"
        )
    raise GenerateError(f"refusing to emit a {type(value).__name__} into generated code")


def clean_text(text: str) -> str:
    """Printable text on one line: control characters and runs of whitespace become one space."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def doc_text(text: str) -> str:
    """Text safe inside a triple-double-quoted docstring.

    Backslashes are doubled so they are literal; double quotes become single
    quotes so no run of quotes can close the docstring or collide with its end.
    """
    return clean_text(text).replace("\\", "\\\\").replace('"', "'")


def doc_lines(paragraphs: list[str], indent: int) -> list[str]:
    """Wrap paragraphs (each already passed through :func:`doc_text`) for a docstring.

    ``indent`` is the nesting level; the width leaves room for both triple quotes.
    """
    width = max(LINE_LENGTH - 4 * indent - 6, 20)
    lines: list[str] = []
    for para in paragraphs:
        if not para:
            continue
        if lines:
            lines.append("")
        if len(para) <= width:
            lines.append(para)
            continue
        wrapped = textwrap.wrap(para, width=width, break_on_hyphens=False)
        # A wrapped piece could end in a backslash pair split across lines; re-join
        # pieces so no line ends with an odd number of backslashes.
        lines.extend(_fix_backslashes(wrapped))
    return lines


def _fix_backslashes(lines: list[str]) -> list[str]:
    fixed: list[str] = []
    carry = ""
    for line in lines:
        line = carry + line
        carry = ""
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            line, carry = line[:-1], "\\"
        fixed.append(line.rstrip())
    if carry:
        fixed[-1] += carry
    return fixed


def comment(text: str) -> str:
    """Text safe after ``#``: one printable line."""
    return clean_text(text)


def truncate(text: str, limit: int) -> str:
    """Shorten long free text (examples) so docstrings stay readable."""
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def docstring(lines: list[str], indent: int) -> str:
    """The inside of a docstring from :func:`doc_lines` output (Jinja ``docstring`` filter).

    One line stays inline; several lines close the docstring on its own line, as
    ruff formats it. Blank lines carry no indentation (no trailing whitespace).
    """
    if not lines:
        return "."
    if len(lines) == 1:
        return lines[0]
    pad = "    " * indent
    body = "\n".join((pad + line) if line else "" for line in lines[1:])
    return f"{lines[0]}\n{body}\n{pad}"


_MD_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]<>()#+!|~"})


def md(text: object) -> str:
    """Spec text as inert Markdown: one line, every markup character escaped."""
    return clean_text(str(text)).translate(_MD_ESCAPES)


def md_code(text: object) -> str:
    """Text inside a single-backtick code span in a table: no backticks, no pipes."""
    return clean_text(str(text)).replace("`", "'").replace("|", "\\|")
