"""Give a flattened llms.txt its lines back, so markdown-it can read it.

Copies of Wiro's llms.txt often lose every newline (the seeds are one line
each). The structure is still recoverable because the doc is machine-written:
headings are a known set, basic info keys are fixed, and each input lists its
keys in one fixed order (name, label, help, type, default, options; one-word
keys such as `min: 0` on either side of default), each option too (value,
label, then optional extras). Scanning for the *next expected* key
instead of any key keeps free text (a help string saying "Value range: ...")
from being split. The output has the same shape as the line-structured docs,
so one markdown parser serves both.

Restoring must know where a quoted value ends: it cuts by the quoted-scalar
grammar of :mod:`codegen.wire` (`QUOTED`), the one every reader unquotes by,
so a flattened doc and its line-structured original agree.
"""

from __future__ import annotations

import re

from codegen.wire import QUOTED

_FENCE = "```"
_INFO_FIELDS = ("name", "description", "cover", "categories", "tags")
_ENDPOINT_KEYS = ("Run Task Endpoint (POST)", "Get Task Detail Endpoint (POST)")
_HEADING = re.compile(r"(?:(?<=\s)|^)(#{2,6}) ")
# Titles the doc generator writes; anything else ends at ')' or ':' or a fence.
_KNOWN_TITLES = re.compile(
    r"(Basic tool info|(?:Model|Tool) Inputs:|(?:Model|Tool) Parameter Inspires:"
    r"|Task Status Information|Integration Header Prepare)"
)
#: The Basic tool info keys the doc generator writes (before their ':').
INFO_KEYS = frozenset(
    {*(f"{who} {what}" for who in ("Model", "Tool") for what in _INFO_FIELDS), *_ENDPOINT_KEYS}
)
#: The same keys, factored ("(?:Model|Tool) (?:name|...)"): tried after every space.
#: Each of these splitting patterns starts at the first space of a run (`(?<!\s)`) and
#: takes the run whole (`\s++`): otherwise a run of N spaces that fails is tried from each
#: of its spaces, N times N steps.
_INFO_KEY = re.compile(
    r"(?<!\s)\s++(?=(?:(?:Model|Tool) (?:" + "|".join(_INFO_FIELDS) + r")"
    r"|" + "|".join(map(re.escape, _ENDPOINT_KEYS)) + r"):)"
)
_LIST_DASH = re.compile(r"(?<!\s)\s++-\s+")
_ITEM_START = re.compile(r"(?:^|\s)- name: ")
#: Per-input keys with a one-word value ("min: 0"), before or after `default`.
_SHORT_KEYS = ("min", "max", "step", "required")
_SHORT_FIELD = re.compile(r"(" + "|".join(_SHORT_KEYS) + r"): (\S+)")
_SHORT_RUN_BEFORE = re.compile(r"(?:" + _SHORT_FIELD.pattern + r"\s+)*")
#: The run of them that ends a default. Bounded, so each place a search tries
#: costs a bounded amount and the search stays linear in the default's length.
_SHORT_RUN_AFTER = re.compile(
    r"\s" + _SHORT_FIELD.pattern + r"(?:\s+" + _SHORT_FIELD.pattern + r"){0,7}\s*$"
)
#: Where help ends: `type: T` then `default:` (or the end); failing that, then a short key.
_TYPE_THEN_DEFAULT = re.compile(r"\btype: (\S+)(?=\s+default:|\s*$)")
_TYPE_THEN_SHORT = re.compile(r"\btype: (\S+)(?=\s+(?:" + "|".join(_SHORT_KEYS) + r"):)")
#: (Or right after the previous one, whose last space may begin the run.)
_OPTION_START = re.compile(r"(?:(?<!\s)|(?<=- value: ))\s++- value: ")
_LEADING_QUOTED = re.compile(r"\s*(?:" + QUOTED.pattern + ")")
_OPTION_EXTRAS = ("description", "triggerwords", "generatesettings")
_EXAMPLE_KEY = re.compile(r"(?:^|\s)- ([A-Za-z_]\w*): ")


#: `_HEADING` after a whitespace character on the same line (one that is not a
#: line boundary for `str.splitlines`), in one pass over the whole text. The
#: pattern starts with the literal "##" so the regex engine can skip to it.
_MID_LINE_HEADING = re.compile(r"##(?<=[^\S\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]##)#{0,4} ")


def is_flattened(text: str) -> bool:
    """A doc whose headings are not at line starts has lost its newlines."""
    return _MID_LINE_HEADING.search(text) is not None


def restore(text: str) -> str:
    """Return the doc with one line per heading, info key, list item and input key."""
    out: list[str] = []
    for line in text.splitlines():
        if "## " in line and _HEADING.search(line, 1):
            out.extend(_restore_line(line))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _restore_line(line: str) -> list[str]:
    out: list[str] = []
    parts = line.split(_FENCE)
    for index, part in enumerate(parts):
        if index % 2:  # inside a fence: "bash <code>" -> info string, then code
            info, _, code = part.strip().partition(" ")
            out += ["", _FENCE + info, code, _FENCE, ""]
        else:
            out += _restore_prose(part)
    return out


