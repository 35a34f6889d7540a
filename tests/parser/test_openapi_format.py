"""Wiro's per-model OpenAPI document as a spec: the real corpus, the other formats, bad input.

The 68 documents in `tests/fixtures/openapi-catalogue/` are what `POST /Tool/DetailOpenAPI`
returned for real models. Each parses; the warnings each gives are listed below with why
each is right, so a change in what the parser or normalize says about them shows here.
"""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import EllipsisType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.errors import SpecError
from codegen.openapi import wiro_model_document
from codegen.parser import discover, load_catalogue, parse_file, parse_text
from codegen.parser.normalize import normalize
from codegen.parser.openapi_doc import MAX_BYTES
from codegen.parser.raw import TRANSPORT_FIELDS
from codegen.schema import InputKind, Model
from mockserver.models.validation import ALWAYS_ALLOWED
from tests.generator.hostile import PAYLOADS, SEGMENTS, hostile_openapi_docs
from tests.paths import FIXTURES, SPECS

CATALOGUE = FIXTURES / "openapi-catalogue"
DOCS = sorted(CATALOGUE.glob("*.json"))
RUN_SCHEMA = "/components/schemas/RunToolSchema"

# -- the real corpus -------------------------------------------------------------------------

#: Every code the 68 documents produce, and why it is right for them.
WHY = {
    "cover_unknown": "no document names a cover image (the markdown's 'Model cover:')",
    "categories_unknown": "no document lists categories or tags",
    "run_path_spaced": (
        "six documents write the display name into the Run path (`/Run/wiro/Virtual Try-On`, "
        "`/Run/lightricks/ ltx-2-distilled`): read as the slug, trimmed, spaces as dashes"
    ),
    "type_guessed": (
        "a JSON boolean with no x-input-type: the kind (boolean) is the document's, the widget "
        "name 'checkbox' (Wiro's CLI's) is ours, and no doc has shown Wiro using it"
    ),
    "select_without_options": (
        "wiro/chat's model pickers: selectedModel's 47 options are empty objects and "
        "selectedModelPrivate has none; the value is free text"
    ),
    "bad_option": "wiro/chat's selectedModel: 47 x-options entries `{}` (enum: 47 nulls)",
    "default_not_in_options": (
        "Qwen3-TTS: default 'Auto' / 'Aiden' while the options are 'auto' / 'aiden'"
    ),
    "duplicate_option": (
        "wiro/ugc-creator lists 10 effect presets under two themes each, google/nano-banana-2 "
        "lists resolution '1K' twice: one value is one choice, the first entry is kept"
    ),
    "unsupported_constraint": (
        "pruna/wan-image-small's outputQuality: minLength 1 (refuses '') and maxLength 100; "
        "the seeds' 0..9999999999 length limits refuse nothing and are not reported"
    ),
}
EVERY_DOC = (("cover_unknown", None), ("categories_unknown", None))
_SPACED = (("run_path_spaced", None),)
_BOOLEANS = (("type_guessed", "quantization"), ("type_guessed", "do_sample"))
_CHAT = (
    ("bad_option", "selectedModel"),
    ("select_without_options", "selectedModel"),
    ("select_without_options", "selectedModelPrivate"),
    *_BOOLEANS,
)
#: The documents with more to say than EVERY_DOC: (code, input) in the order given.
EXTRA: dict[str, tuple[tuple[str, str | None], ...]] = {
    "openapi-alibaba-wan-2-6.json": _SPACED,
    "openapi-lightricks-ltx-2-distilled.json": _SPACED,
    "openapi-wiro-3d-text-animations.json": _SPACED,
    "openapi-wiro-ugc-creator.json": (*_SPACED, ("duplicate_option", "effectType")),
    "openapi-google-nano-banana-2.json": (("duplicate_option", "resolution"),),
    "openapi-wiro-virtual-try-on-v2.json": _SPACED,
    "openapi-wiro-virtual-try-on.json": _SPACED,
    "openapi-pruna-wan-image-small.json": (("unsupported_constraint", "outputQuality"),),
    "openapi-qwen-qwen3-5-27b.json": _BOOLEANS,
    "openapi-wiro-wiroai-turkish-llm-8b.json": _BOOLEANS,
    "openapi-wiro-wiroai-turkish-llm-9b.json": _BOOLEANS,
    "openapi-zai-org-glm-4-7-flash.json": _BOOLEANS,
    "openapi-wiro-chat.json": _CHAT,
    "wiro__chat.openapi.json": _CHAT,
    "openapi-qwen-qwen3-tts-12hz-1-7b.json": (
        ("default_not_in_options", "language"),
        ("default_not_in_options", "speaker"),
    ),
}


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _warnings(model: Model) -> list[tuple[str, str | None]]:
    return [(w.code, w.input) for w in model.warnings]


