"""Read the text of a model's web page (wiro.ai/models/OWNER/PROJECT) into a RawDoc.

The page is not markdown: it is the visible text of an HTML page, navigation
included. What it tells reliably: the name ("API Sample: reve/Edit"), the
description (the line above "NNNruns"), and the Run curl sample, whose `-F`
fields name the inputs (`=@file` marks a file input) and whose comments state
limits ("inputImage: up to 1 entry (files, URLs, or mixed)"). What it cannot
tell (types, labels, defaults, cover, categories) becomes warnings.
"""

from __future__ import annotations

import json
import re

from codegen import numbers
from codegen.errors import SpecError
from codegen.parser.raw import TRANSPORT_FIELDS, RawDoc, RawInput
from codegen.wire import unquote

#: The name is one word with a slash inside it, checked apart (`_name`): `\S+/\S+` would
#: try every slash of a long word against the rest of it.
_NAME = re.compile(r"^API Sample:\s*(\S+)\s*$")
_RUNS = re.compile(r"^\d[\d,.]*\s*runs$")
_RUN_URL_START = 'curl -X POST "'
_HTTP = re.compile(r"https?://")
#: `-F "name=value"`: the quote, the name, the value as written between the quotes.
#: The first `\s*+` is possessive: with the second it would split every run of spaces
#: after a quote in the value every possible way (quadratic in the run's length).
_FIELD = re.compile(r"""^(?://\s*)?-F\s+(["'])([A-Za-z_]\w*)=(.*?)\1\s*+\\?;?\s*$""")
_LIMIT = re.compile(r"^//\s*-\s*([A-Za-z_]\w*):\s*up to (\d+) entr(?:y|ies)\s*\(([^)]*)\)", re.I)
#: Where a `-d '{json}'` body opens, and the body up to a closing quote (`_json_body`).
_JSON_START = re.compile(r"-d\s+'")
_JSON_BODY = re.compile(r"-d\s+'(.*)'", re.S)


def parse_page(path: str, text: str) -> RawDoc:
    doc = RawDoc(path=path, format="page")
    lines = [line.strip() for line in text.splitlines()]
    doc.info["name"] = _name(path, lines)
    doc.info["description"] = _description(lines)
    doc.kind = "tool" if "/tools/" in text and "/models/" not in text else "model"
    run = _run_section(lines)
    url = _run_url("\n".join(line for _, line in run))
    if url and "{{" not in url:
        doc.info["Run Task Endpoint (POST)"] = url
    _read_fields(doc, run)
    doc.warn("cover_unknown", "a web page gives no cover image")
    doc.warn("categories_unknown", "a web page gives no categories")
    if doc.inputs:
        doc.warn("labels_unknown", "a web page gives no labels, help texts, types or defaults")
    return doc


def _name(path: str, lines: list[str]) -> str:
    for line in lines:
        match = _NAME.match(line)
        if match and "/" in match.group(1)[1:-1]:
            return match.group(1)
    raise SpecError(path, "expected 'API Sample: OWNER/PROJECT' on the model page")


def _run_url(text: str) -> str | None:
    """The first `curl -X POST "URL"` whose URL is `http(s)://…/Run/…` (no quote inside).

    A scan, not `"(https?://[^"]+/Run/[^"]+)"`: that pattern tries each `/Run/` of a
    long quoted string against the rest of it, quadratic in the string's length.
    """
    at = text.find(_RUN_URL_START)
    while at != -1:
        start = at + len(_RUN_URL_START)
        end = text.find('"', start)
        if end == -1:
            return None
        url = text[start:end]
        scheme = _HTTP.match(url)
        run = url.find("/Run/", scheme.end() + 1) if scheme else -1
        if run != -1 and run + len("/Run/") < len(url):
            return url
        at = text.find(_RUN_URL_START, at + 1)
    return None


def _description(lines: list[str]) -> str:
    for index, line in enumerate(lines):
        if _RUNS.match(line):
            previous = [text for text in lines[:index] if text]
            return previous[-1] if previous else ""
    return ""


