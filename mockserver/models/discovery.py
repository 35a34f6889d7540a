"""How the catalogue looks to Wiro's discovery endpoints: model ids and records.

Everything here is rendered from the normalized schema (`codegen.schema.Model`), the same
objects the Run validator reads, so a model added to `specs/` appears everywhere at once.
The functions are pure (no store, no wall clock): the same specs and config always give the
same bytes, and the routes in `mockserver/api/tools.py` only read the request and call them.

Field names and JSON types follow what Wiro's clients decode (WIRO_CLIENTS.md section 3): Go's
CLI decodes strictly, so its strings (`id`, `averagepoint`, `rows`, `minvalue`, ...) are
strings, its numbers (`total`, `taskstat.runcount`, `maxinputlenght`) numbers and `required`
a bool; the other clients read a second set of parameter names, so items carry both.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from codegen.schema import LIFECYCLE, Input, InputKind, Model
from codegen.wire import number_text
from mockserver.config import MockConfig, Project
from mockserver.errors import ValidationError
from mockserver.models.fields import Upload, count_field, text_field

JSON = dict[str, Any]
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Wiro's widget names for inputs whose doc named none (D:params, GO:cli/helpers.go).
WIDGETS: dict[InputKind, str] = {
    InputKind.TEXT: "text",
    InputKind.TEXTAREA: "textarea",
    InputKind.SELECT: "select",
    InputKind.MULTISELECT: "multiselect",
    InputKind.INTEGER: "number",
    InputKind.NUMBER: "float",
    InputKind.BOOLEAN: "checkbox",
    InputKind.FILE: "fileinput",
    InputKind.FILES: "multifileinput",
}
#: File widgets that take their URLs in a `{id}Url` sibling (combinefileinput takes them in
#: `{id}` itself; D:params).
URL_SIBLING_WIDGETS = frozenset({"fileinput", "multifileinput"})
_CHOICE_KINDS = frozenset({InputKind.SELECT, InputKind.MULTISELECT})
_PROJECT_NAMESPACE = uuid.UUID("6f1c1c3e-33a5-4d0e-9d1b-7a4f0f0b5a11")


def _number(text: str) -> int:
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return int(digest[:6], 16) % 9000


def model_id(model: Model) -> int:
    """The model's numeric id (Tool/List `id`, the task's `modelid`): stable per slug."""
    return _number(model.slug)


def display_slugs(model: Model) -> tuple[str, str]:
    """`reve`, `Generate`: the display form Go's CLI sends back to Detail and Run."""
    owner, sep, project = model.display_name.partition("/")
    return (owner, project) if sep and owner and project else (model.owner, model.project)


def clean_slugs(model: Model) -> tuple[str, str]:
    """`reve`, `generate`: the URL form (lower case, from the slug)."""
    owner, _, project = model.slug.partition("/")
    return owner, project


# -- what a run costs and takes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pricing:
    """The cost per second and run time of this mock's tasks (from its config), so Tool/List
    advertises the numbers the tasks then show in Task/Detail."""

    cps: float
    seconds: float

    @classmethod
    def of(cls, config: MockConfig) -> Pricing:
        durations = config.durations
        return cls(config.lifecycle.cps, sum(durations.of(s.value) for s in LIFECYCLE))

    def fields(self) -> JSON:
        """`dynamicprice` is JSON *text* (every client parses the string; MCP labels `cps`)."""
        dynamic = [{"inputs": {}, "price": self.cps, "priceMethod": "cps"}]
        return {
            "computingtime": f"{max(1, round(self.seconds))} seconds",
            "cps": f"{self.cps:.12f}",
            "approximatelycost": f"{self.cps * self.seconds:.6f}",
            "dynamicprice": json.dumps(dynamic, separators=(",", ":")),
        }


# -- Tool/List, Tool/Detail, Tool/Explore records --------------------------------------------


def list_item(model: Model, pricing: Pricing) -> JSON:
    """One Tool/List item (also Explore's tools and the base of Tool/Detail)."""
    owner, project = display_slugs(model)
    clean_owner, clean_project = clean_slugs(model)
    return {
        "id": str(model_id(model)),
        "title": project,
        "slugowner": owner,
        "slugproject": project,
        "cleanslugowner": clean_owner,
        "cleanslugproject": clean_project,
        "description": model.description,
        "seodescription": model.description,
        "image": model.cover_url or "",
        "categories": list(model.categories),
        "tags": list(model.tags),
        "samples": [],
        "marketplace": 1,
        "onlymembers": "0",
        "averagepoint": "0.00",
        "commentcount": "0",
        "ratedusercount": "0",
        **pricing.fields(),
        "taskstat": {"runcount": 0, "successcount": "0", "errorcount": "0", "lastruntime": "0"},
    }