def test_the_corpus_is_complete() -> None:
    assert len(DOCS) == 68 and set(EXTRA) <= {p.name for p in DOCS}


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_real_document_parses(path: Path) -> None:
    model = parse_file(path)
    document = _json(path)
    schema = document["components"]["schemas"]["RunToolSchema"]
    properties = {k: v for k, v in schema["properties"].items() if k not in TRANSPORT_FIELDS}
    assert model.source.format == "openapi"
    assert model.display_name == document["info"]["title"].removesuffix(" API (Signature Auth)")
    assert [i.name for i in model.inputs] == list(properties)
    assert {i.name for i in model.inputs if i.required} == set(schema["required"])
    for item in model.inputs:
        stated = properties[item.name].get("x-input-type")
        assert item.wire_type == (stated or item.wire_type)
    assert _warnings(model) == [*EVERY_DOC, *EXTRA.get(path.name, ())]


def test_warning_codes_over_the_corpus() -> None:
    codes = Counter(w.code for path in DOCS for w in parse_file(path).warnings)
    assert set(codes) == set(WHY)
    assert codes == {
        "cover_unknown": 68, "categories_unknown": 68, "type_guessed": 12,
        "run_path_spaced": 6, "select_without_options": 4, "default_not_in_options": 2,
        "bad_option": 2, "unsupported_constraint": 1, "duplicate_option": 2,
    }  # fmt: skip


def test_kinds_and_facts_of_a_rich_document() -> None:
    model = parse_file(CATALOGUE / "openapi-wiro-ugc-creator.json")
    effect = model.input("effectType")
    assert (effect.kind, effect.wire_type, len(effect.options)) == (
        "select",
        "selectwithcover",
        205,  # 215 entries, 10 of them a value listed again
    )
    assert effect.options[0].extra == {
        "cover": "restaurant-and-cafe-kitchen-woman-bandana-chef.mp4"
    }
    assert model.input("inputImage").kind is InputKind.FILES
    assert model.description.startswith("Generates custom video content")
    assert "Processing Time" not in model.description and "HMAC" not in model.description
    steps = parse_file(CATALOGUE / "openapi-wiro-chat.json").input("max_tokens")
    assert (steps.kind, steps.default, steps.minimum, steps.maximum, steps.step) == (
        InputKind.INTEGER, 0, 0, 800000, 1
    )  # fmt: skip
    chat = parse_file(CATALOGUE / "openapi-wiro-chat.json")
    assert chat.input("quantization").kind is InputKind.BOOLEAN
    assert chat.input("quantization").default is False


# -- the same models in two formats ---------------------------------------------------------

