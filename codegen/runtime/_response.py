"""Reading the API envelope and mapping failures to exceptions.

Wiro reports errors both as HTTP statuses and as ``{"result": false, "errors": [...]}``
with HTTP 200, so both paths go through ``error_from_response``.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._errors import APIError, AuthenticationError, NotFoundError, RateLimitError
from ._retry import parse_retry_after

__all__ = ["error_from_response", "parse_response"]

AUTH_CODES = frozenset({98, 99})
_AUTH_WORDS = ("authorization", "authentication")
_NOT_FOUND_WORDS = ("not-exist", "not exist", "no task", "not found")


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _errors(body: Any) -> list[dict[str, Any]]:
    raw = body.get("errors") if isinstance(body, dict) else None
    return [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []


def _message(response: httpx.Response, errors: list[dict[str, Any]]) -> str:
    texts = [str(e.get("message", "")) for e in errors if e.get("message")]
    if texts:
        return "; ".join(texts)
    reason = response.reason_phrase or "request failed"
    return f"HTTP {response.status_code}: {reason}"


def _is_failure(response: httpx.Response, body: Any) -> bool:
    if response.is_error:
        return True
    if not isinstance(body, dict):
        return True
    return body.get("result") is False or ("result" not in body and bool(_errors(body)))


def _error_class(status: int, errors: list[dict[str, Any]], message: str) -> type[APIError]:
    codes = {e.get("code") for e in errors}
    lower = message.lower()
    if status == 401 or codes & AUTH_CODES or any(w in lower for w in _AUTH_WORDS):
        return AuthenticationError
    if status == 429:
        return RateLimitError
    if status == 404 or (1 in codes and any(w in lower for w in _NOT_FOUND_WORDS)):
        return NotFoundError
    return APIError


def error_from_response(response: httpx.Response) -> APIError | None:
    """The exception for a failed response, or ``None`` when it succeeded."""
    body = _body(response)
    if not _is_failure(response, body):
        return None
    errors = _errors(body)
    message = _message(response, errors)
    if not isinstance(body, dict) and not response.is_error:
        message = "response is not a JSON object"
    cls = _error_class(response.status_code, errors, message)
    kwargs: dict[str, Any] = {"status_code": response.status_code, "errors": errors, "body": body}
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers), **kwargs)
    return cls(message, **kwargs)


def parse_response(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful response; raises the mapped ``APIError`` otherwise."""
    error = error_from_response(response)
    if error is not None:
        raise error
    body: dict[str, Any] = response.json()
    return body
