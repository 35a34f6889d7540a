"""The base clients: the one place for configuration, auth, retries and timeouts.

Generated clients subclass ``BaseWiro`` / ``BaseAsyncWiro`` and only add typed
model namespaces that call ``self._run(SPEC, build_input(SPEC, kwargs), options)``;
the API's own endpoints are the ``tasks``, ``files`` and ``tools`` resources.
Everything that does not touch the network (URLs, headers, bodies, per-call
options, error mapping, retry decisions, logging) is shared by both through
``_ClientConfig`` and the pure helper modules; the two classes differ only in
how they await I/O.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
import functools
import logging
import os
import platform
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, Self, TypeVar

import httpx
import pydantic

from ._auth import NonceSource, auth_headers
from ._download import AtomicWriter
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
)
from ._files import FilePart, open_part
from ._input import RequestBody, build_input, encode_run_body, form_value
from ._log import body_summary, logger, redact, setup_from_env
from ._options import (
    NO_OPTIONS,
    NOT_GIVEN,
    NotGiven,
    RequestOptions,
    check_base_url,
    check_max_retries,
    check_socket_url,
    check_timeout,
    is_given,
)
from ._raw import record
from ._resources import AsyncFiles, AsyncTasks, AsyncTools, Files, Tasks, Tools
from ._response import error_from_response, parse_response
from ._retry import RetryPolicy, retry_delay
from ._spec import ModelSpec
from ._task import AsyncTask, Task
from ._types import RunResponse

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_SOCKET_URL",
    "DEFAULT_TIMEOUT",
    "BaseAsyncWiro",
    "BaseWiro",
    "derive_socket_url",
]

DEFAULT_BASE_URL = "https://api.wiro.ai/v1"
DEFAULT_SOCKET_URL = "wss://socket.wiro.ai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
USER_AGENT = f"wiro-client-python (python {platform.python_version()})"

T = TypeVar("T")


def derive_socket_url(base_url: str) -> str:
    """The socket URL for ``base_url``: production's, or ws(s)://same-host/v1."""
    if base_url.rstrip("/") == DEFAULT_BASE_URL:
        return DEFAULT_SOCKET_URL
    url = httpx.URL(base_url)
    scheme = "wss" if url.scheme in ("https", "wss") else "ws"
    return f"{scheme}://{url.netloc.decode('ascii')}/v1"