#: (markdown spec, its model's OpenAPI document in tests/fixtures/openapi/)
TWINS = {
    "reve__generate.llms.md": "reve__Generate.openapi.json",
    "xiabs__dreamomni2.llms.md": "xiabs__DreamOmni2.openapi.json",
}
FACTS = ("kind", "default", "options", "required", "minimum", "maximum", "step")
#: (slug, input, fact): why the two documents may say different things.
ACCEPTED = {
    ("reve/generate", "prompt", "kind"): (
        "Wiro's OpenAPI names a widget only for selects and files: a plain string reads as "
        "text; the markdown says textarea (a multi-line box; the value is a string either way)"
    ),
    ("xiabs/dreamomni2", "prompt", "kind"): "as for reve/generate's prompt",
    ("xiabs/dreamomni2", "inputImage", "default"): (
        "the markdown names two sample files as the default; Wiro's OpenAPI gives file inputs "
        "no default"
    ),
    ("xiabs/dreamomni2", "scale", "kind"): (
        "Wiro's OpenAPI writes the markdown's `float` widget as a string with no default (as "
        "for every text-typed number); the markdown is richer, the OpenAPI spec is read as is"
    ),
    ("xiabs/dreamomni2", "scale", "default"): "as for the kind: the OpenAPI gives no default",
    ("xiabs/dreamomni2", "inputImage", "required"): (
        "the markdown's categories say image-editing, so the rule requires the first image; "
        "Wiro's document does not, and specs/xiabs__dreamomni2.override.toml says so"
    ),
    ("xiabs/dreamomni2", "steps", "minimum"): (
        "only the OpenAPI states steps' range (1..500 by 1); specs/xiabs__dreamomni2.override.toml "
        "adds it to the markdown (checked below)"
    ),
    ("xiabs/dreamomni2", "steps", "maximum"): "see steps' minimum",
    ("xiabs/dreamomni2", "steps", "step"): "see steps' minimum",
}


def _doc_model(path: Path) -> Model:
    """What the doc alone says (no override file)."""
    return normalize(parse_text(path.name, path.read_text("utf-8")), sha256="0")


def _disagreements(one: Model, other: Model) -> set[tuple[str, str, str]]:
    assert [i.name for i in one.inputs] == [i.name for i in other.inputs]
    return {
        (one.slug, item.name, fact)
        for item in one.inputs
        for fact in FACTS
        if getattr(item, fact) != getattr(other.input(item.name), fact)
    }


def test_markdown_and_openapi_agree_but_for_the_accepted() -> None:
    found: set[tuple[str, str, str]] = set()
    for markdown, document in TWINS.items():
        one, other = _doc_model(SPECS / markdown), _doc_model(FIXTURES / "openapi" / document)
        assert (one.slug, one.display_name, one.run_path, one.description) == (
            other.slug, other.display_name, other.run_path, other.description
        )  # fmt: skip
        found |= _disagreements(one, other)
    assert found == set(ACCEPTED)


def test_the_override_supplies_what_only_the_openapi_states() -> None:
    with_override = parse_file(SPECS / "xiabs__dreamomni2.llms.md").input("steps")
    stated = _doc_model(FIXTURES / "openapi" / "xiabs__DreamOmni2.openapi.json").input("steps")
    assert (with_override.minimum, with_override.maximum, with_override.step) == (
        stated.minimum, stated.maximum, stated.step
    )  # fmt: skip


#: (slug, input, fact): what our exporter's Wiro-form document cannot carry back.
EXPORT_LOSSES = {
    ("reve/edit", "inputImage", "kind"): (
        "a one-file combinefileinput (the page's 'up to 1 entry') is exported as Wiro writes "
        "every combinefileinput, a uri string, so the limit of one does not come back"
    ),
    ("wiro/avatarmotion", "inputImage", "default"): "file defaults are not exported",
    ("xiabs/dreamomni2", "inputImage", "default"): "file defaults are not exported",
}


def test_the_mocks_document_reads_back_as_its_model() -> None:
    """What the mock serves at Tool/DetailOpenAPI (the bare array) parses to the model."""
    found: set[tuple[str, str, str]] = set()
    for model in load_catalogue(SPECS).models:
        served = [
            {"type": k, "spec": wiro_model_document(model, k)} for k in ("apikey", "signature")
        ]
        again = normalize(parse_text("served", json.dumps(served)), sha256="0")
        assert (again.slug, again.display_name, again.run_path, again.description) == (
            model.slug, model.display_name, model.run_path, model.description
        )  # fmt: skip
        found |= _disagreements(model, again)
    assert found == set(EXPORT_LOSSES)


