"""The one exception hierarchy of the client.

Every failure a caller can meet derives from ``WiroError``, so ``except WiroError``
catches them all. API errors carry the server's ``errors`` list verbatim; task
errors carry the last ``TaskDetail``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import TaskDetail

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitError",
    "TaskCancelled",
    "TaskError",
    "TaskFailed",
    "ValidationError",
    "WaitTimeout",
    "WiroError",
]


class WiroError(Exception):
    """Base class of every error raised by this client."""


class APIError(WiroError):
    """The API answered with an HTTP error or with ``"result": false``."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: Sequence[dict[str, Any]] = (),
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.errors: list[dict[str, Any]] = list(errors)
        self.body = body

    @property
    def code(self) -> int | None:
        """The first error code the server sent, if any."""
        for item in self.errors:
            code = item.get("code")
            if isinstance(code, int):
                return code
        return None


class AuthenticationError(APIError):
    """HTTP 401, error code 98/99, or no API key configured."""


class NotFoundError(APIError):
    """Unknown model or task (HTTP 404, or error code 1 with a not-found message)."""


class RateLimitError(APIError):
    """HTTP 429; ``retry_after`` is the server's ``Retry-After`` in seconds, if sent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class APIConnectionError(WiroError):
    """The request could not be sent or its answer could not be read."""


class APITimeoutError(APIConnectionError):
    """The HTTP request timed out."""


class ValidationError(WiroError, ValueError):
    """Input rejected on the client, before any request was sent.

    ``field`` is the wire name of the first offending input (``None`` when the
    problem is not about one field); ``problems`` lists every ``(field, message)``.
    """

    def __init__(
        self, message: str, *, field: str | None = None, problems: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problems: list[tuple[str, str]] = list(problems) or [(field or "", message)]


class TaskError(WiroError):
    """Base class of errors about a task's outcome; ``task`` is the last detail seen."""

    def __init__(self, message: str, *, task: TaskDetail | None) -> None:
        super().__init__(message)
        self.task = task


class TaskFailed(TaskError):
    """The task ended with a non-zero ``pexit`` or in ``task_error``."""

    @property
    def debugerror(self) -> str | None:
        return self.task.debugerror if self.task is not None else None


class TaskCancelled(TaskError):
    """The task was cancelled or killed (``task_cancel``)."""


class WaitTimeout(TaskError):
    """The task did not reach a terminal status before the deadline."""

    def __init__(self, message: str, *, task: TaskDetail | None, status: str | None) -> None:
        super().__init__(message, task=task)
        self.status = status