def detail_item(model: Model, pricing: Pricing) -> JSON:
    """The one Tool/Detail object: the list item plus readme, inspire and parameters."""
    owner, project = display_slugs(model)
    return {
        **list_item(model, pricing),
        "seotitle": f"{owner} {project} API",
        "readme": f"<p>{html.escape(model.description)}</p>",
        "inspire": [dict(example) for example in model.examples],
        "parameters": parameter_groups(model),
    }


def category_key(name: str) -> str:
    """`Image to Image` and `image-to-image` are one category (docs spell it both ways)."""
    return "-".join(re.split(r"[\s_-]+", name.strip().lower())).strip("-")


def explore_groups(models: Iterable[Model], pricing: Pricing) -> list[JSON]:
    """Tool/Explore: one group per category (case-insensitive), sorted by name."""
    groups: dict[str, list[Model]] = {}
    for model in models:
        for key in dict.fromkeys(category_key(c) for c in model.categories):
            if key:
                groups.setdefault(key, []).append(model)
    return [
        {
            "id": str(_number(f"category:{key}")),
            "title": " ".join(w[:1].upper() + w[1:] for w in key.split("-")),
            "url": f"https://wiro.ai/models?categories={quote(key)}",
            "total": len(members),
            "tools": [list_item(m, pricing) for m in members],
        }
        for key, members in sorted(groups.items())
        if members
    ]


# -- parameters -----------------------------------------------------------------------------


def parameter_groups(model: Model) -> list[JSON]:
    """The `parameters` groups: what a client must or usually sets, then tuning knobs.

    Go's CLI asks only for non-`advanced` items unless told otherwise, so required inputs,
    files and choices come first; optional knobs (numbers, seeds, negative prompts) follow.
    A file input whose widget takes URLs in a `{id}Url` field is followed by that field, as
    Wiro lists it, and every id listed is a field Run accepts.
    """
    names = {item.name for item in model.inputs}
    quick: list[JSON] = []
    advanced: list[JSON] = []
    for item in model.inputs:
        group = advanced if is_advanced(item) else quick
        group.append(parameter_item(item))
        sibling = url_sibling(item)
        if sibling and sibling not in names:
            group.append(_sibling_item(item, sibling))
    sections = (("Input", "", quick), ("Advanced", "Optional settings", advanced))
    return [{"title": t, "subtitle": s, "items": items} for t, s, items in sections if items]


def widget(item: Input) -> str:
    return item.wire_type or WIDGETS[item.kind]


def is_advanced(item: Input) -> bool:
    """Whether to hide it behind Go's `--advanced`: only what is safe to leave alone (an
    optional input with a default, or a numeric/boolean knob); files and choices stay up."""
    if item.required or item.kind.is_file or item.accepts_url or item.kind in _CHOICE_KINDS:
        return False
    return item.default not in (None, "") or item.kind.is_numeric or item.kind is InputKind.BOOLEAN


def url_sibling(item: Input) -> str | None:
    """The separate URL field of a file input, if Wiro lists one."""
    if not item.kind.is_file or not item.accepts_url:
        return None
    if item.url_sibling:
        return item.url_sibling
    return f"{item.name}Url" if widget(item) in URL_SIBLING_WIDGETS else None


def parameter_item(item: Input) -> JSON:
    """One parameter under both name sets (`default`/`defaultvalue`, `min`/`minvalue`, ...)."""
    entry = _item(
        item.name, widget(item), item.label, item.help or item.help_key or "", item.required,
        is_advanced(item), _default(item.default),
    )  # fmt: skip
    if widget(item) == "textarea":
        entry["rows"] = "4"
    for short, long, value in (
        ("min", "minvalue", item.minimum),
        ("max", "maxvalue", item.maximum),
        ("step", "incrementby", item.step),
    ):
        if value is not None:
            entry[short], entry[long] = _json_number(value), number_text(value)
    if item.kind in _CHOICE_KINDS:
        entry["options"] = [
            {"value": o.value, "label": o.label, "text": o.label} for o in item.options
        ]
    if item.max_items is not None:
        entry["maxinputlenght"] = item.max_items
    return entry


def _sibling_item(item: Input, name: str) -> JSON:
    note = f"URL of the {item.label} file, instead of an upload"
    if item.kind is InputKind.FILES:
        note += " (comma-separated for several)"
    return _item(name, "text", f"{item.label} URL", note, False, False, "")


def _item(
    name: str, kind: str, label: str, note: str, required: bool, advanced: bool, default: Any
) -> JSON:
    return {
        "id": name,
        "type": kind,
        "label": label,
        "description": note,
        "note": note,
        "placeholder": "",
        "required": required,
        "advanced": advanced,
        "quick": not advanced,
        "class": "",
        "rows": "1",
        "default": default,
        "defaultvalue": default,
        "value": default,
    }


def _default(value: Any) -> Any:
    if value is None:
        return ""
    return list(value) if isinstance(value, list) else value


def _json_number(value: float) -> int | float:
    """A bound as a JSON number of the type Wiro sends it: whole numbers as integers."""
    return int(value) if value.is_integer() else value


