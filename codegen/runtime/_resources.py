"""The API's own endpoints as resources: ``client.tasks``, ``client.files``, ``client.tools``.

Each endpoint is one request builder and one answer reader, both pure and shared
by the sync and async classes, which only differ in how they await the request.
Every method takes the per-call ``**options`` (``CallOptions``), and each
resource's ``with_raw_response`` offers the same methods returning ``RawResponse``.
Listing methods page through results (``start``/``limit``, as Wiro's clients
do) and stop when a page comes back short or ``total`` is reached.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from ._errors import NotFoundError, ValidationError
from ._files import FileInput, make_part
from ._input import RequestBody
from ._options import CallOptions, request_options
from ._raw import async_raw, raw
from ._response import parse_list_response
from ._task import AsyncTask, Task
from ._types import (
    ExploreSection,
    FileInfo,
    TaskDetail,
    TaskPage,
    ToolDetail,
    ToolInfo,
    ToolPage,
    ToolSpec,
)
from ._wait import first_task, task_ref

if TYPE_CHECKING:
    from ._client import BaseAsyncWiro, BaseWiro

__all__ = ["AsyncFiles", "AsyncTasks", "AsyncTools", "Files", "Tasks", "Tools"]

#: Page size of the listing iterators (Wiro's own default for both lists).
PAGE_SIZE = 20
#: The most Tool/List returns per page (WIRO_CLIENTS.md 3.1); Task/List allows more.
MAX_PAGE_SIZE = 100


# -- request builders and answer readers (pure) -----------------------------------------


def _page_args(start: int, limit: int) -> dict[str, str]:
    for name, value, low in (("start", start, 0), ("limit", limit, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValidationError(f"{name} must be an integer >= {low}, got {value!r}", field=name)
    return {"start": str(start), "limit": str(limit)}


def _task_list_body(
    start: int, limit: int, model: str | None, status: str | Sequence[str] | None, order: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "model", "sort": "id", "order": _order(order)}
    body.update(_page_args(start, limit))
    if model:
        body["modelName"] = model
    if status:
        body["status"] = [status] if isinstance(status, str) else list(status)
    return body


def _order(order: str) -> str:
    upper = str(order).upper()
    if upper not in ("ASC", "DESC"):
        raise ValidationError(f"order must be 'ASC' or 'DESC', got {order!r}", field="order")
    return upper


def _tool_list_body(start: int, limit: int, filters: dict[str, Any]) -> dict[str, Any]:
    if limit > MAX_PAGE_SIZE:
        raise ValidationError(f"limit must be at most {MAX_PAGE_SIZE}, got {limit}", field="limit")
    body: dict[str, Any] = _page_args(start, limit)
    wire = {"owner": "slugowner", "hide_workflows": "hideworkflows"}
    for name, value in filters.items():
        if name == "order" and value is not None:
            value = _order(value)
        if value is not None:
            body[wire.get(name, name)] = list(value) if isinstance(value, list | tuple) else value
    return body


def _model_ref(model: str) -> dict[str, str]:
    """``owner/project`` (display or clean form) as Tool/Detail's two fields."""
    owner, sep, project = str(model).strip().partition("/")
    if not sep or not owner.strip() or not project.strip():
        raise ValidationError(f"model must be 'owner/project', got {model!r}", field="model")
    return {"slugowner": owner.strip(), "slugproject": project.strip()}


def _upload_body(file: FileInput, folder_id: str | None) -> RequestBody:
    value = Path(os.fspath(file)) if isinstance(file, str | os.PathLike) else file
    data: dict[str, str | list[str]] = {"folderid": folder_id} if folder_id else {}
    return RequestBody(data=data, files=(make_part("file", value),))


def _folder_body(name: str, parent_id: str | None) -> dict[str, str]:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name must be a non-empty string", field="name")
    return {"name": name, **({"parentid": parent_id} if parent_id else {})}


def _first_file(data: dict[str, Any]) -> FileInfo:
    items = data.get("list")
    if not isinstance(items, list) or not items:
        raise NotFoundError("the answer lists no file", body=data)
    return FileInfo.model_validate(items[0])


def _first_tool(data: dict[str, Any]) -> ToolDetail:
    items = data.get("tool")
    if not isinstance(items, list) or not items:
        raise NotFoundError("the answer lists no model", body=data)
    return ToolDetail.model_validate(items[0])


def _sections(data: dict[str, Any]) -> builtins.list[ExploreSection]:
    items = data.get("explore")
    return [ExploreSection.model_validate(i) for i in items] if isinstance(items, list) else []


def _specs(items: list[Any]) -> builtins.list[ToolSpec]:
    return [ToolSpec.model_validate(i) for i in items if isinstance(i, dict)]