# -- detection, files, overrides -------------------------------------------------------------


def _reve() -> dict[str, Any]:
    document: dict[str, Any] = _json(FIXTURES / "openapi" / "reve__Generate.openapi.json")
    return document


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=1))
    return path


def test_the_content_decides_not_the_name(tmp_path: Path) -> None:
    document = _reve()
    document["info"]["description"] = "## Basic tool info\nModel name: fake/Fake"
    model = parse_file(_write(tmp_path, "notes.md", document))
    assert (model.source.format, model.slug) == ("openapi", "reve/generate")
    markdown = (SPECS / "reve__generate.llms.md").read_text()
    assert parse_file(_write(tmp_path, "x.json", markdown)).source.format == "llms"


def test_the_bare_array_prefers_the_signature_document(tmp_path: Path) -> None:
    signature, apikey = _reve(), _reve()
    apikey["paths"]["/Run/other/Model"] = apikey["paths"].pop("/Run/reve/Generate")
    both = [{"type": "apikey", "spec": apikey}, {"type": "signature", "spec": signature}]
    assert parse_file(_write(tmp_path, "a.json", both)).slug == "reve/generate"
    assert parse_file(_write(tmp_path, "b.json", both[:1])).slug == "other/model"


def test_transport_fields_are_the_mocks() -> None:
    assert TRANSPORT_FIELDS == ALWAYS_ALLOWED


def test_discover_and_overrides(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    _write(specs, "reve__Generate.openapi.json", _reve())
    _write(specs, "README.json", "{}")
    dotted = _json(CATALOGUE / "openapi-black-forest-labs-flux-2-klein-4b.json")
    _write(specs, "black-forest-labs__FLUX.2-klein-4B.openapi.json", dotted)
    (specs / "reve__Generate.override.toml").write_text(
        '[[inputs]]\nname = "prompt"\norigin = "test"\nrequired = false\n'
    )
    (specs / "black-forest-labs__FLUX.2-klein-4B.override.toml").write_text(
        '[model]\norigin = "test"\ncategories = ["text-to-image"]\n'
    )
    (specs / "black-forest-labs__FLUX.override.toml").write_text("not = [toml")
    assert [p.name for p in discover([specs])] == [
        "black-forest-labs__FLUX.2-klein-4B.openapi.json",
        "reve__Generate.openapi.json",
    ]
    models = load_catalogue(specs).by_slug()
    assert not models["reve/generate"].input("prompt").required  # the override beats the doc
    flux = models["black-forest-labs/flux.2-klein-4b"]
    assert flux.categories == ("text-to-image",) and len(flux.source.overrides) == 1


def test_cli_parses_a_real_document() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "parse", str(CATALOGUE / "reve__Generate.openapi.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "reve/Generate  (model, /Run/reve/generate)" in result.stdout


# -- what the document states, read by the shared rules ------------------------------------


def _with_inputs(properties: dict[str, Any], required: list[str] | None = None) -> str:
    document = _reve()
    schema = document["components"]["schemas"]["RunToolSchema"]
    schema["properties"] = properties
    schema["required"] = required or []
    return json.dumps(document)


def _parsed(properties: dict[str, Any], required: list[str] | None = None) -> Model:
    return normalize(parse_text("t.json", _with_inputs(properties, required)), sha256="0")


def _codes(model: Model) -> list[tuple[str, str | None]]:
    return [w for w in _warnings(model) if w not in EVERY_DOC]


def test_kinds_derived_from_json_types() -> None:
    model = _parsed({
        "steps": {"type": "number", "minimum": 1, "maximum": 50, "multipleOf": 1, "default": 25},
        "scale": {"type": "number", "minimum": 0, "maximum": 20, "default": 7.5},
        "bare": {"type": "number"},
        "count": {"type": "integer"},
        "flag": {"type": "boolean", "default": True},
        "pick": {"type": "string", "enum": ["a", 2, True]},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]},
                 "default": ["x"]},
        "files": {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 3},
        "one": {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 1},
        "upload": {"type": "string", "format": "binary"},
        "shape": {"type": "object"},
        "what": {"title": "no type"},
    })  # fmt: skip
    kinds = {i.name: (i.kind, i.wire_type) for i in model.inputs}
    assert kinds == {
        "steps": ("integer", "number"), "scale": ("number", "float"), "bare": ("number", "float"),
        "count": ("integer", "number"), "flag": ("boolean", "checkbox"),
        "pick": ("select", "select"), "tags": ("multiselect", "multiselect"),
        "files": ("files", "combinefileinput"), "one": ("file", "combinefileinput"),
        "upload": ("file", "fileinput"), "shape": ("text", "object"), "what": ("text", None),
    }  # fmt: skip
    assert model.input("pick").option_values == ("a", "2", "true")
    assert (model.input("tags").default, model.input("files").max_items) == (["x"], 3)
    assert (model.input("steps").default, model.input("scale").default) == (25, 7.5)
    assert ("unknown_type", "shape") in _codes(model) and ("type_missing", "what") in _codes(model)


