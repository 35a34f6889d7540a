"""`POST /v1/Run/{owner}/{project}`: validate against the model's schema, create a task."""

from __future__ import annotations

from json.encoder import encode_basestring
from urllib.parse import quote

from mockserver.config import Project
from mockserver.errors import CODE_BALANCE, CODE_CONCURRENCY, LimitError, NotFoundError
from mockserver.http.bodies import describe, read_fields
from mockserver.http.call import Call, Reply, api_base, authenticate, raw_headers
from mockserver.http.names import safe_filename
from mockserver.models.fields import Upload
from mockserver.models.media import EXTENSIONS, family, image_size, sniff
from mockserver.models.validation import Validated
from mockserver.state import MockState
from mockserver.tasks.files import file_ref, file_url

MSG_UNKNOWN_MODEL = "slug-owner-project-not-exist"
#: Wiro's wording (its error reference); `{balance}` follows its `${balance}` template.
MSG_CONCURRENCY = (
    "You have reached your concurrent task limit. With your current balance of ${balance}, "
    "you can run up to {limit} tasks at the same time. Add funds to increase your limit."
)
MSG_BALANCE = "Insufficient balance"


async def run(call: Call, owner: str, project: str) -> Reply:
    """Authenticate, read and validate the body, check the limits, store uploads, create
    the task; every refusal is a MockError the app answers."""
    state = call.state
    caller = await authenticate(call)
    model = state.registry.lookup(owner, project)
    fields = await read_fields(call, state.config.limits.max_json_bytes)
    call.context.remember(describe(fields), model.slug if model else None)
    if model is None:
        raise NotFoundError(MSG_UNKNOWN_MODEL)
    validated = state.registry.validator(model).validate(fields)
    if validated.warnings:
        call.context.warnings = validated.warnings
    await _check_limits(state, caller)
    faults = state.faults.for_task(
        call.scope["path"], model.slug, call.headers.get("x-mock-scenario")
    )
    base = api_base(call)
    headers = _notice_headers(validated)
    input_size = await _store_files(state, validated, base)
    # The last step that can fail: after it, nothing but assembling bytes, so a task the
    # store holds is always one the client hears of.
    task = await state.new_task(
        model, caller, validated.params, validated.callback_url, base, faults, input_size
    )
    body = run_body(task.id, task.token)
    return Reply(200, raw_headers(body, headers), body)


def _notice_headers(validated: Validated) -> dict[str, str] | None:
    """What the mock accepted but a reader may want to know: ignored unknown fields and
    values outside a help-stated range (`x-mock-warnings: constraint_from_help:NAME`).
    Names are request (or doc) text, so each is percent-encoded (`header_name`)."""
    headers = {}
    if validated.unknown:
        headers["x-mock-unknown-fields"] = ",".join(map(header_name, validated.unknown))
    if validated.warnings:
        headers["x-mock-warnings"] = ",".join(
            f"{w['code']}:{header_name(w['input'])}" for w in validated.warnings
        )
    return headers or None


def header_name(name: str) -> str:
    """A field name as header text: UTF-8 percent-encoded outside letters, digits and
    `-._~[]` (`日本` -> `%E6%97%A5%E6%9C%AC`, a newline -> `%0A`, `,` -> `%2C`), so no request
    byte reaches a header raw (a newline there once cost the client its reply) and the list
    splits on `,` unambiguously; `urllib.parse.unquote` gives the name back."""
    return quote(name, safe="[]")


def run_body(task_id: str, token: str) -> bytes:
    """`dumps({"errors": [], "taskid": ..., "socketaccesstoken": ..., "result": True})`,
    assembled directly (the strings escaped by the encoder's own function)."""
    return (
        f'{{"errors":[],"taskid":{encode_basestring(task_id)},'
        f'"socketaccesstoken":{encode_basestring(token)},"result":true}}'
    ).encode()


async def _check_limits(state: MockState, project: Project) -> None:
    limits = state.limits
    limit = limits.concurrency.get(project.api_key)
    balance = limits.balances.get(project.api_key)
    if limit is not None and await state.store.live_count(project.api_key) >= limit:
        shown = f"{balance:.2f}" if balance is not None else "0.00"
        raise LimitError(MSG_CONCURRENCY.format(balance=shown, limit=limit), code=CODE_CONCURRENCY)
    if balance is not None and balance <= state.config.limits.min_balance:
        raise LimitError(MSG_BALANCE, code=CODE_BALANCE)


async def _store_files(state: MockState, validated: Validated, base: str) -> tuple[int, int] | None:
    """Store uploads, put their URLs in the parameters; return the first input image's size."""
    size: tuple[int, int] | None = None
    for name, entries in validated.files.items():
        urls = []
        for entry in entries:
            if isinstance(entry, Upload):
                ctype = sniff(entry.data)
                stored = await state.files.put(_safe_name(name, entry, ctype), entry.data, ctype)
                urls.append(file_url(base, stored.token, stored.name))
                if size is None and family(ctype) == "image":
                    size = image_size(entry.data)
            else:
                urls.append(entry)
                if size is None:
                    size = await _hosted_image_size(state, entry)
        validated.params[name] = ",".join(urls)
    if size is None:  # a URL-typed input (inputImageUrl) pointing at a file the mock serves
        for value in validated.params.values():
            if (size := await _hosted_image_size(state, value)) is not None:
                break
    return size


async def _hosted_image_size(state: MockState, url: str) -> tuple[int, int] | None:
    """Size of an image the mock itself serves (a File/Upload URL), else None."""
    ref = file_ref(url)
    if ref is None:
        return None
    token, name = ref
    stored = await state.files.get(token, name or None)
    if stored is None:
        return None
    return image_size(stored.data)


def _safe_name(field: str, upload: Upload, ctype: str) -> str:
    """`inputImage-<n>.png`, like Wiro; never the client's path (no traversal possible)."""
    ext = EXTENSIONS.get(ctype) or safe_filename(upload.filename).rpartition(".")[2] or "bin"
    return f"{field}-{len(upload.data)}.{ext}"