def next_start(start: int, count: int, limit: int, total: int | None) -> int | None:
    """Where the next page starts, or None after the last one (short page or ``total``)."""
    following = start + count
    if count < limit or count == 0 or (total is not None and following >= total):
        return None
    return following


# -- sync --------------------------------------------------------------------------------


class _Resource:
    def __init__(self, client: BaseWiro) -> None:
        self._client = client


class Tasks(_Resource):
    """Tasks of the project: ``client.tasks.detail(taskid)``, ``client.tasks.list()``."""

    def get(self, taskid: str | None = None, *, token: str | None = None) -> Task:
        """A handle on an existing task (``wait``, ``download``, ...); sends nothing yet."""
        return Task(self._client, taskid=taskid, token=token)

    def detail(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Detail by id or socket access token."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        return first_task(self._client._post("/Task/Detail", body, options=opts))

    def cancel(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Cancel (a queued task)."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        return first_task(self._client._post("/Task/Cancel", body, options=opts))

    def kill(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Kill (a running task)."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        return first_task(self._client._post("/Task/Kill", body, options=opts))

    def delete_io(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> None:
        """Task/InputOutputDelete: remove a finished task's input and output files."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        self._client._post("/Task/InputOutputDelete", body, options=opts)

    def list_page(
        self,
        *,
        start: int = 0,
        limit: int = PAGE_SIZE,
        model: str | None = None,
        status: str | Sequence[str] | None = None,
        order: str = "DESC",
        **options: Unpack[CallOptions],
    ) -> TaskPage:
        """One page of Task/List (newest first by default); ``model`` is a slug or part of one."""
        opts = request_options(options)
        body = _task_list_body(start, limit, model, status, order)
        data = self._client._post("/Task/List", body, options=opts)
        return TaskPage.model_validate(data)

    def list(
        self,
        *,
        model: str | None = None,
        status: str | Sequence[str] | None = None,
        order: str = "DESC",
        page_size: int = PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> Iterator[TaskDetail]:
        """Every task matching the filters, fetching pages of ``page_size`` as you iterate."""
        _task_list_body(0, page_size, model, status, order)  # refuse bad filters now
        request_options(options)
        return self._pages(model, status, order, page_size, options)

    def _pages(
        self,
        model: str | None,
        status: str | Sequence[str] | None,
        order: str,
        limit: int,
        options: CallOptions,
    ) -> Iterator[TaskDetail]:
        start: int | None = 0
        while start is not None:
            page = self.list_page(
                start=start, limit=limit, model=model, status=status, order=order, **options
            )
            yield from page.tasks
            start = next_start(start, len(page.tasks), limit, page.total)

    @property
    def with_raw_response(self) -> TasksWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return TasksWithRawResponse(self)


class TasksWithRawResponse:
    def __init__(self, tasks: Tasks) -> None:
        self.detail = raw(tasks.detail)
        self.cancel = raw(tasks.cancel)
        self.kill = raw(tasks.kill)
        self.delete_io = raw(tasks.delete_io)
        self.list_page = raw(tasks.list_page)


class Files(_Resource):
    """The project's files: ``client.files.upload(path)``."""

    def upload(
        self, file: FileInput, *, folder_id: str | None = None, **options: Unpack[CallOptions]
    ) -> FileInfo:
        """File/Upload one file; ``.url`` of the result is usable as a model input."""
        opts = request_options(options)
        body = _upload_body(file, folder_id)
        return _first_file(self._client._post("/File/Upload", body, options=opts))

    def create_folder(
        self, name: str, *, parent_id: str | None = None, **options: Unpack[CallOptions]
    ) -> FileInfo:
        """File/FolderCreate; upload into it with ``upload(..., folder_id=folder.id)``."""
        opts = request_options(options)
        body = _folder_body(name, parent_id)
        data = self._client._post("/File/FolderCreate", body, options=opts)
        return _first_file(data)

    @property
    def with_raw_response(self) -> FilesWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return FilesWithRawResponse(self)


class FilesWithRawResponse:
    def __init__(self, files: Files) -> None:
        self.upload = raw(files.upload)
        self.create_folder = raw(files.create_folder)


class Tools(_Resource):
    """The model catalogue as Wiro serves it: ``client.tools.list(search="flux")``."""

    def list_page(
        self,
        *,
        start: int = 0,
        limit: int = PAGE_SIZE,
        search: str | None = None,
        categories: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        owner: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        hide_workflows: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> ToolPage:
        """One page of Tool/List; unset filters are not sent."""
        opts = request_options(options)
        filters = {
            "search": search,
            "categories": categories,
            "tags": tags,
            "owner": owner,
            "sort": sort,
            "order": order,
            "hide_workflows": hide_workflows,
        }
        body = _tool_list_body(start, limit, filters)
        data = self._client._post("/Tool/List", body, options=opts)
        return ToolPage.model_validate(data)

    def list(
        self,
        *,
        search: str | None = None,
        categories: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        owner: str | None = None,
        page_size: int = PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> Iterator[ToolInfo]:
        """Every model matching the filters, fetching pages as you iterate."""
        filters = {"search": search, "categories": categories, "tags": tags, "owner": owner}
        _tool_list_body(0, page_size, filters)  # refuse bad filters now
        request_options(options)
        return self._pages(filters, page_size, options)

    def _pages(
        self, filters: dict[str, Any], limit: int, options: CallOptions
    ) -> Iterator[ToolInfo]:
        start: int | None = 0
        while start is not None:
            page = self.list_page(start=start, limit=limit, **filters, **options)
            yield from page.tools
            start = next_start(start, len(page.tools), limit, page.total)

    def detail(self, model: str, **options: Unpack[CallOptions]) -> ToolDetail:
        """Tool/Detail of ``owner/project``: readme, parameter groups, examples."""
        opts = request_options(options)
        data = self._client._post("/Tool/Detail", _model_ref(model), options=opts)
        return _first_tool(data)

    def explore(self, **options: Unpack[CallOptions]) -> builtins.list[ExploreSection]:
        """Tool/Explore: the catalogue's sections and their models."""
        opts = request_options(options)
        return _sections(self._client._post("/Tool/Explore", {}, options=opts))

    def openapi(self, model: str, **options: Unpack[CallOptions]) -> builtins.list[ToolSpec]:
        """Tool/DetailOpenAPI: the model's OpenAPI documents, one per auth kind."""
        opts = request_options(options)
        items = self._client._request(
            "/Tool/DetailOpenAPI",
            _model_ref(model),
            parse_list_response,
            options=opts,
        )
        return _specs(items)

    @property
    def with_raw_response(self) -> ToolsWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return ToolsWithRawResponse(self)


class ToolsWithRawResponse:
    def __init__(self, tools: Tools) -> None:
        self.list_page = raw(tools.list_page)
        self.detail = raw(tools.detail)
        self.explore = raw(tools.explore)
        self.openapi = raw(tools.openapi)


# -- async -------------------------------------------------------------------------------


class _AsyncResource:
    def __init__(self, client: BaseAsyncWiro) -> None:
        self._client = client


class AsyncTasks(_AsyncResource):
    """Tasks of the project, for the async client (same methods as ``Tasks``)."""

    def get(self, taskid: str | None = None, *, token: str | None = None) -> AsyncTask:
        """A handle on an existing task (``wait``, ``download``, ...); sends nothing yet."""
        return AsyncTask(self._client, taskid=taskid, token=token)

    async def detail(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Detail by id or socket access token."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        data = await self._client._post("/Task/Detail", body, options=opts)
        return first_task(data)

    async def cancel(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Cancel (a queued task)."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        data = await self._client._post("/Task/Cancel", body, options=opts)
        return first_task(data)

    async def kill(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> TaskDetail:
        """Task/Kill (a running task)."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        data = await self._client._post("/Task/Kill", body, options=opts)
        return first_task(data)

    async def delete_io(
        self, taskid: str | None = None, *, token: str | None = None, **options: Unpack[CallOptions]
    ) -> None:
        """Task/InputOutputDelete: remove a finished task's input and output files."""
        opts = request_options(options)
        body = task_ref(taskid, token)
        await self._client._post("/Task/InputOutputDelete", body, options=opts)

    async def list_page(
        self,
        *,
        start: int = 0,
        limit: int = PAGE_SIZE,
        model: str | None = None,
        status: str | Sequence[str] | None = None,
        order: str = "DESC",
        **options: Unpack[CallOptions],
    ) -> TaskPage:
        """One page of Task/List (newest first by default); ``model`` is a slug or part of one."""
        opts = request_options(options)
        body = _task_list_body(start, limit, model, status, order)
        data = await self._client._post("/Task/List", body, options=opts)
        return TaskPage.model_validate(data)

    def list(
        self,
        *,
        model: str | None = None,
        status: str | Sequence[str] | None = None,
        order: str = "DESC",
        page_size: int = PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[TaskDetail]:
        """Every matching task (``async for``), fetching pages of ``page_size`` as needed."""
        _task_list_body(0, page_size, model, status, order)  # refuse bad filters now
        request_options(options)
        return self._pages(model, status, order, page_size, options)

    async def _pages(
        self,
        model: str | None,
        status: str | Sequence[str] | None,
        order: str,
        limit: int,
        options: CallOptions,
    ) -> AsyncIterator[TaskDetail]:
        start: int | None = 0
        while start is not None:
            page = await self.list_page(
                start=start, limit=limit, model=model, status=status, order=order, **options
            )
            for task in page.tasks:
                yield task
            start = next_start(start, len(page.tasks), limit, page.total)

    @property
    def with_raw_response(self) -> AsyncTasksWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return AsyncTasksWithRawResponse(self)


class AsyncTasksWithRawResponse:
    def __init__(self, tasks: AsyncTasks) -> None:
        self.detail = async_raw(tasks.detail)
        self.cancel = async_raw(tasks.cancel)
        self.kill = async_raw(tasks.kill)
        self.delete_io = async_raw(tasks.delete_io)
        self.list_page = async_raw(tasks.list_page)


class AsyncFiles(_AsyncResource):
    """The project's files, for the async client (same methods as ``Files``)."""

    async def upload(
        self, file: FileInput, *, folder_id: str | None = None, **options: Unpack[CallOptions]
    ) -> FileInfo:
        """File/Upload one file; ``.url`` of the result is usable as a model input."""
        opts = request_options(options)
        body = _upload_body(file, folder_id)
        data = await self._client._post("/File/Upload", body, options=opts)
        return _first_file(data)

    async def create_folder(
        self, name: str, *, parent_id: str | None = None, **options: Unpack[CallOptions]
    ) -> FileInfo:
        """File/FolderCreate; upload into it with ``upload(..., folder_id=folder.id)``."""
        opts = request_options(options)
        body = _folder_body(name, parent_id)
        data = await self._client._post("/File/FolderCreate", body, options=opts)
        return _first_file(data)

    @property
    def with_raw_response(self) -> AsyncFilesWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return AsyncFilesWithRawResponse(self)


class AsyncFilesWithRawResponse:
    def __init__(self, files: AsyncFiles) -> None:
        self.upload = async_raw(files.upload)
        self.create_folder = async_raw(files.create_folder)


class AsyncTools(_AsyncResource):
    """The model catalogue, for the async client (same methods as ``Tools``)."""

    async def list_page(
        self,
        *,
        start: int = 0,
        limit: int = PAGE_SIZE,
        search: str | None = None,
        categories: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        owner: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        hide_workflows: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> ToolPage:
        """One page of Tool/List; unset filters are not sent."""
        opts = request_options(options)
        filters = {
            "search": search,
            "categories": categories,
            "tags": tags,
            "owner": owner,
            "sort": sort,
            "order": order,
            "hide_workflows": hide_workflows,
        }
        body = _tool_list_body(start, limit, filters)
        data = await self._client._post("/Tool/List", body, options=opts)
        return ToolPage.model_validate(data)

    def list(
        self,
        *,
        search: str | None = None,
        categories: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        owner: str | None = None,
        page_size: int = PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[ToolInfo]:
        """Every matching model (``async for``), fetching pages as needed."""
        filters = {"search": search, "categories": categories, "tags": tags, "owner": owner}
        _tool_list_body(0, page_size, filters)  # refuse bad filters now
        request_options(options)
        return self._pages(filters, page_size, options)

    async def _pages(
        self, filters: dict[str, Any], limit: int, options: CallOptions
    ) -> AsyncIterator[ToolInfo]:
        start: int | None = 0
        while start is not None:
            page = await self.list_page(start=start, limit=limit, **filters, **options)
            for tool in page.tools:
                yield tool
            start = next_start(start, len(page.tools), limit, page.total)

    async def detail(self, model: str, **options: Unpack[CallOptions]) -> ToolDetail:
        """Tool/Detail of ``owner/project``: readme, parameter groups, examples."""
        opts = request_options(options)
        body = _model_ref(model)
        data = await self._client._post("/Tool/Detail", body, options=opts)
        return _first_tool(data)

    async def explore(self, **options: Unpack[CallOptions]) -> builtins.list[ExploreSection]:
        """Tool/Explore: the catalogue's sections and their models."""
        opts = request_options(options)
        data = await self._client._post("/Tool/Explore", {}, options=opts)
        return _sections(data)

    async def openapi(self, model: str, **options: Unpack[CallOptions]) -> builtins.list[ToolSpec]:
        """Tool/DetailOpenAPI: the model's OpenAPI documents, one per auth kind."""
        opts = request_options(options)
        items = await self._client._request(
            "/Tool/DetailOpenAPI",
            _model_ref(model),
            parse_list_response,
            options=opts,
        )
        return _specs(items)

    @property
    def with_raw_response(self) -> AsyncToolsWithRawResponse:
        """The same methods, returning ``RawResponse`` (status, headers, envelope)."""
        return AsyncToolsWithRawResponse(self)


class AsyncToolsWithRawResponse:
    def __init__(self, tools: AsyncTools) -> None:
        self.list_page = async_raw(tools.list_page)
        self.detail = async_raw(tools.detail)
        self.explore = async_raw(tools.explore)
        self.openapi = async_raw(tools.openapi)