def test_required_is_the_documents() -> None:
    """The document's list wins over normalize's rule (a text `prompt` is required)."""
    model = _parsed({"prompt": {"type": "string"}, "seed": {"type": "string"}}, ["seed"])
    assert [i.required for i in model.inputs] == [False, True]
    model = _parsed({"prompt": {"type": "string"}}, ["prompt", "ghost", "callbackUrl"])
    assert model.input("prompt").required and _codes(model) == [("required_unknown", None)]


def test_labels_help_and_options() -> None:
    model = _parsed({
        "pick": {"title": "Title", "x-label": "Label", "description": "about", "x-help": "help",
                 "type": "string", "x-input-type": "select", "default": 2, "enum": [1, 2],
                 "x-options": [{"value": 1, "label": "One", "cover": "1.png"},
                               {"value": 2, "label": "Two"}]},
        "plain": {"title": "Plain", "description": "plain-help", "type": "string"},
        "odd": {"type": "string", "x-input-type": "select", "enum": ["a", "b"],
                "x-options": [{"value": "a"}, {"label": "no value"}]},
        "consts": {"oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}]},
    })  # fmt: skip
    pick = model.input("pick")
    assert (pick.label, pick.help, pick.default) == ("Label", "help", "2")
    assert [(o.value, o.label, o.extra) for o in pick.options] == [
        ("1", "One", {"cover": "1.png"}), ("2", "Two", {})
    ]  # fmt: skip
    assert (model.input("plain").label, model.input("plain").help_key) == ("Plain", "plain-help")
    assert model.input("odd").option_values == ("a",)
    assert model.input("consts").options[1].label == "Large"
    assert _codes(model) == [("bad_option", "odd"), ("options_mismatch", "odd")]


def test_unknown_widget_reads_as_text() -> None:
    model = _parsed({"tint": {"type": "string", "x-input-type": "hologram"}})
    assert model.input("tint").kind is InputKind.TEXT
    assert _codes(model) == [("unknown_type", "tint")]


def test_defaults_without_a_text_form_are_dropped() -> None:
    model = _parsed(
        {"a": {"type": "string", "default": {"x": 1}}, "b": {"type": "string", "default": None}}
    )
    assert (model.input("a").default, model.input("b").default) == (None, None)
    assert _codes(model) == [("bad_default", "a")]


def test_unknown_extensions_warn_once_per_name() -> None:
    document = json.loads(_with_inputs({
        "a": {"type": "string", "x-secret": 1, "x-input-type": "text"},
        "b": {"type": "string", "x-secret": 2, "x-other": 3},
    }))  # fmt: skip
    document["x-vendor"] = True
    model = normalize(parse_text("t.json", json.dumps(document)), sha256="0")
    warned = [(w.code, w.input, w.message) for w in model.warnings if w.code == "unknown_extension"]
    assert [(code, name) for code, name, _ in warned] == [
        ("unknown_extension", None), ("unknown_extension", "a"), ("unknown_extension", "b")
    ]  # fmt: skip
    assert (
        "x-secret (first at /components/schemas/RunToolSchema/properties/a/x-secret)"
        in (warned[1][2])
    )


@pytest.mark.parametrize(
    ("limits", "reported"),
    [
        ({"minLength": 0, "maxLength": 9999999999}, None),
        ({"minLength": 1}, "minLength 1"),
        ({"maxLength": 4000}, "maxLength 4000"),
        ({"format": "uri"}, None),
        ({"format": "date-time"}, "format 'date-time'"),
        ({"pattern": "^[a-z]+$"}, "pattern '^[a-z]+$'"),
        ({"exclusiveMinimum": 0}, "exclusiveMinimum 0"),
    ],
)
def test_constraints_the_schema_cannot_hold(limits: dict[str, Any], reported: str | None) -> None:
    model = _parsed({"text": {"type": "string", **limits}})
    lost = [w.message for w in model.warnings if w.code == "unsupported_constraint"]
    assert lost == (
        [f"{reported}: the schema has no field for this; not enforced"] if reported else []
    )


def test_refs_and_compositions_are_followed() -> None:
    document = json.loads(_with_inputs({
        "seed": {"$ref": "#/components/schemas/Seed", "title": "Seed (sibling wins)"},
        "size": {"allOf": [{"$ref": "#/components/schemas/Size"}, {"default": 512}]},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "number", "multipleOf": 1}]},
        "either": {"anyOf": [{"type": "string"}, {"type": "number"}]},
    }))  # fmt: skip
    document["components"]["schemas"]["Seed"] = {"type": "number", "minimum": 0, "multipleOf": 1}
    document["components"]["schemas"]["Size"] = {"$ref": "#/components/schemas/Seed"}
    model = normalize(parse_text("t.json", json.dumps(document)), sha256="0")
    seed, size = model.input("seed"), model.input("size")
    assert (seed.label, seed.kind, seed.minimum) == ("Seed (sibling wins)", "integer", 0)
    assert (size.kind, size.default) == ("integer", 512)
    assert model.input("maybe").kind is InputKind.INTEGER
    assert model.input("either").kind is InputKind.TEXT
    assert _codes(model) == [("union_type", "either")]


