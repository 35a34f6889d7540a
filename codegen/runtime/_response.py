"""Reading the API envelope and mapping failures to exceptions.

Wiro reports errors as ``{"result": false, "errors": [{"code", "message"}]}``, with
HTTP 200 (its error reference) or, behind some proxies and under ``wiro-mock
--http-errors``, with 400/404. Both paths go through ``error_from_response``, and the
exception class is decided in one pure function, ``error_class``, from the status,
the first error code and the first message, so a caller sees the same class either way.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._errors import (
    APIError,
    AuthenticationError,
    ConcurrencyLimitError,
    InsufficientBalanceError,
    NotFoundError,
    RateLimitError,
    TaskStateError,
    ValidationError,
)
from ._retry import parse_retry_after

__all__ = [
    "error_class",
    "error_from_response",
    "is_wrong_url",
    "parse_list_response",
    "parse_response",
]

CODE_GENERAL, CODE_RESOURCE = 0, 1
#: Codes whose meaning does not depend on the message (Wiro's error reference).
CODE_CLASSES: dict[int, type[APIError]] = {
    96: ConcurrencyLimitError,
    97: InsufficientBalanceError,
    98: AuthenticationError,
    99: AuthenticationError,
}
#: Statuses that mean "bad input" when the body carries no error code.
VALIDATION_STATUSES = frozenset({400, 422})
#: Code 1 messages about a missing model or task (``slug-owner-project-not-exist``,
#: ``There is no task yet.``, ``task-not-exist``).
_NOT_FOUND_WORDS = ("not-exist", "not exist", "no task", "not found")
#: Code 1 refusals because of the task's status (``Task is not in a cancellable state.``).
_TASK_STATE_PREFIXES = ("task is not in a", "task could not be", "task must be")
#: Code 0 messages about the request's inputs (``Request parameter [seed] required``,
#: ``Request parameters are invalid.``; ``Request body ...`` is wiro-mock's wording).
_VALIDATION_PREFIXES = (
    "request parameter",
    "request files",
    "request body",
    "taskid or socketaccesstoken",
)


def is_wrong_url(status: int, code: int | None) -> bool:
    """Wiro's answer to a URL it has no endpoint for: HTTP 404 with code 0."""
    return status == 404 and code == CODE_GENERAL


def error_class(status: int, code: int | None, message: str) -> type[APIError]:
    """The exception class for a failed answer: HTTP ``status``, first error ``code``
    (``None`` when the body has none) and first error ``message``.

    Codes and messages win over statuses, so HTTP 200 and 4xx give the same class;
    the status decides only what they cannot: 401 (auth, whatever the code), 429,
    the unknown-URL 404 and bodies without a code (a bare 404 or 400/422).
    """
    if status == 401:
        return AuthenticationError
    if status == 429:
        return RateLimitError
    if code in CODE_CLASSES:
        return CODE_CLASSES[code]
    lower = message.lower()
    if code == CODE_RESOURCE:
        return _resource_error(status, lower)
    if is_wrong_url(status, code):
        return APIError
    if code == CODE_GENERAL:
        return ValidationError if lower.startswith(_VALIDATION_PREFIXES) else APIError
    if status == 404:
        return NotFoundError  # no code: a file gone from the CDN, say
    return ValidationError if status in VALIDATION_STATUSES else APIError


def _resource_error(status: int, lower: str) -> type[APIError]:
    """Code 1 covers a missing model/task and task-state refusals; the message tells."""
    if any(word in lower for word in _NOT_FOUND_WORDS):
        return NotFoundError
    if lower.startswith(_TASK_STATE_PREFIXES):
        return TaskStateError
    return NotFoundError if status == 404 else APIError


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _errors(body: Any) -> list[dict[str, Any]]:
    raw = body.get("errors") if isinstance(body, dict) else None
    return [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []


def _first(errors: list[dict[str, Any]]) -> tuple[int | None, str]:
    """The first integer code and the first message (what ``error_class`` reads)."""
    codes = [e["code"] for e in errors if isinstance(e.get("code"), int)]
    texts = [str(e["message"]) for e in errors if e.get("message")]
    return (codes[0] if codes else None), (texts[0] if texts else "")


def _request_url(response: httpx.Response) -> str:
    try:
        return str(response.request.url)
    except RuntimeError:  # a Response built by hand has no request
        return "the requested URL"


def _message(response: httpx.Response, body: Any, errors: list[dict[str, Any]]) -> str:
    if not isinstance(body, dict) and not response.is_error:
        return "response is not a JSON object"
    texts = [str(e.get("message", "")) for e in errors if e.get("message")]
    if texts:
        return "; ".join(texts)
    if not response.is_error:
        return '"result": false without an error message'
    return f"HTTP {response.status_code}: {response.reason_phrase or 'request failed'}"


def _wrong_url_message(message: str, response: httpx.Response) -> str:
    return (
        f"{message} (HTTP 404: the API has no endpoint at {_request_url(response)}; "
        "check base_url, which must end in /v1)"
    )


def error_from_response(response: httpx.Response) -> APIError | None:
    """The exception for a failed response, or ``None`` when it succeeded."""
    body = _body(response)
    if not _is_failure(response, body):
        return None
    errors = _errors(body)
    code, first_message = _first(errors)
    status = response.status_code
    cls = error_class(status, code, first_message)
    message = _message(response, body, errors)
    if is_wrong_url(status, code):
        message = _wrong_url_message(message, response)
    kwargs: dict[str, Any] = {"status_code": status, "errors": errors, "body": body}
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers), **kwargs)
    return cls(message, **kwargs)


def _is_failure(response: httpx.Response, body: Any) -> bool:
    if response.is_error:
        return True
    if not isinstance(body, dict):
        return True
    return body.get("result") is False or ("result" not in body and bool(_errors(body)))


def parse_response(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful response; raises the mapped ``APIError`` otherwise."""
    error = error_from_response(response)
    if error is not None:
        raise error
    body: dict[str, Any] = response.json()
    return body


def parse_list_response(response: httpx.Response) -> list[Any]:
    """A bare JSON array (Tool/DetailOpenAPI has no envelope); an envelope is a failure."""
    body = _body(response)
    if isinstance(body, list) and not response.is_error:
        return body
    raise error_from_response(response) or APIError(
        "expected a JSON array", status_code=response.status_code, body=body
    )
