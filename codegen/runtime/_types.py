"""Typed views of the API's responses.

Attributes are snake_case; the wire names are their aliases (``model_dump(by_alias=True)``
gives the API's shape back, and either name is accepted on input). The API sends
every number as a string (``"pexit": "0"``, ``"size": "202472"``) and times as unix
seconds (``"0"`` or ``""`` when unset), and adds fields over time. These models
parse numbers and times leniently (``""``/``null``/garbage become ``None``; times
become timezone-aware ``datetime``) and keep unknown fields in ``model_extra``
instead of failing. A status Wiro adds later reads as ``"unknown"`` (its text stays
in ``raw_status``): it is never terminal, so a wait on it ends at its deadline.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "TASK_STATUSES",
    "ExploreSection",
    "FileInfo",
    "OutputFile",
    "Progress",
    "RunResponse",
    "SocketEvent",
    "TaskDetail",
    "TaskInfo",
    "TaskPage",
    "TaskStats",
    "TaskStatus",
    "ToolDetail",
    "ToolInfo",
    "ToolPage",
    "ToolParameter",
    "ToolParameterGroup",
    "ToolSpec",
]

#: Wiro's documented task statuses in lifecycle order, plus ``"unknown"`` for any other.
TaskStatus = Literal[
    "task_queue",
    "task_accept",
    "task_preprocess_start",
    "task_preprocess_end",
    "task_assign",
    "task_start",
    "task_output",
    "task_error",
    "task_output_full",
    "task_error_full",
    "task_end",
    "task_postprocess_start",
    "task_postprocess_end",
    "task_cancel",
    "unknown",
]
TASK_STATUSES: frozenset[str] = frozenset(get_args(TaskStatus)) - {"unknown"}
#: Epochs above this are milliseconds (13 digits), not seconds (10 digits).
_MS_EPOCH = 10**11


def _to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def _to_int(value: Any) -> int | None:
    result = _to_float(value)
    return int(result) if result is not None else None


def _to_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _to_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    seconds = _to_float(value)
    if seconds is None or seconds <= 0:
        return None
    if seconds > _MS_EPOCH:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"1": True, "true": True, "0": False, "false": False}.get(str(value).strip().lower())


def to_status(value: str | None) -> TaskStatus:
    """A wire status as ``TaskStatus``: ``"unknown"`` for anything undocumented."""
    return value if value in TASK_STATUSES else "unknown"  # type: ignore[return-value]


def _to_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _to_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


LenientInt = Annotated[int | None, BeforeValidator(_to_int)]
LenientFloat = Annotated[float | None, BeforeValidator(_to_float)]
LenientStr = Annotated[str | None, BeforeValidator(_to_str)]
LenientTime = Annotated[datetime | None, BeforeValidator(_to_time)]
LenientBool = Annotated[bool | None, BeforeValidator(_to_bool)]
Text = Annotated[str, BeforeValidator(lambda v: _to_str(v) or "")]
StrList = Annotated[list[str], BeforeValidator(lambda v: [str(x) for x in _to_list(v)])]


class _Model(BaseModel):
    #: ``defer_build``: validators are built on first use, not at import (~30 ms saved).
    model_config = ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True
    )


class RunResponse(_Model):
    """Answer of ``POST /Run/{owner}/{project}``."""

    taskid: Annotated[str, BeforeValidator(_to_str)]
    socketaccesstoken: Annotated[str, BeforeValidator(_to_str)]


class OutputFile(_Model):
    """One output of a task. LLM outputs have ``content_type="raw"`` and ``content``."""

    id: LenientStr = None
    name: Text = ""
    content_type: LenientStr = Field(default=None, alias="contenttype")
    size: LenientInt = None
    url: LenientStr = None
    access_key: LenientStr = Field(default=None, alias="accesskey")
    content: Annotated[dict[str, Any] | None, BeforeValidator(lambda v: v or None)] = None


class TaskDetail(_Model):
    """One task: ``tasklist`` entries of Task/Detail, Task/List, Task/Cancel and Task/Kill."""

    id: Text = ""
    uuid: LenientStr = None
    socket_access_token: LenientStr = Field(default=None, alias="socketaccesstoken")
    raw_status: Text = Field(default="", alias="status")
    """The status as sent; ``status`` is its typed reading."""
    pexit: LenientInt = None
    debug_output: LenientStr = Field(default=None, alias="debugoutput")
    debug_error: LenientStr = Field(default=None, alias="debugerror")
    elapsed_seconds: LenientFloat = Field(default=None, alias="elapsedseconds")
    total_cost: LenientFloat = Field(default=None, alias="totalcost")
    cps: LenientFloat = None
    create_time: LenientTime = Field(default=None, alias="createtime")
    accept_time: LenientTime = Field(default=None, alias="accepttime")
    assign_time: LenientTime = Field(default=None, alias="assigntime")
    preprocess_start_time: LenientTime = Field(default=None, alias="preprocessstarttime")
    preprocess_end_time: LenientTime = Field(default=None, alias="preprocessendtime")
    start_time: LenientTime = Field(default=None, alias="starttime")
    end_time: LenientTime = Field(default=None, alias="endtime")
    postprocess_start_time: LenientTime = Field(default=None, alias="postprocessstarttime")
    postprocess_end_time: LenientTime = Field(default=None, alias="postprocessendtime")
    cancel_time: LenientTime = Field(default=None, alias="canceltime")
    size: LenientInt = None
    model_slug_owner: LenientStr = Field(default=None, alias="modelslugowner")
    model_slug_project: LenientStr = Field(default=None, alias="modelslugproject")
    model_description: LenientStr = Field(default=None, alias="modeldescription")
    callback_url: LenientStr = Field(default=None, alias="callbackurl")
    categories: StrList = Field(default_factory=list)
    parameters: Annotated[dict[str, Any], BeforeValidator(_to_dict)] = Field(default_factory=dict)
    outputs: Annotated[list[OutputFile], BeforeValidator(_to_list)] = Field(default_factory=list)

    @property
    def status(self) -> TaskStatus:
        """The documented status, or ``"unknown"`` (see ``raw_status``)."""
        return to_status(self.raw_status)


TaskInfo = TaskDetail


class TaskPage(_Model):
    """One page of Task/List: ``tasks`` and ``total`` (the count of every match)."""

    total: LenientInt = None
    tasks: Annotated[list[TaskDetail], BeforeValidator(_to_list)] = Field(
        default_factory=list, alias="tasklist"
    )


class Progress(_Model):
    """A ``task_output`` progress object (``{"type": "progressGenerate", ...}``)."""

    type: LenientStr = None
    task: LenientStr = None
    percentage: LenientFloat = None
    step_current: LenientInt = Field(default=None, alias="stepCurrent")
    step_total: LenientInt = Field(default=None, alias="stepTotal")
    speed: LenientFloat = None
    speed_type: LenientStr = Field(default=None, alias="speedType")
    elapsed_time: LenientStr = Field(default=None, alias="elapsedTime")
    remaining_time: LenientStr = Field(default=None, alias="remainingTime")


class SocketEvent(_Model):
    """One WebSocket message; polling synthesises the same shape for status changes."""

    type: Text = ""
    id: LenientStr = None
    tasktoken: LenientStr = None
    message: Any = None
    result: bool | None = None

    @property
    def progress(self) -> Progress | None:
        """The progress object of a ``task_output`` event, if it carries one."""
        msg = self.message
        if isinstance(msg, dict) and str(msg.get("type", "")).startswith("progress"):
            return Progress.model_validate(msg)
        return None


class FileInfo(_Model):
    """One entry of ``list`` in File/Upload and File/FolderCreate answers."""

    id: LenientStr = None
    name: LenientStr = None
    content_type: LenientStr = Field(default=None, alias="contenttype")
    size: LenientInt = None
    parent_id: LenientStr = Field(default=None, alias="parentid")
    url: LenientStr = None
    added_time: LenientTime = Field(default=None, alias="addedtime")
    access_key: LenientStr = Field(default=None, alias="accesskey")


class TaskStats(_Model):
    """``taskstat`` of a model: how often it ran and how it went."""

    run_count: LenientInt = Field(default=None, alias="runcount")
    success_count: LenientInt = Field(default=None, alias="successcount")
    error_count: LenientInt = Field(default=None, alias="errorcount")
    last_run_time: LenientTime = Field(default=None, alias="lastruntime")


class ToolInfo(_Model):
    """One model as Tool/List and Tool/Explore describe it.

    ``owner``/``project`` are the URL (clean) slug, ``display_owner``/``display_project``
    the display form; ``slug`` joins the clean ones (what ``client.models[...]`` takes).
    """

    id: LenientStr = None
    title: LenientStr = None
    owner: Text = Field(default="", alias="cleanslugowner")
    project: Text = Field(default="", alias="cleanslugproject")
    display_owner: LenientStr = Field(default=None, alias="slugowner")
    display_project: LenientStr = Field(default=None, alias="slugproject")
    description: LenientStr = None
    seo_description: LenientStr = Field(default=None, alias="seodescription")
    image: LenientStr = None
    computing_time: LenientStr = Field(default=None, alias="computingtime")
    categories: StrList = Field(default_factory=list)
    tags: StrList = Field(default_factory=list)
    samples: StrList = Field(default_factory=list)
    average_point: LenientFloat = Field(default=None, alias="averagepoint")
    comment_count: LenientInt = Field(default=None, alias="commentcount")
    rated_user_count: LenientInt = Field(default=None, alias="ratedusercount")
    cps: LenientFloat = None
    approximate_cost: LenientFloat = Field(default=None, alias="approximatelycost")
    dynamic_price: LenientStr = Field(default=None, alias="dynamicprice")
    """A JSON string as Wiro sends it: ``[{inputs, price, priceMethod}]``."""
    task_stats: TaskStats | None = Field(default=None, alias="taskstat")

    @property
    def slug(self) -> str:
        """``owner/project`` in URL form (display form when the clean one is missing)."""
        owner = self.owner or self.display_owner or ""
        project = self.project or self.display_project or ""
        return f"{owner}/{project}".lower()


class ToolPage(_Model):
    """One page of Tool/List: ``tools`` and ``total`` (the count of every match)."""

    total: LenientInt = None
    tools: Annotated[list[ToolInfo], BeforeValidator(_to_list)] = Field(
        default_factory=list, alias="tool"
    )


class ToolParameter(_Model):
    """One input in a Tool/Detail parameter group (both of Wiro's name sets accepted)."""

    id: Text = ""
    type: LenientStr = None
    label: LenientStr = None
    description: LenientStr = None
    note: LenientStr = None
    placeholder: LenientStr = None
    required: LenientBool = None
    default: Any = None
    options: Annotated[list[dict[str, Any]], BeforeValidator(_to_list)] = Field(
        default_factory=list
    )


class ToolParameterGroup(_Model):
    """``{title, subtitle, items}`` of Tool/Detail's ``parameters``."""

    title: LenientStr = None
    subtitle: LenientStr = None
    items: Annotated[list[ToolParameter], BeforeValidator(_to_list)] = Field(default_factory=list)


class ToolDetail(ToolInfo):
    """Tool/Detail's one model: the list fields plus readme, parameters and examples."""

    readme: LenientStr = None
    seo_title: LenientStr = Field(default=None, alias="seotitle")
    parameters: Annotated[list[ToolParameterGroup], BeforeValidator(_to_list)] = Field(
        default_factory=list
    )
    inspire: Annotated[list[dict[str, Any]], BeforeValidator(_to_list)] = Field(
        default_factory=list
    )


class ExploreSection(_Model):
    """One section of Tool/Explore: a title and its models."""

    id: LenientStr = None
    title: Text = ""
    url: LenientStr = None
    total: LenientInt = None
    tools: Annotated[list[ToolInfo], BeforeValidator(_to_list)] = Field(default_factory=list)


class ToolSpec(_Model):
    """One entry of Tool/DetailOpenAPI: the auth ``type`` and its OpenAPI document."""

    type: Text = ""
    spec: Annotated[dict[str, Any], BeforeValidator(_to_dict)] = Field(default_factory=dict)