def test_duplicate_keys_are_warned() -> None:
    text = _with_inputs({"a": {"type": "string"}}).replace('"a": {', '"a": {"type": "number",', 1)
    model = normalize(parse_text("t.json", text), sha256="0")
    assert model.warnings[0].code == "duplicate_key" and "'type' twice" in model.warnings[0].message


# -- bad input: one SpecError naming the file and the JSON pointer ---------------------------


def _change(edit: Callable[[dict[str, Any]], object]) -> str:
    document = _reve()
    edit(document)
    return json.dumps(document)


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _property(document: dict[str, Any], name: str = "aspectRatio") -> dict[str, Any]:
    prop: dict[str, Any] = _schemas(document)["RunToolSchema"]["properties"][name]
    return prop


def _runs(document: dict[str, Any], *paths: str) -> None:
    run = document["paths"].pop("/Run/reve/Generate")
    document["paths"].update({path: run for path in paths})


def _ref_loop(document: dict[str, Any]) -> None:
    _property(document)["$ref"] = "#/components/schemas/A"
    _schemas(document)["A"] = {"$ref": "#/components/schemas/B"}
    _schemas(document)["B"] = {"allOf": [{"$ref": "#/components/schemas/A"}]}


def _ref_bomb(document: dict[str, Any]) -> None:
    """10 ** 8 expansions within 16 levels (each level a `$ref` and an `allOf`)."""
    for level in range(8):
        _schemas(document)[f"L{level}"] = {
            "allOf": [{"$ref": f"#/components/schemas/L{level + 1}"}] * 10
        }
    _schemas(document)["L8"] = {"type": "string"}
    _property(document)["$ref"] = "#/components/schemas/L0"


