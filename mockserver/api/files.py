"""`File/FolderCreate`, `File/Upload` and `GET /v1/File/{token}/{name}` (uploads and outputs).

Uploaded files are kept under a random token with a sanitized name, so a client-chosen name
such as `../../etc/passwd` can neither escape nor collide. Task outputs share the URL scheme
(`/File/{socketaccesstoken}/{name}`) and are rendered on demand.
"""

from __future__ import annotations

from mockserver.errors import MissingFileError, ValidationError
from mockserver.http.bodies import opened
from mockserver.http.call import Call, Reply, api_base, file_reply, reply
from mockserver.http.names import safe_filename
from mockserver.models.fields import Upload
from mockserver.models.media import sniff
from mockserver.tasks.files import file_url
from mockserver.tasks.outputs import render, text_bytes

MSG_FILE_REQUIRED = "Request files [file] required"


async def folder_create(call: Call) -> Reply:
    state = call.state
    _, fields = await opened(call)
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("Request parameter [name] required")
    parent = fields.get("parentid")
    folder = await state.files.folder(safe_filename(name, "folder"), str(parent or ""))
    item = {
        "id": folder.id,
        "name": folder.name,
        "parentid": folder.parent_id,
        "size": "0",
        "contenttype": "",
        "addedtime": str(int(folder.added)),
    }
    return reply({"result": True, "errors": [], "list": [item]})


async def upload(call: Call) -> Reply:
    state = call.state
    _, fields = await opened(call)
    files = fields.get("file")
    entry = files[0] if isinstance(files, list) and files else files
    if not isinstance(entry, Upload) or not entry.data:
        raise ValidationError(MSG_FILE_REQUIRED)
    limit = state.config.limits.upload_max_bytes
    if len(entry.data) > limit:
        raise ValidationError(f"Request files [file] is too large: limit is {limit} bytes")
    folder = fields.get("folderid")
    ctype = sniff(entry.data)
    stored = await state.files.put(
        safe_filename(entry.filename), entry.data, ctype, str(folder or "")
    )
    item = {
        "id": stored.id,
        "name": stored.name,
        "contenttype": stored.content_type,
        "size": str(stored.size),
        "parentid": stored.folder_id,
        "url": file_url(api_base(call), stored.token, stored.name),
        "addedtime": str(int(stored.added)),
        "accesskey": stored.token,
    }
    return reply({"result": True, "errors": [], "list": [item]})


async def get_file(call: Call, token: str, name: str) -> Reply:
    """Serve an upload, or render a task output (HEAD supported by Starlette for GET)."""
    state = call.state
    stored = await state.files.get(token, name)
    if stored is not None:
        return file_reply(stored.data, stored.content_type)
    task = await state.find_task(None, token)
    if task is not None:
        task = await state.synced(task)
        if task.succeeded:
            for spec in task.outputs:
                if spec.name == name:
                    if spec.kind == "text":
                        data = text_bytes(task.params, spec.seed)
                        return file_reply(data, "application/json")
                    return file_reply(render(spec), spec.content_type)
    raise MissingFileError("File not found.")
