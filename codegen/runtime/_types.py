"""Typed views of the API's responses.

The API sends every number as a string (``"pexit": "0"``, ``"size": "202472"``) and
adds fields over time. These models parse numbers leniently (``""``/``null``/garbage
become ``None``) and keep unknown fields in ``model_extra`` instead of failing.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "FileInfo",
    "OutputFile",
    "Progress",
    "RunResponse",
    "SocketEvent",
    "TaskDetail",
    "TaskInfo",
]


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


def _to_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _to_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


LenientInt = Annotated[int | None, BeforeValidator(_to_int)]
LenientFloat = Annotated[float | None, BeforeValidator(_to_float)]
LenientStr = Annotated[str | None, BeforeValidator(_to_str)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RunResponse(_Model):
    """Answer of ``POST /Run/{owner}/{project}``."""

    taskid: Annotated[str, BeforeValidator(_to_str)]
    socketaccesstoken: Annotated[str, BeforeValidator(_to_str)]


class OutputFile(_Model):
    """One output of a task. LLM outputs have ``contenttype="raw"`` and ``content``."""

    id: LenientStr = None
    name: Annotated[str, BeforeValidator(lambda v: _to_str(v) or "")] = ""
    contenttype: LenientStr = None
    size: LenientInt = None
    url: LenientStr = None
    content: Annotated[dict[str, Any] | None, BeforeValidator(lambda v: v or None)] = None


class TaskDetail(_Model):
    """One task, as returned in ``tasklist`` by Task/Detail, Task/Cancel and Task/Kill."""

    id: Annotated[str, BeforeValidator(lambda v: _to_str(v) or "")] = ""
    uuid: LenientStr = None
    socketaccesstoken: LenientStr = None
    status: Annotated[str, BeforeValidator(lambda v: _to_str(v) or "")] = ""
    pexit: LenientInt = None
    debugoutput: LenientStr = None
    debugerror: LenientStr = None
    elapsedseconds: LenientFloat = None
    totalcost: LenientFloat = None
    cps: LenientFloat = None
    starttime: LenientInt = None
    endtime: LenientInt = None
    createtime: LenientInt = None
    canceltime: LenientInt = None
    assigntime: LenientInt = None
    accepttime: LenientInt = None
    size: LenientInt = None
    parameters: Annotated[dict[str, Any], BeforeValidator(_to_dict)] = Field(default_factory=dict)
    outputs: Annotated[list[OutputFile], BeforeValidator(_to_list)] = Field(default_factory=list)


TaskInfo = TaskDetail


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

    type: Annotated[str, BeforeValidator(lambda v: _to_str(v) or "")] = ""
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
    contenttype: LenientStr = None
    size: LenientInt = None
    parentid: LenientStr = None
    url: LenientStr = None
    addedtime: LenientInt = None