def _deep_allof(document: dict[str, Any]) -> None:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(40):
        node = {"allOf": [node]}
    _property(document).update(node)


_PROP = f"{RUN_SCHEMA}/properties/aspectRatio"

#: name: (file text, JSON pointer (... for any), line, what the message says)
BAD: dict[str, tuple[str, str | EllipsisType | None, int | None, str]] = {
    "truncated": ('{"openapi": "3.0.3",\n  "paths": {\n    "/Run/a/b": }\n}', None, 3,
                  "not valid JSON: Expecting value (column 17)"),
    "not-json-at-all": ("hello", None, 1, "not valid JSON"),
    "swagger": ('{"swagger": "2.0", "paths": {}}', None, None, "not an OpenAPI document"),
    "empty-list": ("[]", None, None, "not an OpenAPI document"),
    "list-of-other": ('[{"type": "signature", "spec": {"a": 1}}]', "/0/spec", None,
                      "not an OpenAPI document"),
    "no-run-path": (_change(lambda d: _runs(d)), "/paths", None, "no Run path"),
    "two-run-paths": (_change(lambda d: _runs(d, "/Run/a/b", "/Run/a/c")), "/paths", None,
                      "2 Run paths (/Run/a/b, /Run/a/c)"),
    "templated": (_change(lambda d: _runs(d, "/Run/{owner}/{project}")),
                  "/paths/~1Run~1{owner}~1{project}", None, "expected '/Run/OWNER/PROJECT'"),
    "no-post": (_change(lambda d: d["paths"]["/Run/reve/Generate"].pop("post")),
                "/paths/~1Run~1reve~1Generate/post", None, "expected the Run path's POST"),
    "widget-not-text": (_change(lambda d: _property(d).update({"x-input-type": 5})),
                        f"{_PROP}/x-input-type", None, "expected a string, got 5"),
    "ref-loop": (_change(_ref_loop), "/components/schemas/B/allOf/0/$ref", None,
                 "a $ref loop: #/components/schemas/A -> #/components/schemas/B -> "
                 "#/components/schemas/A"),
    "ref-to-nothing": (_change(lambda d: _property(d).update({"$ref": "#/components/x"})),
                       f"{_PROP}/$ref", None, "points to nothing"),
    "ref-remote": (_change(lambda d: _property(d).update({"$ref": "other.json#/x"})),
                   f"{_PROP}/$ref", None, "only a local JSON pointer"),
    "ref-bomb": (_change(_ref_bomb), ..., None, "more than 100,000 schemas to expand"),
    "deep-allof": (_change(_deep_allof), _PROP + "/allOf/0" * 33, None,
                   "schemas nested more than 32 deep"),
    "deep-json": ("[" * 100_000 + "]" * 100_000, None, None, "JSON nested too deeply"),
    # Between the OpenAPI limit and every doc's (MAX_DOC_BYTES, tests/parser/test_doc_limits.py).
    "over-4-mib": (json.dumps({"openapi": "3.0.3", "paths": {}, "x": "a" * (MAX_BYTES + 1)}),
                   None, None, f"bytes: an OpenAPI document over {MAX_BYTES:,} bytes"),
    "nan": (_change(lambda d: _property(d).update({"default": "NAN"})).replace('"NAN"', "NaN"),
            None, None, "not valid JSON: NaN is not a JSON number"),
    "huge-float": (_change(lambda d: _property(d).update({"maximum": 1})).replace(
                   '"maximum": 1', '"maximum": 1e999'), None, None, "1e999 is out of range"),
    "huge-int": (_change(lambda d: _property(d).update({"maximum": 10**400})), f"{_PROP}/maximum",
                 None, "an integer of 401 digits is out of range"),
    "required-not-list": (_change(lambda d: _schemas(d)["RunToolSchema"].update(required="prompt")),
                          f"{RUN_SCHEMA}/required", None, "expected an array, got a string"),
    "minimum-text": (_change(lambda d: _property(d).update({"minimum": "1"})),
                     f"{_PROP}/minimum", None, "expected a number, got a string"),
    "properties-list": (_change(lambda d: _schemas(d)["RunToolSchema"].update(properties=[])),
                        f"{RUN_SCHEMA}/properties", None, "expected an object of properties"),
    "empty-name": (_change(lambda d: _schemas(d)["RunToolSchema"].update(properties={"": {}})),
                   f"{RUN_SCHEMA}/properties/", None, "an input with an empty name"),
    "min-length-negative": (_change(lambda d: _property(d).update({"minLength": -1})),
                            f"{_PROP}/minLength", None,
                            "expected a whole number of at least 0, got -1"),
    "max-items-zero": (_change(lambda d: _property(d).update({"maxItems": 0})),
                       f"{_PROP}/maxItems", None, "expected maxItems of at least 1"),
}  # fmt: skip


