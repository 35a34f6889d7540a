"""Read an llms.txt doc (either generation, flattened or not) into a RawDoc.

markdown-it-py gives the document structure (headings, lists, fences, with
line maps); within a list item the doc is a plain `key: value` block, read
line by line. Only the block rules the format uses are enabled and the inline
pass is skipped: the values are data, never markdown to render.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from codegen.errors import SpecError
from codegen.parser.raw import RawDoc, RawInput, RawOption
from codegen.parser.restore import INFO_KEYS, is_flattened, restore
from codegen.wire import unquote

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_KEY_LINE = re.compile(r"^([A-Za-z][\w ()]*?):(?!//)\s?(.*)$")
_LIST_KEYS = ("categories", "tags")
_LATER_SECTIONS = ("Integration Header", "Run Command", "Task Status")
#: A column-0 ATX heading opening a later section: a cut point, see `_cut_later`.
#: (Starting with a literal newline lets the regex engine skip ahead quickly.)
_LATER_HEADING = re.compile(r"\n#{1,6}[ \t]+(?:Integration Header|Run Command|Task Status)")
#: Heading-like lines at any indentation (a nested heading is still a heading).
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]+(.*)$", re.MULTILINE)
#: Titles of the sections `parse_llms` reads; if one may follow the cut, no cut.
_READ_TITLES = ("Basic tool info", "Inputs", "Parameter Inspires")


@dataclass
class _Section:
    title: str
    line: int
    tokens: list[Token] = field(default_factory=list)


def parse_llms(path: str, text: str) -> RawDoc:
    doc = RawDoc(path=path, format="llms")
    if is_flattened(text):
        text = restore(text)
        doc.warn("restored_newlines", "the doc had lost its newlines; structure restored")
    text, later = _cut_later(text)
    sections = _sections(markdown().parse(text))
    info = _find(sections, "Basic tool info")
    if info is None:
        raise SpecError(path, "expected a '## Basic tool info' section")
    _read_info(doc, info)
    inputs = _find(sections, "Inputs:")
    if inputs is None:
        raise SpecError(path, "expected a '## Model Inputs:' (or '## Tool Inputs:') section")
    doc.inputs = _read_inputs(path, inputs)
    examples = _find(sections, "Parameter Inspires:")
    if examples is not None:
        doc.examples = _read_examples(examples)
    _check_truncation(doc, sections, later)
    return doc


@cache
def markdown() -> MarkdownIt:
    """The parser, built on first use: a run served from the cache never imports it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("zero").enable(["heading", "list", "fence"]).disable(["inline", "text_join"])


def _cut_later(text: str) -> tuple[str, bool]:
    """The doc up to its first later section (run command, ...), and whether it had one.

    Those sections are mostly big fenced samples the parser never reads, yet
    markdown-it's cost grows with every character; a real doc is ~80% of them.
    The cut is only made where it cannot change the tokens kept: at a column-0
    ATX heading (which ends any open list or paragraph), with no fence opened
    before it (a fence could swallow the heading) and no heading after it that
    could be a section the parser reads.
    """
    match = _LATER_HEADING.search(text)
    if match is None:
        return text, False
    head, tail = text[: match.start() + 1], text[match.start() + 1 :]
    if "```" in head or "~~~" in head:
        return text, False
    if any(name in tail for name in _READ_TITLES) and any(
        name in title.group(1) for title in _HEADING_LINE.finditer(tail) for name in _READ_TITLES
    ):
        return text, False
    return head, True


def _sections(tokens: list[Token]) -> list[_Section]:
    sections: list[_Section] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            title = tokens[index + 1].content.strip()
            sections.append(_Section(title, _line(token)))
        elif (
            sections and token.type != "heading_close" and tokens[index - 1].type != "heading_open"
        ):
            sections[-1].tokens.append(token)
    return sections


def _find(sections: list[_Section], suffix: str) -> _Section | None:
    for section in sections:
        if section.title.endswith(suffix) or section.title == suffix.rstrip(":"):
            return section
    return None


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _key_values(content: str, first_line: int) -> Iterator[tuple[str, str, int]]:
    """Yield (key, value, line) for each `key: value` line; other lines extend the last."""
    for offset, raw in enumerate(content.splitlines()):
        match = _KEY_LINE.match(raw.strip())
        if match:
            yield match.group(1).strip(), match.group(2).strip(), first_line + offset
        elif raw.strip():
            yield "", raw.strip(), first_line + offset


def _read_info(doc: RawDoc, section: _Section) -> None:
    pending: str | None = None  # a key waiting for its value (the endpoints) or list
    for token in section.tokens:
        if token.type == "inline" and token.level == 1:
            pending = _info_lines(doc, token.content, pending)
        elif token.type == "inline" and pending in _LIST_KEYS and token.level >= 3:
            pending = _list_item(doc, token.content, pending)
        elif token.type == "bullet_list_close" and token.level == 0:
            pending = None


