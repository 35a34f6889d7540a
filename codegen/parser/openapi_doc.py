"""Read Wiro's per-model OpenAPI document (what `POST /Tool/DetailOpenAPI` returns) into a RawDoc.

What the document tells: the model, by its one `/Run/OWNER/PROJECT` path (whose POST
description is the model's: `info` holds only Wiro's boilerplate), and the inputs, as the
Run body's schema (`components.schemas.RunToolSchema`): per property Wiro's widget
(`x-input-type`), label, help, default, options, range, and which are required. What it
cannot tell (cover, categories) becomes warnings, as for a web page. Every fact is written
back as the string a markdown doc would spell, so `normalize` types it by the same rules.

The document is untrusted JSON: its size is capped before parsing, `$ref`s are local only
and followed with a loop, depth and expansion guard, and every value read is type-checked,
so bad input ends in one SpecError naming the JSON pointer of the offending value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn
from urllib.parse import unquote

from codegen import numbers, wire
from codegen.errors import SpecError
from codegen.parser.raw import TRANSPORT_FIELDS, RawDoc, RawInput, RawOption, url_sibling

#: 50 times Wiro's largest real document (83 KB): anything bigger is no one model's document.
MAX_BYTES = 4 * 1024 * 1024
#: `$ref`/`allOf`/`anyOf`/`oneOf` levels followed within one schema.
MAX_DEPTH = 32
#: Schemas expanded per document: refs shared by many branches (a "$ref bomb") expand
#: exponentially within MAX_DEPTH; a real document expands one per property.
MAX_EXPANSIONS = 100_000
#: A text limit at least this long refuses nothing a caller sends: Wiro writes a text seed's
#: numeric range (0 to 9999999999) into minLength/maxLength.
LONGEST_TEXT = 1_000_000

#: The extensions read here; any other `x-` key is warned about once per document.
_READ_EXTENSIONS = frozenset({"x-input-type", "x-options", "x-label", "x-help"})
#: Wiro's task-status prose, in every document: `codegen.schema.Status` already holds it.
_IGNORED_EXTENSIONS = frozenset({"x-task-status-info"})
_COMPOSED = ("$ref", "allOf", "anyOf", "oneOf")
_BODY_TYPES = ("application/json", "multipart/form-data")
_FILE_FORMATS = frozenset({"uri", "binary"})
_INTEGER_FORMATS = frozenset({"int32", "int64"})
#: Formats the kind already says (file or URL values, numbers): no constraint is lost.
_TYPING_FORMATS = _FILE_FORMATS | _INTEGER_FORMATS | {"float", "double"}
_PROCESSING_TIME = "**Processing Time:**"
_MISSING: Any = object()

#: A schema's keywords, each with the JSON pointer it was read at (for errors).
View = dict[str, tuple[Any, str]]


def parse_openapi(shown: str, text: str) -> RawDoc:
    """The document, or DetailOpenAPI's bare list of them, read into the raw form."""
    value, duplicates = load_json(shown, text)
    spec, prefix = _spec(shown, value)
    reader = _Reader(shown, spec, prefix)
    for key in duplicates:
        reader.doc.warn("duplicate_key", f"a JSON object lists {key!r} twice: the last is read")
    return reader.read()


def load_json(shown: str, text: str) -> tuple[Any, list[str]]:
    """The parsed JSON and the keys some object repeats; one SpecError for anything else."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise SpecError(
            shown,
            f"{size:,} bytes: an OpenAPI document over {MAX_BYTES:,} bytes is refused "
            "(Wiro's are under 100 KB)",
        )
    duplicates: list[str] = []
    try:
        value = json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite,
            object_pairs_hook=_object_builder(duplicates),
        )
    except json.JSONDecodeError as exc:
        raise SpecError(
            shown, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno
        ) from None
    except RecursionError:
        raise SpecError(shown, _TOO_DEEP) from None
    except ValueError as exc:  # NaN, 1e999, an integer of 5,000 digits
        raise SpecError(shown, f"not valid JSON: {str(exc).split(';')[0]}") from None
    try:
        numbers.check_depth(value)
    except numbers.BoundError:
        raise SpecError(shown, _TOO_DEEP) from None
    return value, list(dict.fromkeys(duplicates))


_TOO_DEEP = f"JSON nested too deeply to read (more than {numbers.MAX_DEPTH} levels)"


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """`json`'s float hook: the doc's number bounds (`numbers`), as the ValueError that
    `load_json` reports as invalid JSON."""
    try:
        numbers.check_digits(text)
    except numbers.BoundError as exc:
        raise ValueError(str(exc)) from None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


def _object_builder(duplicates: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """`json`'s object hook: a dict, noting repeated keys (which `json` silently drops)."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        made = dict(pairs)
        if len(made) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return made

    return build