def _bad_file(folder: Path, name: str) -> Path:
    return _write(folder, f"{name}.openapi.json", BAD[name][0])


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_spec_error(tmp_path: Path, name: str) -> None:
    _, pointer, line, message = BAD[name]
    with pytest.raises(SpecError) as info:
        parse_file(_bad_file(tmp_path, name))
    error = info.value
    assert Path(error.path).name == f"{name}.openapi.json"
    assert error.line == line and (pointer is ... or error.pointer == pointer)
    assert message in error.message


def test_cli_reports_every_bad_document_without_traceback(tmp_path: Path) -> None:
    for name in BAD:
        _bad_file(tmp_path, name)
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "parse", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for name, (_, pointer, line, message) in BAD.items():
        where = f"{name}.openapi.json" + (f":{line}" if line else "")
        where += "#" if pointer is ... else f"#{pointer}: " if pointer else ": "
        assert where in result.stderr and message in result.stderr, name
    assert f"{len(BAD)} doc(s) could not be parsed" in result.stderr


# -- hostile documents and fuzzing -----------------------------------------------------------


def test_hostile_payloads_survive_parsing_verbatim() -> None:
    """JSON keeps newlines: names, defaults and option values come through exactly."""
    models = [normalize(parse_text("h.json", doc), sha256="0") for doc in hostile_openapi_docs()]
    for model, payload in zip(models, PAYLOADS, strict=False):
        item = model.inputs[0]
        assert (item.name, item.default, item.required) == (payload, payload, True)
        assert model.input("pick").option_values == (payload, "plain")
        assert model.input("pick").default == payload
        assert model.input("many").option_values == (payload, "b")
        assert item.label == " ".join(payload.split())
    assert [m.display_name for m in models[len(PAYLOADS) :]] == [
        f"openapi-evil/{segment}" for segment in SEGMENTS
    ]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (as the keys leading to it)."""
    places = [path]
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        places.extend(_nodes(child, (*path, key)))
    return places


_REVE = _reve()
_PLACES = _nodes(_REVE["paths"]["/Run/reve/Generate"], ("paths", "/Run/reve/Generate")) + _nodes(
    _REVE["components"]["schemas"]["RunToolSchema"], ("components", "schemas", "RunToolSchema")
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PLACES), _JSON), min_size=1, max_size=4))
def test_mutated_documents_raise_only_spec_error(
    changes: list[tuple[tuple[Any, ...], Any]],
) -> None:
    document = copy.deepcopy(_REVE)
    for place, value in changes:
        parent: Any = document
        try:
            for key in place[:-1]:
                parent = parent[key]
            parent[place[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the place
    with contextlib.suppress(SpecError):
        normalize(parse_text("fuzz.json", json.dumps(document)), sha256="0")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DOCS[:8]), st.data())
def test_every_prefix_fails_cleanly(path: Path, data: st.DataObject) -> None:
    text = path.read_text("utf-8")
    with pytest.raises(SpecError):
        parse_text(path.name, text[: data.draw(st.integers(0, len(text) - 2))])
