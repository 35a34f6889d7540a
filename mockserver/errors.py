"""The mock's one exception hierarchy: every error it raises on purpose is a `MockError`.

Each carries the Wiro error code, message and HTTP status, so one exception handler
renders every failure as Wiro's envelope (`{"result": false, "errors": [...]}`) and no
request ever ends in an unshaped 500.

HTTP status: Wiro answers API errors (validation, unknown model or task, task state,
limits) with HTTP 200 and `result: false` (its error reference); only auth (401) and an
unknown URL (404) use the HTTP status. Such errors set `in_body`; their `status` is the
HTTP status sent instead under `--http-errors`, and always on the admin API, which keeps
HTTP semantics. Body limits (413), a stalled body (408), unsupported media (415), an
admin request from another site (403), injected faults and a store
outage (503) are HTTP-level in both modes.
"""

from __future__ import annotations

import json
from typing import Any

# Wiro's error codes (its error reference).
CODE_GENERAL = 0
CODE_NOT_FOUND = 1
CODE_CONCURRENCY = 96
CODE_BALANCE = 97


class MockError(Exception):
    """An error that becomes a Wiro envelope; `status_for` picks its HTTP status."""

    status: int = 400
    code: int = CODE_GENERAL
    #: Wiro reports it as HTTP 200 with `result: false` (see the module docstring).
    in_body: bool = False

    def __init__(
        self,
        message: str | list[str],
        *,
        code: int | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.messages = [message] if isinstance(message, str) else list(message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        super().__init__("; ".join(self.messages))

    def status_for(self, http_errors: bool) -> int:
        """The HTTP status to send: 200 for an in-body error unless HTTP errors are wanted."""
        return self.status if http_errors or not self.in_body else 200

    def errors(self) -> list[dict[str, Any]]:
        return [{"code": self.code, "message": m} for m in self.messages]

    def body(self) -> bytes:
        return envelope_error(self.errors())


class AuthError(MockError):
    """Missing, unknown or wrong credentials (HTTP 401, code 0 as Wiro sends it)."""

    status = 401


class ValidationError(MockError):
    """A request body that does not fit the model's schema (code 0; 400 with HTTP errors)."""

    in_body = True


class NotFoundError(MockError):
    """An unknown task or model (code 1; 404 with HTTP errors and on the admin API)."""

    status = 404
    code = CODE_NOT_FOUND
    in_body = True


class UnknownRouteError(MockError):
    """A URL the API does not have: Wiro's HTTP 404, code 0, `Error parsing url.`."""

    status = 404

    def __init__(self, message: str = "Error parsing url.") -> None:
        super().__init__(message)


class MissingFileError(MockError):
    """A file URL (a GET, like Wiro's CDN) that names no stored file: plain HTTP 404."""

    status = 404
    code = CODE_NOT_FOUND


class TaskStateError(MockError):
    """A task operation not allowed in the task's current status (code 1)."""

    code = CODE_NOT_FOUND
    in_body = True


class LimitError(MockError):
    """A production limit the mock mirrors: concurrency (96) or balance (97)."""

    in_body = True


class BodyTooLargeError(MockError):
    """The request body is larger than the configured limit (HTTP 413)."""

    status = 413


class BodyTimeoutError(MockError):
    """The request body stopped arriving for `limits.body_timeout` seconds (HTTP 408). The
    answer closes the connection: the rest of that body can never be told from a next request."""

    status = 408

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Request body was not received: no data for {seconds:g} seconds.",
            headers={"connection": "close"},
        )


class AdminForbiddenError(MockError):
    """An admin request (no admin token configured) whose `Host` is not loopback or whose
    `Origin` is another site: what DNS rebinding and cross-site forms send (HTTP 403)."""

    status = 403


class ScenarioError(MockError):
    """An `x-mock-scenario` that names no fault rule and no built-in scenario (HTTP 400 in
    both modes): a misspelt scenario must fail the test that sent it, not pass unfaulted."""


class InjectedError(MockError):
    """An HTTP error a fault rule asked for (429, 500, 503)."""


class StoreUnavailableError(MockError):
    """The shared store (Redis) cannot be reached: HTTP 503 with Retry-After, so clients
    back off and retry; nothing acknowledged before is lost."""

    status = 503

    def __init__(self, message: str = "Service unavailable. Please retry later.") -> None:
        super().__init__(message, headers={"retry-after": "1"})


class StoreFormatError(StoreUnavailableError):
    """The shared store holds data in a format this mock does not read (a task record or
    the control state written by a mock of another version under the same key prefix):
    served like an outage, with the message saying which format was found."""


class SocketFrameError(MockError):
    """A task-socket frame the mock cannot act on. Never an HTTP response: it becomes Wiro's
    error frame on the socket (with `token`, the task it named, when there is one), then the
    close code `close`: 1008 (policy) for bad input, or None to keep the socket open when
    only this frame is refused (an unknown message type, a subscription over the limit)."""

    def __init__(
        self,
        message: str,
        *,
        close: int | None = 1008,
        code: int | None = None,
        token: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.close = close
        self.token = token


class ConfigError(MockError):
    """The configuration (mock.toml and the command line) is not one the mock can run:
    one line per problem, naming the file, the key and what was expected."""


class ModelSourceError(MockError):
    """The models to serve cannot be loaded at start-up: a missing or empty specs folder, a
    package without a readable catalogue.json, or two sources at once. Never served as a
    response: a mock with no models would only fail later, one request at a time, so
    `wiro-mock` prints the one line and exits 2 and the pytest plugin fails the session."""

    status = 500


class DropConnection(Exception):
    """Raised after the response started to make the server close the socket abruptly."""


#: How every error body starts: `envelope_error` writes `result` first, so a response is
#: known to be a refusal from its first bytes (the journal's `result`, whatever the status).
ERROR_PREFIX = b'{"result":false'


def envelope_error(errors: list[dict[str, Any]]) -> bytes:
    return json.dumps({"result": False, "errors": errors}, separators=(",", ":")).encode()


def is_error_body(body: bytes) -> bool:
    return body.startswith(ERROR_PREFIX)
