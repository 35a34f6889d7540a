"""A corpus of hostile model specs, built by hand (no markdown parser involved).

Every string a doc can carry is attacked: quotes, triple quotes, backslashes,
newlines, Jinja syntax, code injection, very long text, reserved and colliding
names, unicode. Payloads try to create :data:`SENTINEL`; the tests assert the
generated package compiles, imports, type-checks and never creates it.

The last entries are Wiro OpenAPI documents (:func:`hostile_openapi_docs`), read by the
parser: JSON carries a payload verbatim (newlines included) in an input's name, title,
description, default, enum and option labels, and in the Run path and the model's
description, where a markdown doc would have flattened it to one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.schema import (
    GONE_UPSTREAM,
    FileConstraints,
    Input,
    InputKind,
    Model,
    Option,
    Source,
)
from codegen.schema import Warning as SpecWarning

SENTINEL = os.path.join(tempfile.gettempdir(), "wirogen-hostile-sentinel")

_SYSTEM = f"__import__('os').system('touch {SENTINEL}')"
PAYLOADS = (
    f'"""; {_SYSTEM}; """',
    f"'''; {_SYSTEM}; '''",
    f'"); {_SYSTEM}; ("',
    f"'); {_SYSTEM}; ('",
    f"import os; os.system('touch {SENTINEL}')",
    f"{{{{ {_SYSTEM} }}}}",
    f"{{% set x = {_SYSTEM} %}}{{{{ x }}}}",
    f"\\\n{_SYSTEM}\n#",
    f'\\"""\n{_SYSTEM}\n"""\\',
    f"{{{_SYSTEM}}}",
)

TEXT = InputKind.TEXT


def _model(slug: str, inputs: list[Input], **extra: object) -> Model:
    owner, _, project = slug.partition("/")
    fields: dict[str, object] = {
        "slug": slug,
        "owner": owner,
        "project": project,
        "display_name": slug,
        "kind": "model",
        "description": f"Hostile spec {slug}",
        "run_path": f"/Run/{slug}",
        "inputs": tuple(inputs),
        "source": Source(
            path=f"specs/hostile__{len(slug)}.llms.md",
            format="llms",
            sha256=hashlib.sha256(slug.encode()).hexdigest(),
        ),
    }
    fields.update(extra)
    return Model.model_validate(fields)


def _text(name: str, **extra: object) -> Input:
    return Input.model_validate({"name": name, "label": name, "kind": TEXT, **extra})


def hostile_models() -> list[Model]:
    """At least 20 models, each attacking a different part of the generator."""
    p = PAYLOADS
    long_text = "very long " * 600
    return [
        _model(
            "quotes/quotes",
            [
                _text("q1", label=p[0], help=p[1], default=p[2]),
                _text("q2", label='He said "hi"', help="it's", default="'\"'\"'"),
                _text("q3", default='"""'),
                _text("q4", default="'''"),
                _text("q5", default='ends with quote"'),
            ],
            description=p[0],
            display_name='quotes/"Quoted" model',
        ),
        _model(
            "backslash/back-slash",
            [
                _text("b1", label="C:\\path\\to", help="\\", default="\\"),
                _text("b2", help="trailing \\\\", default="\\x41\\u0041\\N{BULLET}"),
                _text("b3", help=p[7], default=p[8]),
            ],
            description="ends with a backslash \\",
        ),
        _model(
            "newline/new-lines",
            [
                _text("n1", label="line1\nline2", help="a\r\nb\tc\x00d\x1b[31m", default="x\ny"),
                _text("n2", help="\u2028\u2029\x85", default="\u2028"),
            ],
            description="first\n\nsecond\n    indented\n\"\"\"",
        ),
        _model(
            "jinja/templates",
            [
                _text("j1", label=p[5], help=p[6], default="{{ 7 * 7 }}"),
                Input(
                    name="j2",
                    label="{% raw %}",
                    kind=InputKind.SELECT,
                    default="{{ x }}",
                    options=(
                        Option(value="{{ x }}", label="{% endraw %}"),
                        Option(value="{% if %}", label="{#"),
                    ),
                ),
            ],
            description="{{ description }} {% for x in y %}{% endfor %} {# c #}",
        ),
        _model(
            "long/long-strings",
            [
                _text("l" + "o" * 150 + "ng", label=long_text, help=long_text, default=long_text),
                Input(
                    name="one_long_option",
                    label="x",
                    kind=InputKind.SELECT,
                    options=(Option(value="v" * 150, label="v"),),
                ),
                Input(
                    name="many_options",
                    label="x",
                    kind=InputKind.SELECT,
                    default="o5",
                    options=tuple(Option(value=f"o{i}", label=f"o{i}") for i in range(60)),
                ),
            ],
            description=long_text,
            display_name="long/" + "Long" * 40,
        ),
        _model(
            "keywords/reserved-names",
            [
                _text(name)
                for name in (
                    "class", "from", "import", "def", "return", "None", "True", "async",
                    "await", "lambda", "match", "case", "type", "_", "id", "input", "print",
                    "list", "str", "self", "cls", "__init__", "__class__", "__dict__",
                    "_private", "model_config", "model_fields", "json", "dict", "copy",
                    "schema", "validate", "spec", "run", "_call", "_client", "l", "typing",
                    "pydantic", "SPEC", "Task", "FileValue",
                )
            ],
        ),
        _model(
            "injection/code-in-values",
            [
                _text("i1", label=p[4], help=p[3], default=p[4]),
                Input(
                    name="i2",
                    label=p[2],
                    kind=InputKind.SELECT,
                    default=p[2],
                    options=tuple(Option(value=v, label=v) for v in p),
                ),
            ],
            examples=({"i1": p[0], "i2": p[1]},),
        ),
        _model(
            "options/quoted-options",
            [
                Input(
                    name="choice",
                    label="choice",
                    kind=InputKind.SELECT,
                    default="it's",
                    options=(
                        Option(value="it's", label="single"),
                        Option(value='say "x"', label="double"),
                        Option(value="both ' and \"", label="both"),
                        Option(value="", label="empty"),
                        Option(value='x"]; import os; os.system("touch s"); ["', label="inj"),
                    ),
                ),
                Input(
                    name="multi",
                    label="multi",
                    kind=InputKind.MULTISELECT,
                    default=["it's", "nope"],
                    options=(Option(value="it's", label="a"), Option(value="b", label="b")),
                    max_items=2,
                ),
            ],
        ),
        _model(
            "unicode/ünïcödé-módel",
            [
                _text("名前", label="名前", help="日本語のヘルプ"),
                _text("größe", label="Größe"),
                _text("café"),
                _text("🎨emoji"),
                _text("ПРИВЕТ"),
            ],
            display_name="unicode/Ünïcödé Módel 🎨",
            description="Ünïcödé “smart quotes” — dashes",
        ),
        _model(
            "collide/colliding-names",
            [
                _text("fooBar"),
                _text("foo_bar"),
                _text("FooBar"),
                _text("foo-bar"),
                _text("foo bar"),
                _text("callback_url"),
                _text("type"),
                _text("type_"),
            ],
        ),
        _model(
            "spaces/My Cool Model",
            [_text("input with spaces", label="Input With Spaces")],
            display_name="spaces/My Cool Model",
        ),
        _model("class/import", [_text("from")], display_name="class/import"),
        _model("async/models", [_text("x")], display_name="async/Models"),
        _model("models/close", [_text("x")], display_name="models/close"),
        _model("dupes/a-b", [_text("x")]),
        _model("dupes/a_b", [_text("x")]),
        _model("dupes/A-B", [_text("x")]),
        _model("123/3d-model", [_text("1st"), _text("2nd")], display_name="123/3D model"),
        _model(
            "kinds/every-kind",
            [
                Input(name="steps", label="Steps", kind=InputKind.INTEGER, default="25",
                      minimum=1, maximum=500, required=True),
                Input(name="scale", label="Scale", kind=InputKind.NUMBER, default=3.5,
                      minimum=0.5, maximum=20.25),
                Input(name="count", label="Count", kind=InputKind.INTEGER, default="abc"),
                Input(name="ratio", label="Ratio", kind=InputKind.NUMBER, default="1e400"),
                Input(name="flag", label="Flag", kind=InputKind.BOOLEAN, default="true"),
                Input(name="flag2", label="Flag2", kind=InputKind.BOOLEAN, default=p[4]),
                Input(name="image", label="Image", kind=InputKind.FILE,
                      default="https://example.com/a.png", url_sibling="imageUrl",
                      accepts_url=True, accepts_file=True,
                      file_constraints=FileConstraints(content_types=("image/png",))),
                Input(name="images", label="Images", kind=InputKind.FILES,
                      default="input-1.jpg,input-2.jpg", max_items=3),
                Input(name="select", label="Select", kind=InputKind.SELECT, default="missing",
                      options=(Option(value="a", label="A"), Option(value="b", label="B"))),
                Input(name="tags", label="Tags", kind=InputKind.MULTISELECT,
                      default="a,b", options=(Option(value="a", label="A"),
                                              Option(value="b", label="B"))),
                Input(name="free", label="Free", kind=InputKind.SELECT, default="anything"),
                Input(name="area", label="Area", kind=InputKind.TEXTAREA, default=12),
                Input(name="strength", label="Strength", kind=InputKind.NUMBER, default=0.5,
                      help="between [0, 1]", advisory_range=(0.0, 1.0)),
                Input(name="cfg", label="CFG", kind=InputKind.NUMBER, minimum=1, maximum=20,
                      help="between [1, 20]", advisory_range=(1.0, 20.0)),
                Input(name="huge", label="Huge", kind=InputKind.INTEGER,
                      advisory_range=(-1e308, float("inf"))),
                Input(name="callbackUrl", label="Callback", kind=InputKind.TEXT),
            ],
            examples=({"steps": "30", "scale": "2.5", "flag": "false", "images": "a,b"},),
        ),
        _model("empty/no-inputs", []),
        _model(
            "reve/edit",
            [_text("prompt", required=True), _text("edit"), _text("Edit")],
            display_name="reve/Edit",
        ),
        _model(
            "names/file-value",
            [_text("x")],
            display_name="names/FileValue",
        ),
        _model("names/literal", [_text("literal")], display_name="names/Literal"),
        # A Python name must never equal another input's wire name (populate_by_name).
        _model("names/crossing", [_text("inputImage"), _text("input_image"), _text("input-image")]),
        _model("names/suffixes", [_text("seed"), _text("Seed"), _text("seed_2"), _text("seed_3")]),
        # An invisible character must not win the plain name from the real input.
        _model("names/invisible", [_text("pro\u200bmpt"), _text("prompt"), _text("pr\u043empt")]),
        _model("names/spec", [_text("x")], display_name="names/SPEC"),
        _model(
            "evil/source-path",
            [_text("x")],
            source=Source(
                path=f"specs/evil\n{_SYSTEM}\n.llms.md",
                format="llms",
                sha256="0" * 64 + "\n" + _SYSTEM,
            ),
        ),
        # Gone upstream: run() warns, the hostile slug quoted into the warning's message.
        _model(
            f"gone/{SEGMENTS[0]}",
            [_text("x")],
            warnings=(SpecWarning(code=GONE_UPSTREAM, message=p[0]),),
            display_name=f"gone/{p[2]}",
        ),
        *hostile_openapi_models(),
    ]  # fmt: skip