def _spec(shown: str, value: Any) -> tuple[dict[str, Any], str]:
    """The OpenAPI document and its pointer in the file: DetailOpenAPI answers a list of
    `{type, spec}` (one per auth kind); the `signature` one is preferred, else the first."""
    if _is_document(value):
        return value, ""
    entries = [
        (index, entry)
        for index, entry in enumerate(value if isinstance(value, list) else ())
        if isinstance(entry, dict) and isinstance(entry.get("spec"), dict)
    ]
    if not entries:
        raise SpecError(shown, _NOT_OPENAPI)
    index, entry = entries[preferred([e for _, e in entries])]
    if not _is_document(entry["spec"]):
        raise SpecError(shown, _NOT_OPENAPI, pointer=f"/{index}/spec")
    return entry["spec"], f"/{index}/spec"


def preferred(entries: Sequence[dict[str, Any]]) -> int:
    """Which of DetailOpenAPI's `{type, spec}` entries to read: the `signature` one (what
    Wiro's TypeScript SDK takes), else the first."""
    return next((i for i, e in enumerate(entries) if e.get("type") == "signature"), 0)


_NOT_OPENAPI = (
    "JSON, but not an OpenAPI document: expected an object with 'openapi' and 'paths' "
    "(Wiro's /Tool/DetailOpenAPI document), or that endpoint's list of {type, spec} entries"
)


def _is_document(value: Any) -> bool:
    return isinstance(value, dict) and "openapi" in value and "paths" in value


def _token(key: str | int) -> str:
    """One JSON pointer step (RFC 6901 escapes)."""
    return "/" + str(key).replace("~", "~0").replace("/", "~1")