def _restore_prose(text: str) -> list[str]:
    out: list[str] = []
    pieces = _HEADING.split(text)
    if pieces[0].strip():
        out.append(pieces[0].strip())
    for marks, body in zip(pieces[1::2], pieces[2::2], strict=True):
        title, rest = _split_title(body)
        out += ["", f"{marks} {title}", ""]
        out += _restore_section(title, rest.strip())
    return out


def _split_title(body: str) -> tuple[str, str]:
    known = _KNOWN_TITLES.match(body)
    if known:
        return known.group(1), body[known.end() :]
    for mark in (")", ":"):
        cut = body.find(mark)
        if cut != -1:
            return body[: cut + 1].strip(), body[cut + 1 :]
    return body.strip(), ""


def _restore_section(title: str, body: str) -> list[str]:
    if not body:
        return []
    if title == "Basic tool info":
        return _restore_info(body)
    if title.endswith("Inputs:"):
        return _restore_inputs(body)
    if title.endswith("Parameter Inspires:"):
        return _restore_examples(body)
    return [body]


def _restore_info(body: str) -> list[str]:
    out: list[str] = []
    for entry in _INFO_KEY.split(body):
        key, _, value = entry.partition(":")
        if key.endswith(("categories", "tags")):
            items = [i for i in _LIST_DASH.split(" " + value) if i.strip()]
            out += [f"{key}:", *(f"  - {i.strip()}" for i in items), ""]
        else:
            out.append(f"{key}: {value.strip()}")
    return out


def _segments(pattern: re.Pattern[str], text: str) -> list[tuple[re.Match[str], str]]:
    """Each match of `pattern` with the text that follows it up to the next match."""
    marks = list(pattern.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m, text[m.end() : end].strip()) for m, end in zip(marks, ends, strict=False)]


def _restore_inputs(body: str) -> list[str]:
    out: list[str] = []
    for _, item in _segments(_ITEM_START, body):
        name = item.split(" ", 1)[0]
        out += [f"  - name: {name}", *_restore_input_fields(item[len(name) :].strip()), ""]
    return out or [body]


def _restore_input_fields(rest: str) -> list[str]:
    """Cut 'label: L help: H type: T default: D options: ...' in key order."""
    fields: list[str] = []
    label, rest = _take(rest, "label:", " help:")
    if label is None:
        return fields
    fields.append(f"    label: {label}")
    if not rest.startswith("help:"):
        return fields
    # The usual layout first, so a help text saying "type: png max: 10MB" stays help.
    typed = _TYPE_THEN_DEFAULT.search(rest) or _TYPE_THEN_SHORT.search(rest)
    if typed is None:  # cut off inside help
        fields.append(f"    {rest}")
        return fields
    fields.append(f"    help: {rest[len('help:') : typed.start()].strip()}")
    fields.append(f"    type: {typed.group(1)}")
    return fields + _restore_after_type(rest[typed.end() :].strip())


def _restore_after_type(rest: str) -> list[str]:
    """Cut '[min: 0 ...] default: D [min: 0 ...] options: ...': short keys on either side."""
    before = _SHORT_RUN_BEFORE.match(rest)
    at = before.end() if before else 0
    fields = _short_lines(rest[:at])
    if not rest.startswith("default:", at):
        return fields
    default, after, options = _split_default(rest, at + len("default:"))
    fields += [f"    default: {default}", *_short_lines(after)]
    if options is not None:
        fields.append("    options:")
        fields += _restore_options(options)
    return fields


def _split_default(text: str, at: int) -> tuple[str, str, str | None]:
    """The default starting at `at`: (its value, the short keys after it, the options text).

    The options text is None when there is no 'options:'. The default is free
    text, so only a trailing run of one-word keys is cut from it; a quoted
    default is taken whole, whatever keys its text mentions.
    """
    quoted = _LEADING_QUOTED.match(text, at)
    start = quoted.end() if quoted else at
    cut = text.find(" options:", start)
    end = len(text) if cut == -1 else cut
    after = _SHORT_RUN_AFTER.search(text, start, end)
    default = text[at : after.start() if after else end].strip()
    options = None if cut == -1 else text[cut + len(" options:") :]
    return default, after.group(0) if after else "", options


def _short_lines(run: str) -> list[str]:
    return [f"    {key}: {value}" for key, value in _SHORT_FIELD.findall(run)]


def _take(text: str, key: str, next_key: str) -> tuple[str | None, str]:
    if not text.startswith(key):
        return None, text
    value, sep, rest = text[len(key) :].partition(next_key)
    return value.strip(), (next_key.strip() + rest) if sep else ""


def _restore_options(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _OPTION_START.split(" " + text.strip())[1:]:
        quoted = QUOTED.match(chunk)
        if quoted is None:
            out.append(f"      - value: {chunk.strip()}")
            continue
        out.append(f"      - value: {quoted.group(0)}")
        out += _restore_option_fields(chunk[quoted.end() :].strip())
    return out


def _restore_option_fields(rest: str) -> list[str]:
    keys = ("label", *_OPTION_EXTRAS)
    pattern = re.compile(r"(?:^|\s)(" + "|".join(keys) + r"): ")
    return [f"        {m.group(1)}: {value}" for m, value in _segments(pattern, rest)]


def _restore_examples(body: str) -> list[str]:
    """Each example value is introduced by '- KEY: ' where KEY is an identifier."""
    lines = [f"  - {m.group(1)}: {value}" for m, value in _segments(_EXAMPLE_KEY, body)]
    return lines or [body]