def _env(value: str | None, name: str) -> str | None:
    return value if value else (os.environ.get(name) or None)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client this process builds without an ``http_client`` shares.

    httpx builds one per client, and loading the CA bundle is most of what building a
    client costs (about 40 ms): a program, or a test suite, that builds many clients pays
    it once. Built on first use, so ``SSL_CERT_FILE``/``SSL_CERT_DIR`` set before then
    apply.
    """
    return httpx.create_ssl_context()


class _ClientConfig:
    """Settings and request building shared by the sync and async clients.

    A missing API key raises ``AuthenticationError`` at construction when the
    client talks to Wiro (every endpoint there needs it, and failing early beats
    a 401 after uploading files); at another ``base_url`` (a mock started with
    ``--no-auth``) no key means no auth headers.
    Every setting is checked here (``ConfigurationError``), for the constructor
    and ``with_options`` alike.
    """

    _owns_http: bool

    def __init__(
        self,
        *,
        api_key: str | None,
        api_secret: str | None,
        base_url: str | None,
        socket_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        clock: Callable[[], float] | None,
        own_timeout: bool,
    ) -> None:
        setup_from_env()
        self.base_url = check_base_url(_env(base_url, "WIRO_BASE_URL") or DEFAULT_BASE_URL)
        self.api_key = _env(api_key, "WIRO_API_KEY")
        if self.api_key is None and self.base_url.rstrip("/") == DEFAULT_BASE_URL:
            raise AuthenticationError(
                "no API key: pass api_key= or set WIRO_API_KEY (only a mock started with "
                "--no-auth, at its own base_url, takes requests without one)"
            )
        self.api_secret = _env(api_secret, "WIRO_API_SECRET")
        socket = _env(socket_url, "WIRO_SOCKET_URL")
        self.socket_url = check_socket_url(socket) if socket else derive_socket_url(self.base_url)
        self.timeout = check_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=check_max_retries(max_retries))
        #: Sent with each request; None leaves a caller's own http_client its timeout.
        self._request_timeout: httpx.Timeout | None = self.timeout if own_timeout else None
        self._clock = clock or time.monotonic
        self._nonce = NonceSource()
        self._rand: Callable[[], float] = random.random

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        api_secret: str | NotGiven | None = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        socket_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with some settings changed, sharing its connection pool.

        Closing the copy leaves the pool open (the original owns it). A new
        ``base_url`` also moves the socket URL, unless ``socket_url`` is given.
        """
        clone = _copy.copy(self)
        clone._owns_http = False
        if is_given(api_key):
            if not isinstance(api_key, str) or not api_key:
                raise ConfigurationError("api_key must be a non-empty string")
            clone.api_key = api_key
        if is_given(api_secret):
            clone.api_secret = api_secret or None
        if is_given(base_url):
            clone.base_url = check_base_url(base_url)
            clone.socket_url = derive_socket_url(clone.base_url)
        if is_given(socket_url):
            clone.socket_url = check_socket_url(socket_url)
        if is_given(timeout):
            clone.timeout = clone._request_timeout = check_timeout(timeout)
        if is_given(max_retries):
            retries = check_max_retries(max_retries)
            clone.retry_policy = dataclasses.replace(self.retry_policy, max_retries=retries)
        return clone

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        return {
            "user-agent": USER_AGENT,
            **auth_headers(self.api_key, self.api_secret, self._nonce),
            **extra,
        }

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        path: str,
        body: RequestBody,
        opened: list[IO[bytes]],
        options: RequestOptions,
    ) -> httpx.Request:
        """A signed POST (fresh nonce) with the call's extras; local files are
        (re)opened into ``opened``."""
        timeout = options.timeout or self._request_timeout
        headers = self._headers(options.extra_headers)
        common: dict[str, Any] = {
            "headers": headers,
            "params": dict(options.extra_query) or None,
            "timeout": timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        }
        if not body.is_multipart:
            payload = {**(body.json or {}), **options.extra_body}
            _log_request(path, headers, payload)
            return http.build_request("POST", self._url(path), json=payload, **common)
        files = [
            (part.field, open_part(part, opened))
            if isinstance(part, FilePart)
            else (part[0], (None, part[1]))  # a plain field, in its place among the files
            for part in body.files
        ]
        data = {**body.data, **{k: form_value(v) for k, v in options.extra_body.items()}}
        _log_request(path, headers, data)
        return http.build_request("POST", self._url(path), data=data, files=files, **common)

    def _delay(self, attempt: int, failure: BaseException, idempotent: bool) -> float | None:
        delay = retry_delay(
            self.retry_policy, attempt, failure, idempotent=idempotent, rand=self._rand
        )
        if delay is not None:
            logger.info(
                "retrying in %.2f s (retry %d of %d) after %s",
                delay,
                attempt + 1,
                self.retry_policy.max_retries,
                _failure_text(failure),
            )
        return delay

    def _transport_error(self, exc: httpx.TransportError, path: str) -> APIConnectionError:
        url = path if "://" in path else self._url(path)
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"request to {url} timed out: {exc!r}")
        return APIConnectionError(f"cannot reach {url}: {exc!r}")


def _read(response: httpx.Response, parse: Callable[[httpx.Response], T]) -> T:
    """Log and record an answer, then parse it (raising its typed error)."""
    request = response.request
    logger.info("%s %s -> %d", request.method, request.url, response.status_code)
    record(response)
    return parse(response)


def _log_request(path: str, headers: Mapping[str, str], body: object) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("POST %s headers=%s body=%s", path, redact(headers), body_summary(body))


def _failure_text(failure: BaseException) -> str:
    if isinstance(failure, APIError) and failure.status_code is not None:
        return f"HTTP {failure.status_code}: {failure.message}"
    return type(failure).__name__


def _as_body(body: RequestBody | Mapping[str, Any]) -> RequestBody:
    return body if isinstance(body, RequestBody) else RequestBody(json=dict(body))


