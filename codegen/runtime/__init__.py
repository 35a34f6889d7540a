"""Hand-written runtime of the generated Wiro client (copied verbatim by wirogen).

Generated code imports from here: ``BaseWiro``/``BaseAsyncWiro`` to subclass,
``ModelSpec``/``FileField`` to describe models, ``FileValue`` for file fields,
``build_input`` to validate kwargs, and ``main`` for the command line.
"""

from typing import TYPE_CHECKING

from ._auth import sign
from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_SOCKET_URL,
    BaseAsyncWiro,
    BaseWiro,
    derive_socket_url,
)
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConcurrencyLimitError,
    ConfigurationError,
    InsufficientBalanceError,
    NotFoundError,
    RateLimitError,
    TaskCancelled,
    TaskError,
    TaskFailed,
    TaskStateError,
    ValidationError,
    WaitTimeout,
    WiroError,
)
from ._files import FileInput, FileValue
from ._input import build_input
from ._options import NOT_GIVEN, CallOptions, NotGiven
from ._raw import RawResponse
from ._retry import RetryPolicy
from ._spec import FileField, ModelSpec
from ._task import AsyncTask, Task
from ._types import (
    ExploreSection,
    FileInfo,
    OutputFile,
    Progress,
    RunResponse,
    SocketEvent,
    TaskDetail,
    TaskInfo,
    TaskPage,
    TaskStatus,
    ToolDetail,
    ToolInfo,
    ToolPage,
    ToolSpec,
)

if TYPE_CHECKING:
    from ._cli import main


def __getattr__(name: str) -> object:
    """``main`` (the command line) is imported on first use: only ``python -m`` needs it."""
    if name == "main":
        from ._cli import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_SOCKET_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncTask",
    "AuthenticationError",
    "BaseAsyncWiro",
    "BaseWiro",
    "CallOptions",
    "ConcurrencyLimitError",
    "ConfigurationError",
    "ExploreSection",
    "FileField",
    "FileInfo",
    "FileInput",
    "FileValue",
    "InsufficientBalanceError",
    "ModelSpec",
    "NotFoundError",
    "NotGiven",
    "OutputFile",
    "Progress",
    "RateLimitError",
    "RawResponse",
    "RetryPolicy",
    "RunResponse",
    "SocketEvent",
    "Task",
    "TaskCancelled",
    "TaskDetail",
    "TaskError",
    "TaskFailed",
    "TaskInfo",
    "TaskPage",
    "TaskStateError",
    "TaskStatus",
    "ToolDetail",
    "ToolInfo",
    "ToolPage",
    "ToolSpec",
    "ValidationError",
    "WaitTimeout",
    "WiroError",
    "build_input",
    "derive_socket_url",
    "main",
    "sign",
]
