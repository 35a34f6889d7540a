"""Hostile model *docs*: attacks that go through the whole pipeline, parser included.

Each doc is a valid llms.txt whose strings carry a payload in one position: the model name
and endpoint, the description, categories, an input's name, label, help, default, an option
value or label, an example. Parsed like any spec, they join the hand-built corpus in
`hostile.py`; the same tests assert the generated code compiles, type-checks and never runs
a payload (which would create the sentinel file).
"""

from __future__ import annotations

from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.schema import Model
from tests.generator.hostile import PAYLOADS

#: Input names no generated Python may take literally.
NAMES = (
    "class", "from", "import", "def", "lambda", "None", "True", "self", "__init__", "__class__",
    "match", "type", "print", "1st", "a-b", "with space", "ışık", "日本", "_", "__",
)  # fmt: skip


def _doc(
    slug: str, description: str, inputs: str, *, examples: str = "", category: str = "x"
) -> str:
    owner, project = slug.split("/", 1)
    return f"""## Basic tool info

Model name: {slug}
Model description: {description}
Model categories:
  - {category}

Run Task Endpoint (POST):
https://api.wiro.ai/v1/Run/{owner}/{project}

## Model Inputs:

{inputs}
## Model Parameter Inspires:

{examples}
## Integration Header Prepare
"""


def _input(name: str, *, label: str = "L", help: str = "H", kind: str = "text", default: str = "",
           options: str = "") -> str:  # fmt: skip
    head = f"  - name: {name}\n    label: {label}\n    help: {help}\n"
    return head + f"    type: {kind}\n    default: {default}\n{options}\n"


def _option(value: str, label: str) -> str:
    return f"      - value: {value}\n        label: {label}\n"


def _flat(payload: str) -> str:
    """A doc value is one line, quoted as a doc writes an exact string: newlines in a payload
    become spaces (as in real docs), and quotes and backslashes inside are escaped, so a
    payload that is itself one quoted string (`"); import os; ("`) comes back verbatim."""
    line = " ".join(payload.splitlines())
    return '"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _exact(payload: str) -> str:
    """What `_flat(payload)` reads back as."""
    return " ".join(payload.splitlines())


def hostile_docs() -> list[str]:
    docs: list[str] = []
    for index, raw in enumerate(PAYLOADS):
        p = _flat(raw)
        docs.append(_doc(f"evil{index}/description", p, _input("prompt"), category=p))
        docs.append(_doc(f"evil{index}/fields", "d", _input("prompt", label=p, help=p, default=p)))
        options = "    options:\n" + _option(p, p) + _option("plain", "plain")
        docs.append(
            _doc(
                f"evil{index}/options",
                "d",
                _input("pick", kind="select", default="plain", options=options),
            )
        )
        docs.append(
            _doc(f"evil{index}/examples", "d", _input("prompt"), examples=f"  - prompt: {p}\n")
        )
    names = "".join(_input(name, kind=("number" if i % 3 == 0 else "text"), default=str(i))
                    for i, name in enumerate(NAMES))  # fmt: skip
    docs.append(_doc("names/reserved", "every reserved name at once", names))
    docs.append(_doc("class/lambda", "a slug of keywords", _input("prompt")))
    docs.append(_doc("9lives/1st-model", "slugs starting with digits", _input("prompt")))
    docs.append(_doc("Ünïcode/Mödel", "a unicode slug", _input("prompt")))
    return docs


def hostile_doc_models() -> list[Model]:
    return [
        normalize(parse_text(f"hostile-{i}.md", doc), sha256=f"{i:064x}")
        for i, doc in enumerate(hostile_docs())
    ]
