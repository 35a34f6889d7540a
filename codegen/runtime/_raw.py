"""Raw responses: any API method, called through ``with_raw_response``, returns the
HTTP answer (status, headers, the parsed envelope) alongside its typed result.

The request layer records each answer in a context variable when a raw call is
active (``capture``), so the methods themselves stay unaware of the raw mode and
the sync and async paths share it. A failed answer does not raise at the call:
``parse()`` raises the same typed error the plain method would have raised.
Failures without an answer (connection errors, client-side validation) raise at
once, since there is no response to show.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import httpx

from ._errors import APIError

__all__ = [
    "AsyncRawMethod",
    "RawMethod",
    "RawResponse",
    "async_raw",
    "capture",
    "raw",
    "record",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")

_LAST: ContextVar[list[httpx.Response] | None] = ContextVar("wiro_raw_responses", default=None)


def record(response: httpx.Response) -> None:
    """Called by the request layer for every answer it reads."""
    seen = _LAST.get()
    if seen is not None:
        seen.append(response)


@contextmanager
def capture() -> Iterator[list[httpx.Response]]:
    """Collect the answers of the calls made inside the block (this context only)."""
    seen: list[httpx.Response] = []
    token = _LAST.set(seen)
    try:
        yield seen
    finally:
        _LAST.reset(token)


class RawResponse(Generic[R]):
    """The last HTTP answer of one call, and its typed result (``parse()``)."""

    def __init__(
        self, response: httpx.Response, *, result: R | None = None, error: APIError | None = None
    ) -> None:
        self.http_response = response
        self._result = result
        self._error = error

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def url(self) -> httpx.URL:
        return self.http_response.request.url

    @property
    def elapsed_seconds(self) -> float | None:
        """Time from sending the request to reading the answer, if it was read."""
        try:
            return self.http_response.elapsed.total_seconds()
        except RuntimeError:
            return None

    @property
    def envelope(self) -> Any:
        """The answer's JSON (Wiro's ``{"result", "errors", ...}``); ``None`` if not JSON."""
        try:
            return json.loads(self.http_response.content)
        except ValueError:
            return None

    def parse(self) -> R:
        """The typed result; raises the call's typed error when the answer was a failure."""
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]  # set whenever _error is not

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.url}>"


def _answer(seen: list[httpx.Response], error: APIError) -> httpx.Response:
    if not seen:
        raise error
    return seen[-1]


def call_raw(method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
    """Call ``method`` and wrap its last answer."""
    with capture() as seen:
        try:
            result = method(*args, **kwargs)
        except APIError as exc:
            return RawResponse(_answer(seen, exc), error=exc)
    if not seen:
        raise RuntimeError(f"{getattr(method, '__name__', method)} made no request")
    return RawResponse(seen[-1], result=result)


async def call_raw_async(
    method: Callable[P, Awaitable[R]], *args: P.args, **kwargs: P.kwargs
) -> RawResponse[R]:
    """Await ``method`` and wrap its last answer."""
    with capture() as seen:
        try:
            result = await method(*args, **kwargs)
        except APIError as exc:
            return RawResponse(_answer(seen, exc), error=exc)
    if not seen:
        raise RuntimeError(f"{getattr(method, '__name__', method)} made no request")
    return RawResponse(seen[-1], result=result)


def raw(method: Callable[P, R]) -> Callable[P, RawResponse[R]]:
    """``method`` returning a ``RawResponse`` of its result."""
    return functools.wraps(method)(functools.partial(call_raw, method))


def async_raw(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[RawResponse[R]]]:
    """The async ``method`` returning a ``RawResponse`` of its result."""
    return functools.wraps(method)(functools.partial(call_raw_async, method))


class RawMethod(Generic[S, P, R]):
    """Descriptor: ``Resource.with_raw_response.run(...)`` for a generated ``run``."""

    def __init__(self, method: Callable[Concatenate[S, P], R]) -> None:
        self._method = method

    @overload
    def __get__(self, obj: None, owner: type[S]) -> RawMethod[S, P, R]: ...
    @overload
    def __get__(self, obj: S, owner: type[S]) -> _RawRun[P, RawResponse[R]]: ...
    def __get__(
        self, obj: S | None, owner: type[S]
    ) -> RawMethod[S, P, R] | _RawRun[P, RawResponse[R]]:
        if obj is None:
            return self
        return _RawRun(raw(functools.partial(self._method, obj)))


class AsyncRawMethod(Generic[S, P, R]):
    """Descriptor: ``await AsyncResource.with_raw_response.run(...)``."""

    def __init__(self, method: Callable[Concatenate[S, P], Awaitable[R]]) -> None:
        self._method = method

    @overload
    def __get__(self, obj: None, owner: type[S]) -> AsyncRawMethod[S, P, R]: ...
    @overload
    def __get__(self, obj: S, owner: type[S]) -> _RawRun[P, Awaitable[RawResponse[R]]]: ...
    def __get__(
        self, obj: S | None, owner: type[S]
    ) -> AsyncRawMethod[S, P, R] | _RawRun[P, Awaitable[RawResponse[R]]]:
        if obj is None:
            return self
        return _RawRun(async_raw(functools.partial(self._method, obj)))


class _RawRun(Generic[P, T]):
    """What ``with_raw_response`` gives on a model resource: its ``run``, raw."""

    def __init__(self, run: Callable[P, T]) -> None:
        self.run = run