#: Run path projects: a path segment holds no "/", so these attack quoting, not the sentinel.
SEGMENTS = ('"); import os; #', "{{ 7 * 7 }}", "'''x'''", '"""x', "ünï\u2028cödé", "a\\b")


def _openapi_doc(project: str, description: str, properties: dict[str, object]) -> str:
    """A Wiro-shaped document (the parts the parser reads) with `properties` as its inputs."""
    schema = {"type": "object", "properties": properties, "required": list(properties)[:1]}
    body = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunToolSchema"}}}
    }
    return json.dumps({
        "openapi": "3.0.3",
        "info": {"title": f"{project} API {description}", "description": description},
        "paths": {f"/Run/openapi-evil/{project}": {"post": {"description": description,
                                                             "requestBody": body}}},
        "components": {"schemas": {"RunToolSchema": schema}},
    })  # fmt: skip


def _openapi_properties(payload: str) -> dict[str, object]:
    """One input per attacked field; the first (required) is named by the payload itself."""
    options = [{"value": payload, "label": payload}, {"value": "plain", "label": payload}]
    return {
        payload: {"type": "string", "title": payload, "description": payload, "default": payload},
        "pick": {"type": "string", "x-input-type": "select", "x-label": payload,
                 "x-help": payload, "enum": [payload, "plain"], "x-options": options,
                 "default": payload},
        "many": {"type": "array", "items": {"type": "string", "enum": [payload, "b"]},
                 "default": ["b"]},  # [payload]: the generator's list default is not wrapped
        "steps": {"type": "number", "title": payload, "minimum": 1, "maximum": 9, "default": 3},
        "flag": {"type": "boolean", "description": payload, "default": True},
        "files": {"type": "string", "x-input-type": "combinefileinput", "format": "uri",
                  "x-help": payload},
    }  # fmt: skip


def hostile_openapi_docs() -> list[str]:
    """Each payload in every field, and each hostile Run path segment."""
    docs = [_openapi_doc(f"fields-{i}", p, _openapi_properties(p)) for i, p in enumerate(PAYLOADS)]
    for segment in SEGMENTS:
        docs.append(
            _openapi_doc(segment, segment, {"prompt": {"type": "string", "title": segment}})
        )
    return docs


def hostile_openapi_models() -> list[Model]:
    return [
        normalize(parse_text(f"hostile-{i}.openapi.json", doc), sha256=f"{i:064x}")
        for i, doc in enumerate(hostile_openapi_docs())
    ]
