"""The parser's intermediate form: what a doc says, still as strings.

Every doc format (llms.txt, the web page, Wiro's per-model OpenAPI document)
and override files produce these; `normalize` alone turns them into the typed
schema, so every source of facts goes through the same typing and checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from codegen.schema import Warning

#: Body fields of every Run call, not the model's inputs: docs list them beside
#: the inputs, and the mock always accepts them (`mockserver.models.validation.ALWAYS_ALLOWED`).
TRANSPORT_FIELDS = frozenset({"callbackUrl", "projectid"})


@dataclass
class RawOption:
    value: str
    label: str
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class RawInput:
    """One input as written: every field a string, as the doc spells it."""

    name: str
    line: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    options: list[RawOption] | None = None
    complete: bool = True
    origin: str = "doc"
    #: Facts that only overrides (or a page's comments) state, already typed.
    typed: dict[str, object] = field(default_factory=dict)


@dataclass
class RawDoc:
    path: str
    format: Literal["llms", "page", "openapi"]
    kind: str = "model"
    info: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    inputs: list[RawInput] = field(default_factory=list)
    examples: list[dict[str, str]] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    def warn(
        self, code: str, message: str, *, input: str | None = None, line: int | None = None
    ) -> None:
        self.warnings.append(Warning(code=code, message=message, input=input, line=line))


def url_sibling(name: str) -> str:
    """`inputImage` -> `inputImageUrl`: the URL input beside a Wiro `fileinput`.

    Wiro's quirk: `inputDocumentMultiple` -> `inputDocumentUrlMultiple`.
    """
    if name.endswith("Multiple"):
        return name[: -len("Multiple")] + "UrlMultiple"
    return name + "Url"
