"""What a caller may set per client or per call, and the one check of each setting.

``NOT_GIVEN`` marks an argument the caller did not pass: an optional model input
left at ``NOT_GIVEN`` is not sent, so Wiro's own default applies (a documented
default is shown in help and docstrings, never sent on the caller's behalf).
``None`` is a value like any other and is never read as "unset".

``RequestOptions`` carries the per-call extras (``extra_headers``, ``extra_query``,
``extra_body``, ``timeout``) from a resource method down to the one place that
builds requests; the ``check_*`` functions validate settings for both the
constructor and ``with_options`` so a bad value fails before any request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypedDict, TypeGuard, TypeVar

import httpx

from ._errors import ConfigurationError

__all__ = [
    "NOT_GIVEN",
    "NO_OPTIONS",
    "Body",
    "CallOptions",
    "Headers",
    "NotGiven",
    "Query",
    "RequestOptions",
    "Timeout",
    "check_base_url",
    "check_max_retries",
    "check_socket_url",
    "check_timeout",
    "is_given",
    "request_options",
]

T = TypeVar("T")

Headers = Mapping[str, str]
Query = Mapping[str, str | int | float | bool]
Body = Mapping[str, Any]
Timeout = float | httpx.Timeout


class NotGiven:
    """The type of ``NOT_GIVEN``: "the caller did not pass this argument".

    Falsy, so ``if value:`` treats it like an empty value; compare with
    ``is_given`` when ``None``, ``0`` or ``""`` are meaningful.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class CallOptions(TypedDict, total=False):
    """The per-call extras every API method takes as keywords (``**options``)."""

    extra_headers: Headers | None
    """Sent with this request, over the client's own (credentials excepted: never logged)."""
    extra_query: Query | None
    """Added to the URL's query string."""
    extra_body: Body | None
    """Merged into the request body (JSON, or text fields of a multipart body)."""
    timeout: Timeout | NotGiven
    """This request's timeout, in seconds or as ``httpx.Timeout``."""


def is_given(value: T | NotGiven) -> TypeGuard[T]:
    """True unless ``value`` is ``NOT_GIVEN``."""
    return not isinstance(value, NotGiven)


def check_timeout(value: object, name: str = "timeout") -> httpx.Timeout:
    """A positive finite number of seconds, or an ``httpx.Timeout``."""
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(
            f"{name} must be seconds (a number) or httpx.Timeout, got {value!r}"
        )
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"{name} must be a positive finite number of seconds, got {value!r}"
        )
    return httpx.Timeout(float(value))


def check_max_retries(value: object) -> int:
    """A whole number from 0 (no retries) to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ConfigurationError(f"max_retries must be an integer from 0 to 100, got {value!r}")
    return value


def check_base_url(value: object, name: str = "base_url", schemes: str = "http(s)") -> str:
    """An absolute http(s) URL (ws(s) for the socket), without its trailing slash."""
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, got {value!r}")
    try:
        url = httpx.URL(value.strip())
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"{name} {value!r} is not a URL: {exc}") from None
    allowed = ("ws", "wss") if schemes == "ws(s)" else ("http", "https")
    if url.scheme not in allowed or not url.host:
        raise ConfigurationError(f"{name} must be a {schemes} URL with a host, got {value!r}")
    return str(url).rstrip("/")


def check_socket_url(value: object) -> str:
    """An absolute ws(s) URL."""
    return check_base_url(value, "socket_url", "ws(s)")


def _check_mapping(value: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigurationError(f"{name} must be a mapping with string keys, got {value!r}")
    return dict(value)


def _check_headers(value: object) -> dict[str, str]:
    headers = _check_mapping(value, "extra_headers")
    for key, item in headers.items():
        if not isinstance(item, str):
            raise ConfigurationError(f"extra_headers[{key!r}] must be a string, got {item!r}")
        if any(c in key + item for c in "\r\n\0"):
            raise ConfigurationError(f"extra_headers[{key!r}] contains a line break or NUL")
    return headers


@dataclass(frozen=True)
class RequestOptions:
    """Per-call extras, already validated (see ``request_options``)."""

    extra_headers: Mapping[str, str] = field(default_factory=dict)
    extra_query: Mapping[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    timeout: httpx.Timeout | None = None


#: No extras: what internal calls use.
NO_OPTIONS: Final = RequestOptions()


def request_options(options: Mapping[str, object]) -> RequestOptions:
    """Validate one call's extras (``CallOptions``); ``NO_OPTIONS`` when there are none.

    ``**options`` accepts any keyword at run time, so a misspelt input or option
    lands here: it is refused like Python refuses an unknown keyword.
    """
    unknown = sorted(set(options) - set(CallOptions.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    result = RequestOptions(
        extra_headers=_check_headers(options.get("extra_headers")),
        extra_query=_check_mapping(options.get("extra_query"), "extra_query"),
        extra_body=_check_mapping(options.get("extra_body"), "extra_body"),
        timeout=check_timeout(options["timeout"])
        if is_given(options.get("timeout", NOT_GIVEN))
        else None,
    )
    return NO_OPTIONS if result == NO_OPTIONS else result
