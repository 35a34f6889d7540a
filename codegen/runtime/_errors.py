"""The one exception hierarchy of the client.

Every failure a caller can meet derives from ``WiroError``, so ``except WiroError``
catches them all. API errors carry the server's ``errors`` list verbatim; task
errors carry the last ``TaskDetail``.

Wiro answers most API errors with HTTP 200 and ``{"result": false, "errors": [...]}``
(only auth failures are 401 and an unknown URL 404), while proxies, older mocks and
``wiro-mock --http-errors`` use 400/404 for the same errors. The class is therefore
decided by Wiro's error code and message, the status only breaking ties (one pure
function, ``_response.error_class``), so one ``except`` works in both cases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import TaskDetail

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "ConcurrencyLimitError",
    "ConfigurationError",
    "InsufficientBalanceError",
    "NotFoundError",
    "RateLimitError",
    "TaskCancelled",
    "TaskError",
    "TaskFailed",
    "TaskStateError",
    "ValidationError",
    "WaitTimeout",
    "WiroError",
]


class WiroError(Exception):
    """Base class of every error raised by this client."""


class ConfigurationError(WiroError, ValueError):
    """A client setting or per-call option is invalid (raised before any request)."""


class APIError(WiroError):
    """The API answered with an HTTP error or with ``"result": false``.

    ``status_code`` is the HTTP status (often 200: read ``code``), ``errors`` Wiro's
    list verbatim. The one subclass raised without an answer is a client-side
    ``ValidationError`` (``status_code`` ``None``).
    """

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
    """HTTP 401, error code 98 (sign-in required) or 99 (bearer token), or no API key."""


class NotFoundError(APIError):
    """Unknown model or task: error code 1 with a not-found message (HTTP 200, or 404).

    An unknown *URL* (HTTP 404, code 0, ``Error parsing url.``) is a plain ``APIError``:
    it means a wrong ``base_url``, not a missing model.
    """


class TaskStateError(APIError):
    """Error code 1: the task cannot do that now (``Task is not in a cancellable state.``,
    ``Task could not be killed: ...``). Retrying will not help; read the task's status."""


class ConcurrencyLimitError(APIError):
    """Error code 96: the project already runs as many tasks as its balance allows.

    Not a ``RateLimitError``: it clears when a task finishes or funds are added, not
    after a delay, so nothing retries it.
    """


class InsufficientBalanceError(APIError):
    """Error code 97: the account's balance is too low to start the task."""


class RateLimitError(APIError):
    """HTTP 429; ``retry_after`` is the server's ``Retry-After`` in seconds, if sent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class APIConnectionError(WiroError):
    """The request could not be sent or its answer could not be read."""


class APITimeoutError(APIConnectionError):
    """The HTTP request timed out."""


#: Wiro names the offending input in brackets: ``Request parameter [seed] required``.
_FIELD_IN_MESSAGE = re.compile(r"^Request (?:parameter|files) \[([^\]]*)\]")


def _problems_from(errors: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(field, message)`` per server error; field ``""`` when the message names none."""
    problems = []
    for item in errors:
        message = str(item.get("message", ""))
        match = _FIELD_IN_MESSAGE.match(message)
        problems.append((match.group(1) if match else "", message))
    return problems


class ValidationError(APIError, ValueError):
    """Input rejected, on the client before any request or by Wiro (error code 0).

    Client-side rejections have ``status_code`` ``None`` and no ``errors``; server-side
    ones carry Wiro's ``errors``, whose ``[name]`` becomes the field. It stays a
    ``ValueError`` so code written against the client-only error keeps working.
    ``field`` is the wire name of the first offending input (``None`` when the
    problem is not about one field); ``problems`` lists every ``(field, message)``.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        problems: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        found = list(problems) or _problems_from(self.errors)
        self.problems: list[tuple[str, str]] = found or [(field or "", message)]
        named = (name for name, _ in self.problems if name)
        self.field = field if field is not None else next(named, None)


class TaskError(WiroError):
    """Base class of errors about a task's outcome; ``task`` is the last detail seen."""

    def __init__(self, message: str, *, task: TaskDetail | None) -> None:
        super().__init__(message)
        self.task = task


class TaskFailed(TaskError):
    """The task ended with a non-zero ``pexit`` or in ``task_error``."""

    @property
    def debug_error(self) -> str | None:
        """The task's stderr (``debugerror``), where the reason usually is."""
        return self.task.debug_error if self.task is not None else None


class TaskCancelled(TaskError):
    """The task was cancelled or killed (``task_cancel``)."""


class WaitTimeout(TaskError):
    """The task did not reach a terminal status before the deadline."""

    def __init__(self, message: str, *, task: TaskDetail | None, status: str | None) -> None:
        super().__init__(message, task=task)
        self.status = status