def _info_lines(doc: RawDoc, content: str, pending: str | None) -> str | None:
    for key, value, _ in _key_values(content, 0):
        pending = _info_entry(doc, key, value, pending)
    return pending


def _list_item(doc: RawDoc, content: str, pending: str) -> str | None:
    """Add one categories/tags item; an info key on one of its later lines ends the list.

    Markdown reads a line right after the last item (no blank line between) as
    that item's continuation, so `Run Task Endpoint (POST): URL` arrives as the
    item's second line (a softbreak in the item's inline token): it is read as
    the info entry it is, and so are the lines after it.
    """
    lines = content.splitlines()
    end = next((i for i in range(1, len(lines)) if _is_info_key(lines[i])), len(lines))
    target = doc.categories if pending == "categories" else doc.tags
    target.append(unquote("\n".join(lines[:end]).strip()))
    if end == len(lines):
        return pending
    return _info_lines(doc, "\n".join(lines[end:]), None)


def _is_info_key(line: str) -> bool:
    match = _KEY_LINE.match(line.strip())
    return match is not None and match.group(1).strip() in INFO_KEYS


def _info_entry(doc: RawDoc, key: str, value: str, pending: str | None) -> str | None:
    if not key:  # a value on the line after its key (the endpoints)
        if pending and pending not in _LIST_KEYS:
            doc.info[pending] = unquote(value)
        return None
    words = key.split(" ", 1)
    if words[0] in ("Model", "Tool") and len(words) == 2:
        if words[1] == "name":
            doc.kind = words[0].lower()
        field_name = words[1]
    else:
        field_name = key
    if field_name in _LIST_KEYS:
        return field_name
    if value:
        doc.info[field_name] = unquote(value)
        return None
    return field_name


def _read_inputs(path: str, section: _Section) -> list[RawInput]:
    inputs: list[RawInput] = []
    for token in section.tokens:
        if token.type != "inline":
            continue
        if token.level == 3:  # a top-level list item: one input
            inputs.append(_read_input(path, token))
        elif token.level == 5 and inputs:  # an item of its nested options list
            last = inputs[-1]
            if last.options is None:
                last.options = []
            last.options.append(_read_option(path, token))  # not copied per option
        elif token.level == 1 and token.content.strip():
            raise SpecError(path, "expected a '- name: ...' list item", _line(token))
    return inputs


def _read_input(path: str, token: Token) -> RawInput:
    """One input's `key: value` lines; a line without a key continues the last field.

    Each field's lines are joined once at the end: appending to a string per
    line copied it each time (quadratic in a long help text).
    """
    raw: RawInput | None = None
    parts: dict[str, list[str]] = {}
    for key, value, line in _key_values(token.content, _line(token)):
        if raw is None:
            if key != "name" or not value:
                raise SpecError(path, "expected '- name: NAME' to start an input", line)
            raw = RawInput(name=unquote(value), line=line)
        elif key == "options":
            raw.options = []
        elif key:
            parts[key] = [value]  # a repeated key replaces, keeping its place
        else:  # a continuation line belongs to the previous field
            last = next(reversed(parts), None)
            if last is None:
                raise SpecError(path, f"expected 'key: value' in input {raw.name!r}", line)
            parts[last].append(value)
    assert raw is not None  # list items always have content
    raw.complete = "type" in parts and "default" in parts
    # Unquoted once whole: a quoted value may go on over continuation lines.
    raw.fields = {key: unquote(" ".join(lines)) for key, lines in parts.items()}
    return raw


def _read_option(path: str, token: Token) -> RawOption:
    values: dict[str, str] = {}
    for key, value, line in _key_values(token.content, _line(token)):
        if not key:
            raise SpecError(path, "expected 'key: value' in an option", line)
        values[key] = unquote(value)
    if "value" not in values:
        raise SpecError(path, "expected '- value: \"...\"' to start an option", _line(token))
    value = values.pop("value")
    label = values.pop("label", value)
    return RawOption(value=value, label=label, extra=values)


def _read_examples(section: _Section) -> list[dict[str, str]]:
    examples: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for token in section.tokens:
        if token.type != "inline":
            continue
        for key, value, _ in _key_values(token.content, _line(token)):
            if not key:
                continue
            if key in current:  # a repeated key starts the next example
                examples.append(current)
                current = {}
            current[key] = unquote(value)
    if current:
        examples.append(current)
    return examples


def _check_truncation(doc: RawDoc, sections: list[_Section], cut_later: bool) -> None:
    last = doc.inputs[-1] if doc.inputs else None
    if last is not None and not last.complete:
        doc.warn(
            "truncated",
            "the doc is cut off inside this input; everything before the cut is kept",
            input=last.name,
            line=last.line,
        )
    elif not cut_later and not any(s.title.startswith(_LATER_SECTIONS) for s in sections):
        doc.warn("truncated", "the doc ends before its 'Run Command' section; it may be cut off")