# -- Tool/List queries ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolQuery:
    """A Tool/List request, read the way every client sends it (strings or numbers; arrays
    as JSON arrays, repeated form fields or `name[]` keys)."""

    start: int = 0
    limit: int = DEFAULT_LIMIT
    words: tuple[str, ...] = ()
    sort: str = "relevance"
    descending: bool = True
    categories: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)
    owner: str = ""

    @classmethod
    def of(cls, fields: dict[str, Any]) -> ToolQuery:
        return cls(
            start=max(0, count_field(fields, "start", 0)),
            limit=min(MAX_LIMIT, max(1, count_field(fields, "limit", DEFAULT_LIMIT))),
            words=tuple(text_field(fields, "search").lower().split()),
            sort=text_field(fields, "sort").lower() or "relevance",
            descending=text_field(fields, "order").upper() != "ASC",
            categories=frozenset(category_key(v) for v in list_field(fields, "categories")),
            tags=frozenset(v.lower() for v in list_field(fields, "tags")),
            owner=text_field(fields, "slugowner").lower(),
        )

    def matches(self, model: Model) -> bool:
        if self.owner and self.owner not in {s.lower() for s in _owners(model)}:
            return False
        if self.categories and not self.categories & {category_key(c) for c in model.categories}:
            return False
        if self.tags and not self.tags & {t.lower() for t in model.tags}:
            return False
        return relevance(model, self.words) > 0 or not self.words

    def sort_key(self, model: Model) -> tuple[int, int, str]:
        """Relevance, then id (the mock has no ratings or run counts to sort by)."""
        score = relevance(model, self.words) if self.sort == "relevance" else 0
        return score, model_id(model), model.slug


def find(models: Iterable[Model], query: ToolQuery) -> tuple[int, list[Model]]:
    """The full match count and the requested page."""
    found = sorted(
        (m for m in models if query.matches(m)), key=query.sort_key, reverse=query.descending
    )
    return len(found), found[query.start : query.start + query.limit]


def _haystacks(model: Model) -> tuple[tuple[int, str], ...]:
    """(weight, text a search word may match): a slug match outranks a title match, etc."""
    owner, project = display_slugs(model)
    slugs = " ".join((model.slug, model.display_name, *clean_slugs(model), owner, project))
    return (
        (4, slugs.lower()),
        (3, project.lower()),
        (2, " ".join((*model.categories, *model.tags)).lower()),
        (1, model.description.lower()),
    )


def relevance(model: Model, words: Sequence[str]) -> int:
    """0 unless every word appears somewhere; else the sum of each word's best weight."""
    total = 0
    hay = _haystacks(model)
    for word in words:
        best = max((weight for weight, text in hay if word in text), default=0)
        if not best:
            return 0
        total += best
    return total


def _owners(model: Model) -> tuple[str, str]:
    return display_slugs(model)[0], clean_slugs(model)[0]


def requested_slugs(fields: dict[str, Any]) -> tuple[str, str]:
    """`slugowner`, `slugproject` as sent: percent-decoded and trimmed (any slug form)."""
    owner = unquote(text_field(fields, "slugowner")).strip()
    project = unquote(text_field(fields, "slugproject")).strip()
    for name, value in (("slugowner", owner), ("slugproject", project)):
        if not value:
            raise ValidationError(f"Request parameter [{name}] required")
    return owner, project


# -- reading request fields -----------------------------------------------------------------


def list_field(fields: dict[str, Any], name: str) -> list[str]:
    """An array field from `name`, `name[]` or `name[0]`... keys; comma-separated text splits."""
    pattern = re.compile(rf"{re.escape(name)}(\[\d*\])?")
    values: list[str] = []
    for key, value in fields.items():
        if not pattern.fullmatch(key):
            continue
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, Upload | dict | list):
                raise ValidationError(f"Request parameter [{name}] must be a list of strings")
            if entry is not None and not isinstance(entry, bool):
                values += [part.strip() for part in str(entry).split(",") if part.strip()]
    return values


# -- Project/List ---------------------------------------------------------------------------


def visible_projects(
    projects: Sequence[Project], caller: Project, asked: str, header_key: str, auth: bool
) -> list[Project]:
    """The projects a caller may see: its own (when it names another key, none). With auth
    off nobody is authenticated, so only a project whose key the caller already sent."""
    if auth:
        return [caller] if asked in ("", caller.api_key) else []
    keys = {key for key in (asked, header_key) if key}
    return [p for p in projects if p.api_key in keys]


def project_record(project: Project, epoch: float) -> JSON:
    """A Project/List item. The API key is shown (Wiro shows it); the secret never is."""
    return {
        "id": project.id,
        "uuid": str(uuid.uuid5(_PROJECT_NAMESPACE, project.api_key)),
        "name": project.name,
        "description": "",
        "slug": None,
        "apikey": project.api_key,
        "ipwhitelist": ["*"],
        "time": str(int(epoch)),
        "authmethod": "signature" if project.api_secret is not None else "apikey-only",
        "requestCount": "0",
    }
