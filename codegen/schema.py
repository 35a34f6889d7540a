"""The normalized schema of a Wiro model: the single source of truth.

The parser turns documentation into these objects; the generator, the mock
server and the OpenAPI export only ever read them. Every model is frozen so a
loaded catalogue can be shared between threads and requests without copying.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputKind(StrEnum):
    """What an input is, independent of the widget name Wiro's doc uses."""

    TEXT = "text"
    TEXTAREA = "textarea"
    SELECT = "select"
    MULTISELECT = "multiselect"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    FILE = "file"
    FILES = "files"

    @property
    def is_file(self) -> bool:
        return self in (InputKind.FILE, InputKind.FILES)

    @property
    def is_numeric(self) -> bool:
        return self in (InputKind.INTEGER, InputKind.NUMBER)


class Status(StrEnum):
    """Task statuses, in the order the API documents them (Task/Detail and socket)."""

    QUEUE = "task_queue"
    ACCEPT = "task_accept"
    PREPROCESS_START = "task_preprocess_start"
    PREPROCESS_END = "task_preprocess_end"
    ASSIGN = "task_assign"
    START = "task_start"
    OUTPUT = "task_output"
    OUTPUT_FULL = "task_output_full"
    END = "task_end"
    POSTPROCESS_START = "task_postprocess_start"
    POSTPROCESS_END = "task_postprocess_end"
    CANCEL = "task_cancel"
    ERROR = "task_error"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


#: The documented success path (WIRO_API.md); ``task_output`` may repeat.
LIFECYCLE: tuple[Status, ...] = (
    Status.QUEUE,
    Status.ACCEPT,
    Status.PREPROCESS_START,
    Status.PREPROCESS_END,
    Status.ASSIGN,
    Status.START,
    Status.OUTPUT,
    Status.OUTPUT_FULL,
    Status.END,
    Status.POSTPROCESS_START,
    Status.POSTPROCESS_END,
)
TERMINAL_STATUSES = frozenset({Status.POSTPROCESS_END, Status.CANCEL, Status.ERROR})

OutputKind = Literal["image", "video", "audio", "text", "3d", "file"]


#: The warning code of a model whose doc Wiro no longer serves: `wirogen sync` left a
#: `.gone` marker beside its spec. The model is kept, and deprecated in the generated
#: client and the CHANGELOG (`Model.gone_upstream`).
GONE_UPSTREAM = "gone_upstream"


class Warning(Frozen):
    """Something the doc lacked, or a value the parser had to guess."""

    code: str
    message: str
    input: str | None = None
    line: int | None = None


class Option(Frozen):
    value: str
    label: str
    extra: dict[str, str] = Field(default_factory=dict)


class FileConstraints(Frozen):
    """Limits on a file (or file URL) stated in the doc's help text."""

    content_types: tuple[str, ...] = ()
    max_bytes: int | None = None
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    min_side_px: int | None = None


Scalar = str | int | float | bool
Default = Scalar | list[str] | None


class Input(Frozen):
    name: str
    label: str
    help: str | None = None
    help_key: str | None = None
    wire_type: str | None = None
    kind: InputKind
    default: Default = None
    options: tuple[Option, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    #: (min, max) that only the help text states ("between [1, 10]"): advisory, never
    #: enforced by default (Wiro's own n8n node sends values outside such ranges);
    #: `minimum`/`maximum` are the bounds a doc or override declares, and are enforced.
    advisory_range: tuple[float, float] | None = None
    max_items: int | None = None
    accepts_url: bool = False
    accepts_file: bool = False
    url_sibling: str | None = None
    file_constraints: FileConstraints | None = None
    origin: str = "doc"

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


class OverrideSource(Frozen):
    path: str
    sha256: str


class Source(Frozen):
    path: str
    format: Literal["llms", "page", "openapi"]
    sha256: str
    overrides: tuple[OverrideSource, ...] = ()


class Model(Frozen):
    slug: str
    owner: str
    project: str
    display_name: str
    kind: Literal["model", "tool"]
    description: str
    cover_url: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    run_path: str
    inputs: tuple[Input, ...]
    examples: tuple[dict[str, str], ...] = ()
    source: Source
    warnings: tuple[Warning, ...] = ()

    def input(self, name: str) -> Input:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def gone_upstream(self) -> bool:
        """Whether Wiro no longer serves this model's doc (a `.gone` marker beside its spec):
        the model is deprecated."""
        return any(w.code == GONE_UPSTREAM for w in self.warnings)

    @property
    def output_kind(self) -> OutputKind:
        """What the model produces, from its categories (drives the mock's outputs)."""
        cats = {c.lower() for c in (*self.categories, *self.tags)}
        for needle, kind in _OUTPUT_BY_CATEGORY:
            if any(needle in c for c in cats):
                return kind
        return "image"


# Order matters: "image-to-video" must win over "image", "speech-to-text" over "speech".
_OUTPUT_BY_CATEGORY: tuple[tuple[str, OutputKind], ...] = (
    ("to-video", "video"),
    ("video", "video"),
    ("to-speech", "audio"),
    ("to-text", "text"),  # before "speech": speech-to-text writes text
    ("audio", "audio"),
    ("speech", "audio"),
    ("music", "audio"),
    ("llm", "text"),
    ("chat", "text"),
    ("text-generation", "text"),
    ("to-3d", "3d"),
    ("image", "image"),
)


class Catalogue(Frozen):
    """Every model loaded from one specs folder, sorted by slug."""

    schema_version: int = SCHEMA_VERSION
    models: tuple[Model, ...]

    def by_slug(self) -> dict[str, Model]:
        return {m.slug: m for m in self.models}


def dump_models(models: tuple[Model, ...] | list[Model]) -> list[dict[str, Any]]:
    """JSON-ready dicts with a stable key order (field declaration order)."""
    return [m.model_dump(mode="json") for m in models]


_MEDIUM = re.compile(r"input(Image|Video|Audio|Document|All)", re.IGNORECASE)


def medium_of(name: str) -> str | None:
    """What an input carries, from its name as Wiro names them: `inputImage…` -> "image",
    also "video", "audio", "document", and "all" (`inputAll`: anything); else None."""
    match = _MEDIUM.match(name)
    return match.group(1).lower() if match else None