def _kind_of(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is _MISSING:
        return "nothing"
    if _is_number(value):
        shown = repr(value)
        return shown if len(shown) <= 20 else "a number"
    names = {bool: "a boolean", str: "a string", dict: "an object", list: "an array"}
    return names.get(type(value), "null")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _default_text(value: Any) -> str | None:
    """Lists (file and multiselect defaults) are written comma-separated, as in the markdown."""
    if isinstance(value, list):
        parts = [wire.scalar_text(item) for item in value]
        return None if None in parts else ",".join(p for p in parts if p is not None)
    return wire.scalar_text(value)


def _option(entry: Any) -> RawOption | None:
    """An `x-options` entry (`{value, label, cover…}`) or an `enum` value; None if valueless."""
    if not isinstance(entry, dict):
        value = wire.scalar_text(entry)
        return None if value is None else RawOption(value=value, label=value)
    value = wire.scalar_text(entry.get("value"))
    if value is None:
        return None
    label = wire.scalar_text(entry.get("label"))
    extra = {
        key: text
        for key, item in entry.items()
        if key not in ("value", "label") and (text := wire.scalar_text(item)) is not None
    }
    return RawOption(value=value, label=value if label is None else label, extra=extra)


def _templated(segment: str) -> bool:
    """`{owner}`: a path parameter (the API's generic Run path, not one model's)."""
    inner = segment[1:-1]
    return segment[:1] == "{" and segment[-1:] == "}" and not {"{", "}"} & set(inner)


def _has_run_schema(spec: dict[str, Any]) -> bool:
    components = spec.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    return isinstance(schemas, dict) and "RunToolSchema" in schemas


def _description(text: str) -> str:
    """The model's description: the Run operation's, without Wiro's processing-time line."""
    kept = [part for part in text.split("\n\n") if not part.strip().startswith(_PROCESSING_TIME)]
    return "\n\n".join(kept).strip()


class _Reader:
    """One document's reading: where it is, what it has warned, and how much it expanded."""

    def __init__(self, shown: str, spec: dict[str, Any], prefix: str) -> None:
        self.shown = shown
        self.spec = spec
        self.prefix = prefix
        self.doc = RawDoc(path=shown, format="openapi")
        self.extensions: set[str] = set()
        self.expansions = 0
        self.input: str | None = None  # the input being read, named in its warnings
        self.untyped_strings: set[str] = set()  # string inputs no x-input-type names

    def fail(self, message: str, at: str) -> NoReturn:
        raise SpecError(self.shown, message, pointer=at)

    def read(self) -> RawDoc:
        self.check_extensions(self.flat(self.spec, self.prefix), _IGNORED_EXTENSIONS)
        path, operation, at = self.run_operation()
        self.doc.info["name"] = path.removeprefix("/Run/")
        self.doc.info["Run Task Endpoint (POST)"] = "/v1" + path
        self.doc.info["description"] = _description(self.text(operation, "description") or "")
        self.read_info()
        self.doc.warn("cover_unknown", "an OpenAPI document gives no cover image")
        self.doc.warn("categories_unknown", "an OpenAPI document gives no categories")
        self.check_extensions(operation)
        self.read_inputs(self.input_schema(operation, at))
        return self.doc

    # -- typed access to views ---------------------------------------------------------------

    def flat(self, node: Any, at: str, what: str = "an object") -> View:
        """An object's keys with their pointers (no `$ref` followed: for non-schema objects)."""
        if not isinstance(node, dict):
            self.fail(f"expected {what}, got {_kind_of(node)}", at)
        return {key: (value, at + _token(key)) for key, value in node.items()}

    def typed(self, view: View, key: str, accept: Callable[[Any], bool], expected: str) -> Any:
        """The value of `key` (None if absent or null), failing unless `accept` takes it."""
        value, at = view.get(key, (None, ""))
        if value is not None and not accept(value):
            self.fail(f"expected {expected}, got {_kind_of(value)}", at)
        return value

    def text(self, view: View, key: str) -> str | None:
        text: str | None = self.typed(view, key, lambda v: isinstance(v, str), "a string")
        return text

    def number(self, view: View, key: str) -> int | float | None:
        number: int | float | None = self.typed(view, key, _is_number, "a number")
        if number is not None:
            self.bounded(number, view[key][1])
        return number

    def count(self, view: View, key: str) -> int | None:
        count: int | None = self.typed(view, key, _is_count, "a whole number of at least 0")
        if count is not None:
            self.bounded(count, view[key][1])
        return count

    def bounded(self, number: int | float, at: str) -> None:
        """Hold a JSON number to the doc's number bounds (`numbers.checked`): `load_json`
        already refused non-finite floats, so only a long integer can fail here."""
        try:
            numbers.checked(number)
        except numbers.BoundError:
            self.fail(f"an integer of {len(str(abs(number)))} digits is out of range", at)

    def array(self, view: View, key: str) -> list[Any] | None:
        items: list[Any] | None = self.typed(view, key, lambda v: isinstance(v, list), "an array")
        return items

    # -- schemas -----------------------------------------------------------------------------

    def view(self, node: Any, at: str, trail: tuple[str, ...] = ()) -> View:
        """A schema's keywords with `$ref` followed and `allOf`/`anyOf`/`oneOf` merged in;
        the schema's own keywords win over what it composes."""
        self.expansions += 1
        if self.expansions > MAX_EXPANSIONS:
            self.fail(f"more than {MAX_EXPANSIONS:,} schemas to expand ($ref fan-out)", at)
        if len(trail) > MAX_DEPTH:
            self.fail(f"schemas nested more than {MAX_DEPTH} deep ($ref, allOf, anyOf, oneOf)", at)
        schema = self.flat(node, at, "a schema object")
        merged: View = {}
        if "$ref" in schema:
            merged.update(self.referenced(schema, trail))
        for index, branch in enumerate(self.array(schema, "allOf") or ()):
            merged.update(self.view(branch, f"{at}/allOf/{index}", (*trail, "allOf")))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                merged.update(self.union(schema, key, trail))
        merged.update({k: v for k, v in schema.items() if k not in _COMPOSED})
        return merged

    def referenced(self, schema: View, trail: tuple[str, ...]) -> View:
        ref, at = schema["$ref"]
        if not isinstance(ref, str):
            self.fail(f"expected a $ref string, got {_kind_of(ref)}", at)
        if ref in trail:
            loop = [step for step in (*trail, ref) if step.startswith("#")]
            self.fail("a $ref loop: " + " -> ".join(loop[loop.index(ref) :]), at)
        target, target_at = self.resolve(ref, at)
        return self.view(target, target_at, (*trail, ref))

    def resolve(self, ref: str, at: str) -> tuple[Any, str]:
        """The value a local `$ref` (`#/components/schemas/X`) names, and its pointer."""
        if ref != "#" and not ref.startswith("#/"):
            self.fail(f"$ref {ref!r}: only a local JSON pointer ('#/components/...') is read", at)
        steps = ref[2:].split("/") if ref != "#" else []
        tokens = [unquote(t).replace("~1", "/").replace("~0", "~") for t in steps]
        node: Any = self.spec
        for token in tokens:
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                self.fail(f"$ref {ref!r} points to nothing in this document", at)
        return node, self.prefix + "".join(_token(t) for t in tokens)

    def union(self, schema: View, key: str, trail: tuple[str, ...]) -> View:
        """`anyOf`/`oneOf` as one schema: `null` branches dropped (nullable), labelled `const`s
        become options, one-or-many reads as many; another union as its first branch."""
        at = schema[key][1]
        branches = [
            self.view(branch, f"{at}/{index}", (*trail, key))
            for index, branch in enumerate(self.array(schema, key) or ())
        ]
        branches = [b for b in branches if self.types(b) != ["null"]]
        if not branches:
            return {}
        if all("const" in b for b in branches):
            options = [{"value": b["const"][0], "label": b.get("title", b["const"])[0]}
                       for b in branches]  # fmt: skip
            return {"x-options": (options, at)}
        arrays = [b for b in branches if "array" in self.types(b)]
        if len(branches) == 2 and len(arrays) == 1:
            return arrays[0]
        if len(branches) > 1:
            self.doc.warn(
                "union_type",
                f"{key} of {len(branches)} schemas: read as the first",
                input=self.input,
            )
        return branches[0]

    def types(self, view: View) -> list[str]:
        """The JSON types a schema allows, `null` last; one type or a list of them."""
        value, at = view.get("type", (None, ""))
        found = [value] if isinstance(value, str) else value
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(t, str) for t in found):
            self.fail(f"expected a JSON type name or a list of them, got {_kind_of(value)}", at)
        return sorted(found, key=lambda t: t == "null")

    # -- the model ---------------------------------------------------------------------------

    def run_operation(self) -> tuple[str, View, str]:
        """The one `/Run/OWNER/PROJECT` path's POST operation (and its pointer)."""
        paths_at = self.prefix + "/paths"
        paths = self.flat(self.spec["paths"], paths_at, "an object of paths")
        runs = [path for path in paths if path.startswith("/Run/")]
        if len(runs) != 1:
            found = f"{len(runs)} Run paths ({', '.join(runs[:3])})" if runs else "no Run path"
            self.fail(f"{found}: a model's document has one '/Run/OWNER/PROJECT'", paths_at)
        path = runs[0]
        item, at = paths[path]
        parts = path.split("/")
        if len(parts) != 4 or not all(part.strip() and not _templated(part) for part in parts[2:]):
            self.fail(f"Run path {path!r}: expected '/Run/OWNER/PROJECT' of one model", at)
        post = self.flat(item, at, "a path item").get("post", (_MISSING, at + "/post"))
        return path, self.flat(post[0], post[1], "the Run path's POST operation"), post[1]

    def read_info(self) -> None:
        info = self.spec.get("info")
        if info is not None:
            view = self.flat(info, self.prefix + "/info")
            self.check_extensions(view)
            title = self.text(view, "title")
            if title:
                self.doc.info["title"] = title

    def input_schema(self, operation: View, at: str) -> View:
        """The Run body's schema: the operation's request body (JSON before form), else
        `components.schemas.RunToolSchema`, which every Wiro document's body refers to."""
        if "requestBody" not in operation:
            if not _has_run_schema(self.spec):
                self.fail("expected a requestBody or components.schemas.RunToolSchema", at)
            return self.view({"$ref": "#/components/schemas/RunToolSchema"}, at + "/requestBody")
        body = self.view(*operation["requestBody"])
        content = self.flat(*body.get("content", (_MISSING, at + "/requestBody/content")))
        if not content:
            self.fail("expected at least one media type", at + "/requestBody/content")
        media = next((t for t in _BODY_TYPES if t in content), next(iter(content)))
        chosen = self.flat(*content[media])
        return self.view(*chosen.get("schema", (_MISSING, content[media][1] + "/schema")))

    # -- the inputs --------------------------------------------------------------------------

    def read_inputs(self, schema: View) -> None:
        properties, at = schema.get("properties", ({}, ""))
        named = self.flat(properties, at, "an object of properties")
        required = self.required(schema)
        for name, (node, node_at) in named.items():
            if name not in TRANSPORT_FIELDS:
                self.doc.inputs.append(self.read_input(name, node, node_at, name in required))
        self.input = None
        self.type_file_pairs()
        for name in sorted(required - set(named) - TRANSPORT_FIELDS):
            self.doc.warn("required_unknown", f"{name!r} is required but not a property")

    def type_file_pairs(self) -> None:
        """A plain string beside its URL twin (`inputImage`, `inputImageUrl`) is a file input:
        Wiro writes its `fileinput` widget that way, with no `x-input-type` to say so."""
        names = {raw.name for raw in self.doc.inputs}
        for raw in self.doc.inputs:
            if raw.name in self.untyped_strings and url_sibling(raw.name) in names:
                multiple = raw.name.endswith("Multiple")
                raw.fields["type"] = "multifileinput" if multiple else "fileinput"

    def required(self, schema: View) -> set[str]:
        names = self.array(schema, "required") or []
        for index, name in enumerate(names):
            if not isinstance(name, str):
                at = f"{schema['required'][1]}/{index}"
                self.fail(f"expected an input name, got {_kind_of(name)}", at)
        return set(names)

    def read_input(self, name: str, node: Any, at: str, required: bool) -> RawInput:
        if not name.strip():
            self.fail("an input with an empty name", at)
        self.input = name
        view = self.view(node, at)
        items = self.view(*view["items"]) if "items" in view else {}
        self.check_extensions(view, _READ_EXTENSIONS)
        raw = RawInput(name=name)
        widget = self.text(view, "x-input-type") or self.derived_type(view, items)
        if "x-input-type" not in view and widget == "text":
            self.untyped_strings.add(name)
        if widget:  # else normalize warns: no type given
            raw.fields["type"] = widget
        self.read_texts(raw, view)
        self.read_default(raw, view)
        raw.fields["required"] = "true" if required else "false"
        raw.options = self.options(view if {"x-options", "enum"} & view.keys() else items)
        self.read_limits(raw, view)
        return raw

    def derived_type(self, view: View, items: View) -> str:
        """Wiro's widget for a property naming none, from its JSON type; the names are those
        Wiro's CLI gives kinds (mockserver.models.discovery.WIDGETS). Another type (object) is
        passed on for normalize to warn about; none at all yields ''."""
        types = [t for t in self.types(view) if t != "null"]
        if len(types) > 1:
            self.doc.warn("union_type", f"types {types}: read as {types[0]!r}", input=self.input)
        kind = types[0] if types else ""
        if kind == "array":
            if {"enum", "x-options"} & (view.keys() | items.keys()):
                return "multiselect"
            return "combinefileinput" if self.text(items, "format") in _FILE_FORMATS else kind
        if {"enum", "x-options"} & view.keys():
            return "select"
        if kind == "string":
            return "fileinput" if self.text(view, "format") == "binary" else "text"
        if kind == "number" and not self.whole(view):
            return "float"
        derived = {"integer": "number", "boolean": "checkbox"}
        return derived.get(kind, kind)

    def whole(self, view: View) -> bool:
        """Whether a JSON number is Wiro's `number` widget (integers, unless the default has
        a fraction) rather than `float`: an integer format, or every number it states
        (default, minimum, maximum, multipleOf) written without a fraction."""
        if self.text(view, "format") in _INTEGER_FORMATS:
            return True
        keys = ("default", "minimum", "maximum", "multipleOf")
        stated = [view[k][0] for k in keys if k in view]
        numbers = [v for v in stated if _is_number(v)]
        return bool(numbers) and all(isinstance(v, int) for v in numbers)

    def read_texts(self, raw: RawInput, view: View) -> None:
        """Label, help and range as the markdown's `label:`, `help:` (Wiro's own
        extensions before the JSON Schema keywords) and its range fields."""
        label = self.text(view, "x-label") or self.text(view, "title")
        help_text = self.text(view, "x-help") or self.text(view, "description")
        for key, value in (("label", label), ("help", help_text)):
            if value is not None:
                raw.fields[key] = value
        for key, field in (("minimum", "min"), ("maximum", "max"), ("multipleOf", "step")):
            number = self.number(view, key)
            if number is not None:
                raw.fields[field] = str(number)
        try:
            numbers.ordered(self.number(view, "minimum"), self.number(view, "maximum"),
                            ("minimum", "maximum"))  # fmt: skip
        except numbers.BoundError as exc:
            self.fail(str(exc), view["minimum"][1])

    def read_default(self, raw: RawInput, view: View) -> None:
        """The default as text; null is none, an object (no text form) is warned about."""
        value, at = view.get("default", (None, ""))
        if _is_number(value):
            self.bounded(value, at)
        default = _default_text(value)
        if default is not None:
            raw.fields["default"] = default
        elif value is not None:
            self.doc.warn("bad_default", f"default is {_kind_of(value)}: dropped", input=raw.name)

    def options(self, view: View) -> list[RawOption] | None:
        """`x-options` (values with labels) else `enum`; valueless entries dropped, warned."""
        labelled = self.array(view, "x-options")
        plain = self.array(view, "enum")
        chosen = labelled if labelled is not None else plain
        if chosen is None:
            return None
        options = [o for o in map(_option, chosen) if o is not None]
        if len(options) < len(chosen):
            key = "x-options" if labelled is not None else "enum"
            self.doc.warn(
                "bad_option",
                f"{len(chosen) - len(options)} of {len(chosen)} {key} entries have no value: "
                "dropped",
                input=self.input,
            )
        if labelled is not None and plain is not None:
            enum = [o.value for o in map(_option, plain) if o is not None]
            if enum != [o.value for o in options]:
                self.doc.warn(
                    "options_mismatch",
                    "x-options and enum list different values: the x-options are read",
                    input=self.input,
                )
        return options

    def read_limits(self, raw: RawInput, view: View) -> None:
        """`maxItems` is the schema's max_items; what it has no field for is warned about."""
        max_items = self.count(view, "maxItems")
        if max_items == 0:
            self.fail("expected maxItems of at least 1", view["maxItems"][1])
        if max_items is not None:
            raw.typed["max_items"] = max_items
        lost = self.lost_constraints(view)
        if lost:
            self.doc.warn(
                "unsupported_constraint",
                f"{', '.join(lost)}: the schema has no field for this; not enforced",
                input=raw.name,
            )

    def lost_constraints(self, view: View) -> list[str]:
        """Constraints the schema cannot hold, where they can refuse a value a caller sends:
        a minimum text length above 0, a maximum below LONGEST_TEXT, a pattern, a format
        that is more than the kind (not uri, binary or a number's), an exclusive bound."""
        lost: list[str] = []
        shortest, longest = self.count(view, "minLength"), self.count(view, "maxLength")
        if shortest:
            lost.append(f"minLength {shortest}")
        if longest is not None and longest < LONGEST_TEXT:
            lost.append(f"maxLength {longest}")
        for key in ("format", "pattern"):
            value = self.text(view, key)
            if value is not None and value not in (_TYPING_FORMATS if key == "format" else ()):
                lost.append(f"{key} {value!r}")
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = view.get(key, (False, ""))[0]
            if bound is not False:
                lost.append(f"{key} {json.dumps(bound)}")
        return lost

    def check_extensions(self, view: View, known: frozenset[str] = frozenset()) -> None:
        """Warn once per document about each `x-` key not read (Wiro may add facts there)."""
        for key, (_, at) in view.items():
            if key.startswith("x-") and key not in known and key not in self.extensions:
                self.extensions.add(key)
                self.doc.warn(
                    "unknown_extension", f"{key} (first at {at}) is not read", input=self.input
                )
