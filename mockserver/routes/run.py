"""`POST /v1/Run/{owner}/{project}`: validate against the model's schema, create a task."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockserver.bodies import Upload, describe, read_fields
from mockserver.config import Project
from mockserver.errors import CODE_BALANCE, CODE_CONCURRENCY, LimitError, ValidationError
from mockserver.media import EXTENSIONS, family, image_size, sniff
from mockserver.names import safe_filename
from mockserver.routes.common import (
    api_base,
    authenticate,
    headers_of,
    json_response,
    remember,
    state_of,
)
from mockserver.state import MockState
from mockserver.validation import Validated

MSG_UNKNOWN_MODEL = "slug-owner-project-not-exist"
MSG_CONCURRENCY = "Concurrent task limit reached for this project."
MSG_BALANCE = "Insufficient balance. Please top up your account."


async def run(request: Request) -> Response:
    state = state_of(request)
    project = authenticate(request)
    params = request.path_params
    model = state.registry.lookup(params["owner"], params["project"])
    fields = await read_fields(request, state.config.limits.max_json_bytes)
    remember(request, describe(fields), model.slug if model else None)
    if model is None:
        raise ValidationError(MSG_UNKNOWN_MODEL, code=1)
    validated = state.registry.validator(model).validate(fields)
    _check_limits(state, project)
    faults = state.faults.for_task(
        request.scope["path"], model.slug, headers_of(request).get("x-mock-scenario")
    )
    base = api_base(request)
    input_size = _store_files(state, validated, base)
    task = state.new_task(
        model, project, validated.params, validated.callback_url, base, faults, input_size
    )
    headers = {"x-mock-unknown-fields": ",".join(validated.unknown)} if validated.unknown else None
    return json_response(
        {"errors": [], "taskid": task.id, "socketaccesstoken": task.token, "result": True},
        headers=headers,
    )


def _check_limits(state: MockState, project: Project) -> None:
    engine = state.engine
    limit = engine.concurrency.get(project.api_key)
    if limit is not None and engine.live_count(project) >= limit:
        raise LimitError(MSG_CONCURRENCY, code=CODE_CONCURRENCY)
    balance = engine.balances.get(project.api_key)
    if balance is not None and balance <= state.config.limits.min_balance:
        raise LimitError(MSG_BALANCE, code=CODE_BALANCE)


def _store_files(state: MockState, validated: Validated, base: str) -> tuple[int, int] | None:
    """Store uploads, put their URLs in the parameters; return the first input image's size."""
    size: tuple[int, int] | None = None
    for name, entries in validated.files.items():
        urls = []
        for entry in entries:
            if isinstance(entry, Upload):
                ctype = sniff(entry.data)
                stored = state.files.put(_safe_name(name, entry, ctype), entry.data, ctype)
                urls.append(f"{base}/File/{stored.token}/{stored.name}")
                if size is None and family(ctype) == "image":
                    size = image_size(entry.data)
            else:
                urls.append(entry)
                if size is None:
                    size = _hosted_image_size(state, entry)
        validated.params[name] = ",".join(urls)
    if size is None:  # a URL-typed input (inputImageUrl) pointing at a file the mock serves
        for value in validated.params.values():
            if "/File/" in value and (size := _hosted_image_size(state, value)):
                break
    return size


def _hosted_image_size(state: MockState, url: str) -> tuple[int, int] | None:
    """Size of an image the mock itself serves (a File/Upload URL), else None."""
    marker = "/File/"
    if marker not in url:
        return None
    token, _, name = url.split(marker, 1)[1].partition("/")
    stored = state.files.get(token, name or None)
    if stored is None:
        return None
    return image_size(stored.data)


def _safe_name(field: str, upload: Upload, ctype: str) -> str:
    """`inputImage-<n>.png`, like Wiro; never the client's path (no traversal possible)."""
    ext = EXTENSIONS.get(ctype) or safe_filename(upload.filename).rpartition(".")[2] or "bin"
    return f"{field}-{len(upload.data)}.{ext}"
