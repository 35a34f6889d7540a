"""The base clients: the one place for configuration, auth, retries and timeouts.

Generated clients subclass ``BaseWiro`` / ``BaseAsyncWiro`` and only add typed
model namespaces that call ``self._run(SPEC, build_input(SPEC, kwargs))``.
Everything that does not touch the network (URLs, headers, bodies, error
mapping, retry decisions) is shared by both through ``_ClientConfig`` and the
pure helper modules; the two classes differ only in how they await I/O.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, Self, TypeVar

import httpx
import pydantic

from ._auth import NonceSource, auth_headers
from ._download import AtomicWriter
from ._errors import APIConnectionError, APIError, APITimeoutError, AuthenticationError
from ._files import FileInput, FilePart, make_part, open_part
from ._input import RequestBody, build_input, encode_run_body
from ._response import error_from_response, parse_response
from ._retry import RetryPolicy, retry_delay
from ._spec import ModelSpec
from ._task import AsyncTask, Task
from ._types import FileInfo, RunResponse

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


class _ClientConfig:
    """Settings and request building shared by the sync and async clients.

    A missing API key raises ``AuthenticationError`` at construction: every
    endpoint needs it, and failing early beats a 401 after uploading files.
    """

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
    ) -> None:
        key = _env(api_key, "WIRO_API_KEY")
        if key is None:
            raise AuthenticationError("no API key: pass api_key= or set WIRO_API_KEY")
        self.api_key = key
        self.api_secret = _env(api_secret, "WIRO_API_SECRET")
        self.base_url = (_env(base_url, "WIRO_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.socket_url = _env(socket_url, "WIRO_SOCKET_URL") or derive_socket_url(self.base_url)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self._clock = clock or time.monotonic
        self._nonce = NonceSource()
        self._rand: Callable[[], float] = random.random

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        return {
            "user-agent": USER_AGENT,
            **auth_headers(self.api_key, self.api_secret, self._nonce),
        }

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        path: str,
        body: RequestBody,
        opened: list[IO[bytes]],
    ) -> httpx.Request:
        """A signed POST (fresh nonce); local files are (re)opened into ``opened``."""
        headers = self._headers()
        if not body.is_multipart:
            return http.build_request("POST", self._url(path), json=body.json, headers=headers)
        files = [
            (part.field, open_part(part, opened))
            if isinstance(part, FilePart)
            else (part[0], (None, part[1]))  # a plain field, in its place among the files
            for part in body.files
        ]
        data = body.data
        return http.build_request("POST", self._url(path), data=data, files=files, headers=headers)

    def _delay(self, attempt: int, failure: BaseException, idempotent: bool) -> float | None:
        return retry_delay(
            self.retry_policy, attempt, failure, idempotent=idempotent, rand=self._rand
        )


def _connection_error(exc: httpx.TransportError) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {exc!r}")
    return APIConnectionError(f"connection error: {exc!r}")


def _as_body(body: RequestBody | Mapping[str, Any]) -> RequestBody:
    return body if isinstance(body, RequestBody) else RequestBody(json=dict(body))


def _upload_body(file: FileInput, folderid: str | None) -> RequestBody:
    value = Path(os.fspath(file)) if isinstance(file, str | os.PathLike) else file
    data: dict[str, str | list[str]] = {"folderid": folderid} if folderid else {}
    return RequestBody(data=data, files=(make_part("file", value),))


def _uploaded(data: dict[str, Any]) -> FileInfo:
    items = data.get("list")
    if not isinstance(items, list) or not items:
        raise APIError("File/Upload returned no file", body=data)
    return FileInfo.model_validate(items[0])


class BaseWiro(_ClientConfig):
    """Synchronous client (httpx.Client). Use as a context manager or call ``close()``.

    ``http_client`` lets callers bring their own ``httpx.Client`` (proxies, transports);
    it is then not closed by ``close()`` and its own timeout applies. ``sleep``/``clock``
    (and ``retry_policy``: backoff base/cap/jitter) are injectable, e.g. for tests.
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
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout)
        self._sleep = sleep or time.sleep

    def _with_retries(self, call: Callable[[], T], *, idempotent: bool) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except (httpx.TransportError, APIError) as exc:
                delay = self._delay(attempt, exc, idempotent)
                if delay is None:
                    if isinstance(exc, httpx.TransportError):
                        raise _connection_error(exc) from exc
                    raise
            self._sleep(delay)
            attempt += 1

    def _post_once(self, path: str, body: RequestBody) -> dict[str, Any]:
        opened: list[IO[bytes]] = []
        with ExitStack() as stack:
            stack.callback(lambda: [f.close() for f in opened])
            request = self._build_request(self._http, path, body, opened)
            return parse_response(self._http.send(request))

    def _post(
        self, path: str, body: RequestBody | Mapping[str, Any], *, idempotent: bool = True
    ) -> dict[str, Any]:
        """POST ``path`` with retries; returns the JSON object of a successful answer."""
        payload = _as_body(body)
        return self._with_retries(lambda: self._post_once(path, payload), idempotent=idempotent)

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
        return self._with_retries(lambda: self._download_once(url, target), idempotent=True)

    def _run(self, spec: ModelSpec, params: pydantic.BaseModel) -> Task:
        """POST the Run request for ``params``; not retried once it may have been sent."""
        data = self._post(spec.run_path, encode_run_body(spec, params), idempotent=False)
        run = RunResponse.model_validate(data)
        return Task(self, taskid=run.taskid, token=run.socketaccesstoken)

    def run_model(self, spec: ModelSpec, /, **params: Any) -> Task:
        """Validate ``params`` (Python or wire names) against ``spec`` and run it."""
        return self._run(spec, build_input(spec, params))

    def task(self, taskid: str | None = None, tasktoken: str | None = None) -> Task:
        """A handle on an existing task (no request is made until it is used)."""
        return Task(self, taskid=taskid, token=tasktoken)

    def upload(self, file: FileInput, *, folderid: str | None = None) -> FileInfo:
        """Upload one file (File/Upload); ``.url`` of the result is usable as a model input."""
        return _uploaded(self._post("/File/Upload", _upload_body(file, folderid)))

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
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout)
        self._sleep = sleep or asyncio.sleep

    async def _with_retries(self, call: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except (httpx.TransportError, APIError) as exc:
                delay = self._delay(attempt, exc, idempotent)
                if delay is None:
                    if isinstance(exc, httpx.TransportError):
                        raise _connection_error(exc) from exc
                    raise
            await self._sleep(delay)
            attempt += 1

    async def _post_once(self, path: str, body: RequestBody) -> dict[str, Any]:
        opened: list[IO[bytes]] = []
        with ExitStack() as stack:
            stack.callback(lambda: [f.close() for f in opened])
            request = self._build_request(self._http, path, body, opened)
            return parse_response(await self._http.send(request))

    async def _post(
        self, path: str, body: RequestBody | Mapping[str, Any], *, idempotent: bool = True
    ) -> dict[str, Any]:
        """POST ``path`` with retries; returns the JSON object of a successful answer."""
        payload = _as_body(body)
        return await self._with_retries(
            lambda: self._post_once(path, payload), idempotent=idempotent
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
        return await self._with_retries(lambda: self._download_once(url, target), idempotent=True)

    async def _run(self, spec: ModelSpec, params: pydantic.BaseModel) -> AsyncTask:
        """POST the Run request for ``params``; not retried once it may have been sent."""
        data = await self._post(spec.run_path, encode_run_body(spec, params), idempotent=False)
        run = RunResponse.model_validate(data)
        return AsyncTask(self, taskid=run.taskid, token=run.socketaccesstoken)

    async def run_model(self, spec: ModelSpec, /, **params: Any) -> AsyncTask:
        """Validate ``params`` (Python or wire names) against ``spec`` and run it."""
        return await self._run(spec, build_input(spec, params))

    def task(self, taskid: str | None = None, tasktoken: str | None = None) -> AsyncTask:
        """A handle on an existing task (no request is made until it is used)."""
        return AsyncTask(self, taskid=taskid, token=tasktoken)

    async def upload(self, file: FileInput, *, folderid: str | None = None) -> FileInfo:
        """Upload one file (File/Upload); ``.url`` of the result is usable as a model input."""
        return _uploaded(await self._post("/File/Upload", _upload_body(file, folderid)))

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
