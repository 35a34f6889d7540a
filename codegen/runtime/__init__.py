"""Hand-written runtime of the generated Wiro client (copied verbatim by wirogen).

Generated code imports from here: ``BaseWiro``/``BaseAsyncWiro`` to subclass,
``ModelSpec``/``FileField`` to describe models, ``FileValue`` for file fields,
``build_input`` to validate kwargs, and ``main`` for the command line.
"""

from ._auth import sign
from ._cli import main
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
from ._retry import RetryPolicy
from ._spec import FileField, ModelSpec
from ._task import AsyncTask, Task
from ._types import (
    FileInfo,
    OutputFile,
    Progress,
    RunResponse,
    SocketEvent,
    TaskDetail,
    TaskInfo,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_SOCKET_URL",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncTask",
    "AuthenticationError",
    "BaseAsyncWiro",
    "BaseWiro",
    "ConcurrencyLimitError",
    "FileField",
    "FileInfo",
    "FileInput",
    "FileValue",
    "InsufficientBalanceError",
    "ModelSpec",
    "NotFoundError",
    "OutputFile",
    "Progress",
    "RateLimitError",
    "RetryPolicy",
    "RunResponse",
    "SocketEvent",
    "Task",
    "TaskCancelled",
    "TaskDetail",
    "TaskError",
    "TaskFailed",
    "TaskInfo",
    "TaskStateError",
    "ValidationError",
    "WaitTimeout",
    "WiroError",
    "build_input",
    "derive_socket_url",
    "main",
    "sign",
]