class BaseWiro(_ClientConfig):
    """Synchronous client (httpx.Client). Use as a context manager or call ``close()``.

    ``http_client`` lets callers bring their own ``httpx.Client`` (proxies, transports);
    it is then not closed by ``close()`` and its own timeout applies (unless
    ``with_options`` or a call sets one). ``sleep``/``clock`` (and ``retry_policy``:
    backoff base/cap/jitter) are injectable, e.g. for tests.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        socket_url: str | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            base_url=base_url,
            socket_url=socket_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            clock=clock,
            own_timeout=http_client is None,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, verify=tls_context())
        self._sleep = sleep or time.sleep

    @property
    def tasks(self) -> Tasks:
        """Task/Detail, Task/List, Task/Cancel, Task/Kill and Task/InputOutputDelete."""
        return Tasks(self)

    @property
    def files(self) -> Files:
        """File/Upload and File/FolderCreate."""
        return Files(self)

    @property
    def tools(self) -> Tools:
        """The model catalogue: Tool/List, Tool/Detail, Tool/Explore, Tool/DetailOpenAPI."""
        return Tools(self)

    def _with_retries(self, call: Callable[[], T], path: str, *, idempotent: bool) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except (httpx.TransportError, APIError) as exc:
                delay = self._delay(attempt, exc, idempotent)
                if delay is None:
                    if isinstance(exc, httpx.TransportError):
                        raise self._transport_error(exc, path) from exc
                    raise
            self._sleep(delay)
            attempt += 1

    def _send(
        self,
        path: str,
        body: RequestBody,
        parse: Callable[[httpx.Response], T],
        options: RequestOptions,
    ) -> T:
        opened: list[IO[bytes]] = []
        with ExitStack() as stack:
            stack.callback(lambda: [f.close() for f in opened])
            request = self._build_request(self._http, path, body, opened, options)
            return _read(self._http.send(request), parse)

    def _post(
        self,
        path: str,
        body: RequestBody | Mapping[str, Any],
        *,
        idempotent: bool = True,
        options: RequestOptions = NO_OPTIONS,
    ) -> dict[str, Any]:
        """POST ``path`` with retries; returns the JSON object of a successful answer."""
        return self._request(path, body, parse_response, idempotent=idempotent, options=options)

    def _request(
        self,
        path: str,
        body: RequestBody | Mapping[str, Any],
        parse: Callable[[httpx.Response], T],
        *,
        idempotent: bool = True,
        options: RequestOptions = NO_OPTIONS,
    ) -> T:
        """POST ``path`` with retries; ``parse`` reads a successful answer or raises."""
        payload = _as_body(body)
        return self._with_retries(
            lambda: self._send(path, payload, parse, options), path, idempotent=idempotent
        )

    def _download_once(self, url: str, target: Path) -> Path:
        with self._http.stream("GET", url, headers={"user-agent": USER_AGENT}) as response:
            if response.is_error:
                response.read()
                raise error_from_response(response) or APIError(f"GET {url} failed")
            with AtomicWriter(target) as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        return target

    def _download(self, url: str, target: Path) -> Path:
        """GET ``url`` (unsigned: output URLs are public CDN links) into ``target``."""
        return self._with_retries(lambda: self._download_once(url, target), url, idempotent=True)

    def _run(
        self, spec: ModelSpec, params: pydantic.BaseModel, options: RequestOptions = NO_OPTIONS
    ) -> Task:
        """POST the Run request for ``params``; not retried once it may have been sent."""
        body = encode_run_body(spec, params)
        data = self._post(spec.run_path, body, idempotent=False, options=options)
        run = RunResponse.model_validate(data)
        logger.info("task %s started (%s)", run.taskid, spec.slug)
        return Task(self, taskid=run.taskid, token=run.socketaccesstoken)

    def run_model(self, spec: ModelSpec, /, **params: Any) -> Task:
        """Validate ``params`` (Python or wire names) against ``spec`` and run it."""
        return self._run(spec, build_input(spec, params))

    def task(self, taskid: str | None = None, tasktoken: str | None = None) -> Task:
        """A handle on an existing task (no request is made until it is used)."""
        return Task(self, taskid=taskid, token=tasktoken)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class BaseAsyncWiro(_ClientConfig):
    """Asynchronous client (httpx.AsyncClient); same options as ``BaseWiro``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        socket_url: str | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            api_secret=api_secret,
            base_url=base_url,
            socket_url=socket_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            clock=clock,
            own_timeout=http_client is None,
        )
        self._owns_http = http_client is None
        import asyncio  # here, not at import: most programs never build an async client

        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, verify=tls_context())
        self._sleep = sleep or asyncio.sleep

    @property
    def tasks(self) -> AsyncTasks:
        """Task/Detail, Task/List, Task/Cancel, Task/Kill and Task/InputOutputDelete."""
        return AsyncTasks(self)

    @property
    def files(self) -> AsyncFiles:
        """File/Upload and File/FolderCreate."""
        return AsyncFiles(self)

    @property
    def tools(self) -> AsyncTools:
        """The model catalogue: Tool/List, Tool/Detail, Tool/Explore, Tool/DetailOpenAPI."""
        return AsyncTools(self)

    async def _with_retries(
        self, call: Callable[[], Awaitable[T]], path: str, *, idempotent: bool
    ) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except (httpx.TransportError, APIError) as exc:
                delay = self._delay(attempt, exc, idempotent)
                if delay is None:
                    if isinstance(exc, httpx.TransportError):
                        raise self._transport_error(exc, path) from exc
                    raise
            await self._sleep(delay)
            attempt += 1

    async def _send(
        self,
        path: str,
        body: RequestBody,
        parse: Callable[[httpx.Response], T],
        options: RequestOptions,
    ) -> T:
        opened: list[IO[bytes]] = []
        with ExitStack() as stack:
            stack.callback(lambda: [f.close() for f in opened])
            request = self._build_request(self._http, path, body, opened, options)
            return _read(await self._http.send(request), parse)

    async def _post(
        self,
        path: str,
        body: RequestBody | Mapping[str, Any],
        *,
        idempotent: bool = True,
        options: RequestOptions = NO_OPTIONS,
    ) -> dict[str, Any]:
        """POST ``path`` with retries; returns the JSON object of a successful answer."""
        return await self._request(
            path, body, parse_response, idempotent=idempotent, options=options
        )

    async def _request(
        self,
        path: str,
        body: RequestBody | Mapping[str, Any],
        parse: Callable[[httpx.Response], T],
        *,
        idempotent: bool = True,
        options: RequestOptions = NO_OPTIONS,
    ) -> T:
        """POST ``path`` with retries; ``parse`` reads a successful answer or raises."""
        payload = _as_body(body)
        return await self._with_retries(
            lambda: self._send(path, payload, parse, options), path, idempotent=idempotent
        )

    async def _download_once(self, url: str, target: Path) -> Path:
        async with self._http.stream("GET", url, headers={"user-agent": USER_AGENT}) as response:
            if response.is_error:
                await response.aread()
                raise error_from_response(response) or APIError(f"GET {url} failed")
            with AtomicWriter(target) as handle:
                async for chunk in response.aiter_bytes():
                    handle.write(chunk)
        return target

    async def _download(self, url: str, target: Path) -> Path:
        """GET ``url`` (unsigned: output URLs are public CDN links) into ``target``."""
        return await self._with_retries(
            lambda: self._download_once(url, target), url, idempotent=True
        )

    async def _run(
        self, spec: ModelSpec, params: pydantic.BaseModel, options: RequestOptions = NO_OPTIONS
    ) -> AsyncTask:
        """POST the Run request for ``params``; not retried once it may have been sent."""
        body = encode_run_body(spec, params)
        data = await self._post(spec.run_path, body, idempotent=False, options=options)
        run = RunResponse.model_validate(data)
        logger.info("task %s started (%s)", run.taskid, spec.slug)
        return AsyncTask(self, taskid=run.taskid, token=run.socketaccesstoken)

    async def run_model(self, spec: ModelSpec, /, **params: Any) -> AsyncTask:
        """Validate ``params`` (Python or wire names) against ``spec`` and run it."""
        return await self._run(spec, build_input(spec, params))

    def task(self, taskid: str | None = None, tasktoken: str | None = None) -> AsyncTask:
        """A handle on an existing task (no request is made until it is used)."""
        return AsyncTask(self, taskid=taskid, token=tasktoken)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