def _run_section(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, text) of the 'Run Command - Make HTTP Post Request' sample."""
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("Run Command - Make HTTP Post Request")
        ),
        None,
    )
    if start is None:
        return []
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("Run Command - Response")),
        len(lines),
    )
    return [(i + 1, lines[i]) for i in range(start + 1, end)]


def _read_fields(doc: RawDoc, run: list[tuple[int, str]]) -> None:
    limits: dict[str, tuple[int, str]] = {}
    example: dict[str, str] = {}
    seen: set[str] = set()  # the inputs' names: a 20,000-field sample is not scanned per field
    for number, line in run:
        limit = _LIMIT.match(line)
        if limit:
            with numbers.located(doc.path, number, f"input {limit.group(1)!r}"):
                limits[limit.group(1)] = (numbers.to_int(limit.group(2)), limit.group(3))
            continue
        field = _FIELD.match(line)
        if field:
            _add_field(doc, number, field.group(2), _field_value(field), example, seen)
    if not doc.inputs:
        _read_json_body(doc, run, example)
    for raw in doc.inputs:
        _apply_limit(doc, raw, limits.get(raw.name))
    if example:
        doc.examples.append(example)


def _field_value(field: re.Match[str]) -> str:
    """The value of a `-F` argument, its escapes (`\\"`) read by the doc readers' one rule.

    The quotes enclose "name=value" as a whole; a value with unescaped quotes
    inside is kept as written.
    """
    quote = field.group(1)
    return unquote(quote + field.group(3) + quote)


def _add_field(
    doc: RawDoc, number: int, name: str, value: str, example: dict[str, str], seen: set[str]
) -> None:
    if name in TRANSPORT_FIELDS:
        return
    is_file = value.startswith("@")
    if not is_file:
        example[name] = value
    if name in seen:
        return
    seen.add(name)
    raw = RawInput(name=name, line=number, origin="page: curl -F field")
    raw.fields["type"] = "combinefileinput" if is_file else "text"
    doc.inputs.append(raw)
    doc.warn(
        "type_guessed",
        "the page shows a file upload" if is_file else "the page shows a text field",
        input=name,
        line=number,
    )


def _apply_limit(doc: RawDoc, raw: RawInput, limit: tuple[int, str] | None) -> None:
    if limit is None:
        return
    count, accepts = limit
    raw.typed["max_items"] = count
    raw.typed["accepts_url"] = "url" in accepts.lower()
    raw.typed["accepts_file"] = "file" in accepts.lower()


def _read_json_body(doc: RawDoc, run: list[tuple[int, str]], example: dict[str, str]) -> None:
    """The other sample style: `-d '{json}'`; an unfilled template becomes a warning."""
    text = "\n".join(line for _, line in run)
    match = _json_body(text)
    if match is None:
        return
    if "{{" in match.group(1):
        doc.warn(
            "inputs_unlisted", "the page's Run sample is an unfilled template: no inputs listed"
        )
        return
    at = run[text.count("\n", 0, match.start())][0]
    try:
        with numbers.located(doc.path, at, "the Run sample's -d body"):
            body = numbers.load_json(match.group(1))
    except json.JSONDecodeError:
        doc.warn("inputs_unlisted", "the page's Run sample body is not valid JSON")
        return
    line = run[0][0] if run else None
    for name, value in body.items() if isinstance(body, dict) else ():
        if name in TRANSPORT_FIELDS:
            continue
        raw = RawInput(name=name, line=line, origin="page: curl -d body")
        raw.fields["type"] = _json_type(value)
        doc.inputs.append(raw)
        example[name] = value if isinstance(value, str) else json.dumps(value)
        doc.warn(
            "type_guessed",
            f"type read from a sample value: {raw.fields['type']}",
            input=name,
            line=line,
        )


def _json_body(text: str) -> re.Match[str] | None:
    """The `-d '…'` body: from the first `-d '` to the sample's last quote, which only
    spaces and one `;` may follow (group 1 is the body).

    Found in two linear steps, not by `-d\\s+'(.*?)'\\s*;?\\s*$`: that pattern tried every
    `-d` against every later quote, quadratic in a sample of many `-d '…' \\` lines.
    """
    last = text.rfind("'")
    if last == -1 or text[last + 1 :].strip() not in ("", ";"):
        return None
    start = _JSON_START.search(text, 0, last)
    return None if start is None else _JSON_BODY.match(text, start.start(), last + 1)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "combinefileinput"
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "float"
    return "text"
