"""Export the catalogue as one OpenAPI 3.1 document (or one per model).

The document is a pure function of the schema: it is built from `Model`
objects with sorted keys and no timestamps, so the same specs always give the
same bytes. Input schemas follow Wiro's own per-model OpenAPI documents
(`x-input-type`, `enum` + `x-options`, `minimum`/`maximum`, `required`) so tools
that already read Wiro's documents read ours.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Literal

from codegen.schema import Catalogue, Input, InputKind, Model

JSON = dict[str, Any]
SERVER = "https://api.wiro.ai/v1"
_REF = "#/components/schemas/"
_SCALAR_TYPES = {
    InputKind.TEXT: "string",
    InputKind.TEXTAREA: "string",
    InputKind.SELECT: "string",
    InputKind.INTEGER: "integer",
    InputKind.NUMBER: "number",
    InputKind.BOOLEAN: "boolean",
}
_COMMON_FIELDS: JSON = {
    "callbackUrl": {
        "type": "string",
        "format": "uri",
        "title": "Callback URL",
        "description": "Wiro POSTs the task to this URL when it completes.",
    },
    "projectid": {"type": "string", "description": "Run under this project."},
}


def document(catalogue: Catalogue, slug: str | None = None) -> JSON:
    """The OpenAPI document for every model, or for the one named by `slug`."""
    models = [m for m in catalogue.models if slug is None or m.slug == slug.lower()]
    if slug is not None and not models:
        raise KeyError(slug)
    paths: JSON = {m.run_path: _run_operation(m) for m in models}
    paths.update(_task_paths())
    paths.update(_file_paths())
    paths.update(_discovery_paths())
    schemas: JSON = {**_shared_schemas(), **_discovery_schemas()}
    for model in models:
        schemas[_input_name(model)] = input_schema(model)
        schemas[_input_name(model) + "Multipart"] = input_schema(model, multipart=True)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wiro API" if slug is None else f"Wiro API: {models[0].display_name}",
            "version": "1.0.0+" + _fingerprint(models),
            "description": "Exported by wirogen from the model docs in specs/.",
        },
        "servers": [{"url": SERVER}],
        "security": [{"ApiKey": [], "Nonce": [], "Signature": []}, {"ApiKey": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": _security_schemes()},
    }


def dumps(doc: JSON) -> str:
    """The document as JSON; `allow_nan=False`, as `NaN`/`Infinity` are not JSON (the
    document leaves non-finite numbers out, see `_finite`)."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def input_schema(model: Model, *, multipart: bool = False) -> JSON:
    """JSON Schema of a model's Run body (multipart: files as binary parts)."""
    properties: JSON = {}
    for item in model.inputs:
        properties[item.name] = _property(item, multipart)
        if multipart and item.url_sibling:
            properties[item.url_sibling] = {
                "type": "string",
                "description": "File URL(s), comma-separated.",
            }
    properties.update(_COMMON_FIELDS)
    schema: JSON = {"type": "object", "properties": properties}
    required = [i.name for i in model.inputs if i.required]
    if required:
        schema["required"] = required
    return schema


def _property(item: Input, multipart: bool) -> JSON:
    prop: JSON = {"title": item.label}
    if item.help or item.help_key:
        prop["description"] = item.help or item.help_key
    if item.wire_type:
        prop["x-input-type"] = item.wire_type
    prop.update(_type_of(item, multipart))
    if item.options:
        # extras as Wiro writes them (a preset's `cover`), so a reader gets all of an option
        prop["x-options"] = [{**o.extra, "value": o.value, "label": o.label} for o in item.options]
    if _finite(item.default) is not None and not item.kind.is_file:
        prop["default"] = item.default
    for key in ("minimum", "maximum"):
        value = _finite(getattr(item, key))
        if value is not None:
            prop[key] = int(value) if item.kind is InputKind.INTEGER else value
    step = _finite(item.step)
    if step is not None and item.kind.is_numeric:
        prop["multipleOf"] = int(step) if item.kind is InputKind.INTEGER else step
    return prop


def _finite(value: Any) -> Any:
    """`value`, or None for a non-finite float: the parser refuses them in docs, but a model
    built in code may hold one, and an infinite or NaN bound bounds nothing."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _type_of(item: Input, multipart: bool) -> JSON:
    if item.kind.is_file:
        one: JSON = (
            {"type": "string", "format": "binary"}
            if multipart
            else {"type": "string", "format": "uri"}
        )
        if item.kind is InputKind.FILE:
            return one
        many: JSON = {"type": "array", "items": one}
        if item.max_items is not None:
            many["maxItems"] = item.max_items
        return {"anyOf": [one, many]}
    if item.kind is InputKind.MULTISELECT:
        return {"type": "array", "items": {"type": "string", "enum": list(item.option_values)}}
    scalar: JSON = {"type": _SCALAR_TYPES[item.kind]}
    if item.kind is InputKind.SELECT:
        scalar["enum"] = list(item.option_values)
    return scalar


def _input_name(model: Model) -> str:
    words = "".join(c if c.isalnum() else " " for c in model.slug).split()
    return "".join(w[:1].upper() + w[1:] for w in words) + "Input"


def _fingerprint(models: list[Model]) -> str:
    digest = hashlib.sha256("".join(m.source.sha256 for m in models).encode())
    return digest.hexdigest()[:12]


def _ref(name: str) -> JSON:
    return {"$ref": _REF + name}


def _json_response(name: str, description: str) -> JSON:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(not_found: bool = False) -> JSON:
    """The error statuses every POST operation can answer (all in Wiro's envelope)."""
    errors = {
        "400": _json_response("ErrorResponse", "Invalid request (Wiro error envelope)"),
        "401": _json_response("ErrorResponse", "Missing or invalid credentials"),
        "413": _json_response("ErrorResponse", "Request body too large"),
        "415": _json_response("ErrorResponse", "Unsupported request content type"),
        "429": _json_response("ErrorResponse", "Rate limited; honour Retry-After"),
    }
    if not_found:
        errors["404"] = _json_response("ErrorResponse", "No such task (code 1)")
    return dict(sorted(errors.items()))


def _operation(
    op_id: str, summary: str, body: JSON | None, ok: JSON, tag: str, not_found: bool = False
) -> JSON:
    operation: JSON = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "responses": {"200": ok, **_errors(not_found)},
    }
    if body is not None:
        operation["requestBody"] = body
    return {"post": operation}


def _run_operation(model: Model) -> JSON:
    name = _input_name(model)
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": _ref(name)},
            "multipart/form-data": {"schema": _ref(name + "Multipart")},
            "application/x-www-form-urlencoded": {"schema": _ref(name)},
        },
    }
    op_id = "run_" + "".join(c if c.isalnum() else "_" for c in model.slug)
    ok = _json_response("RunResponse", "Task created")
    return _operation(
        op_id, f"Run {model.display_name}: {model.description}"[:200], body, ok, "Run"
    )


def _task_paths() -> JSON:
    body = {"required": True, "content": {"application/json": {"schema": _ref("TaskRequest")}}}
    tasks = _json_response("TaskListResponse", "The task, in a one-item list")
    return {
        "/Task/Detail": _operation(
            "task_detail", "Task status, parameters and outputs", body, tasks, "Task", True
        ),
        "/Task/Cancel": _operation(
            "task_cancel", "Cancel a queued task", body, tasks, "Task", True
        ),
        "/Task/Kill": _operation("task_kill", "Kill a running task", body, tasks, "Task", True),
        "/Task/List": _operation(
            "task_list",
            "The project's tasks, newest first",
            {
                "required": False,
                "content": {"application/json": {"schema": _ref("TaskListRequest")}},
            },
            _json_response("TaskListResponse", "A page of tasks; total counts every match"),
            "Task",
        ),
        "/Task/InputOutputDelete": _operation(
            "task_input_output_delete",
            "Delete a finished task's files",
            body,
            _json_response("Envelope", "Deleted"),
            "Task",
            True,
        ),
    }


def _file_paths() -> JSON:
    folder = {
        "required": True,
        "content": {"application/json": {"schema": _ref("FolderCreateRequest")}},
    }
    upload = {
        "required": True,
        "content": {"multipart/form-data": {"schema": _ref("UploadRequest")}},
    }
    files = _json_response("FileListResponse", "The created folder or uploaded file")
    download = {
        "get": {
            "operationId": "file_get",
            "summary": "Download an uploaded or generated file",
            "tags": ["File"],
            "security": [],
            "parameters": [
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "The file",
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                },
                "404": _json_response("ErrorResponse", "No such file"),
            },
        }
    }
    return {
        "/File/FolderCreate": _operation(
            "file_folder_create", "Create a folder", folder, files, "File"
        ),
        "/File/Upload": _operation(
            "file_upload", "Upload a file (up to 100 MB)", upload, files, "File"
        ),
        "/File/{token}/{name}": download,
    }


def _numeric_string() -> JSON:
    return {"type": "string", "description": "A number, sent as a string"}


#: The task's timestamp fields (Wiro's task reference).
TASK_TIME_FIELDS = (
    "createtime", "accepttime", "preprocessstarttime", "preprocessendtime", "assigntime",
    "starttime", "endtime", "postprocessstarttime", "postprocessendtime", "canceltime",
)  # fmt: skip


def _shared_schemas() -> JSON:
    error = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "time": {}},
    }
    envelope = {
        "type": "object",
        "required": ["result", "errors"],
        "properties": {
            "result": {"type": "boolean"},
            "errors": {"type": "array", "items": _ref("Error")},
        },
    }
    output = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "contenttype": {"type": "string"},
            "size": _numeric_string(),
            "url": {"type": "string"},
            "content": {
                "type": "object",
                "description": "LLM outputs: prompt, raw, thinking, answer",
            },
        },
    }
    task = {
        "type": "object",
        "description": "A task as Wiro's task reference lists it: numbers and times (unix "
        'seconds, "0" when unset) as strings',
        "required": ["id", "status"],
        "properties": {
            "id": _numeric_string(),
            "uuid": {"type": "string"},
            "name": {"type": "string"},
            "socketaccesstoken": {"type": "string"},
            "parameters": {"type": "object"},
            "status": {"type": "string"},
            "pexit": {"type": ["string", "null"], "description": '"" until the task ends'},
            "debugoutput": {"type": "string"},
            "debugerror": {"type": "string"},
            **dict.fromkeys(TASK_TIME_FIELDS, _numeric_string()),
            "elapsedseconds": _numeric_string(),
            "cps": _numeric_string(),
            "totalcost": _numeric_string(),
            "guestid": {"type": ["string", "null"]},
            "projectid": {"type": "string"},
            "modelid": _numeric_string(),
            "description": {"type": "string"},
            "basemodelid": {"type": "string"},
            "runtype": {"type": "string"},
            "modelfolderid": {"type": "string"},
            "modelfileid": {"type": "string"},
            "callbackurl": {"type": "string"},
            "marketplaceid": {"type": ["string", "null"]},
            "categories": {"type": "array", "items": {"type": "string"}},
            "estimatedvram": _numeric_string(),
            "realvram": {"type": "string", "description": "JSON text"},
            "isapp": {"type": "boolean"},
            "slugapp": {"type": "string"},
            "dynamicprice": {"type": "string", "description": "JSON text"},
            "modeldescription": {"type": "string"},
            "modelslugowner": {"type": "string"},
            "modelslugproject": {"type": "string", "description": "the clean (URL) slug"},
            "outputs": {"type": "array", "items": _ref("OutputFile")},
            "size": _numeric_string(),
            "outputfolderid": {"type": "string", "description": '"0" after InputOutputDelete'},
        },
    }
    return {
        "Error": error,
        "Envelope": envelope,
        "ErrorResponse": envelope,
        "RunResponse": _extend(
            envelope, {"taskid": {"type": "string"}, "socketaccesstoken": {"type": "string"}}
        ),
        "OutputFile": output,
        "Task": task,
        "TaskListResponse": _extend(
            envelope,
            {"total": _numeric_string(), "tasklist": {"type": "array", "items": _ref("Task")}},
        ),
        "TaskRequest": {
            "type": "object",
            "description": "Name the task by taskid, tasktoken or socketaccesstoken",
            "properties": {
                "taskid": {"type": "string"},
                "tasktoken": {"type": "string"},
                "socketaccesstoken": {"type": "string"},
            },
        },
        "TaskListRequest": {
            "type": "object",
            "description": "MCP sends type, sort, order, start, limit (+ modelName)",
            "properties": {
                "type": {"type": "string"},
                "sort": {"type": "string"},
                "order": {"type": "string", "enum": ["ASC", "DESC", "asc", "desc"]},
                "start": _numeric_string(),
                "limit": _numeric_string(),
                "modelName": {"type": "string", "description": "slug, display or clean"},
                "status": {
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                },
            },
        },
        "FolderCreateRequest": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "parentid": {"type": "string"}},
        },
        "UploadRequest": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "folderid": {"type": "string"},
            },
        },
        "FileListResponse": _extend(
            envelope, {"list": {"type": "array", "items": {"type": "object"}}}
        ),
    }


def _extend(base: JSON, properties: JSON) -> JSON:
    return {**base, "properties": {**base["properties"], **properties}}


def _security_schemes() -> JSON:
    def header(name: str, description: str) -> JSON:
        return {"type": "apiKey", "in": "header", "name": name, "description": description}

    return {
        "ApiKey": header("x-api-key", "The project's API key"),
        "Nonce": header("x-nonce", "Unix time or any integer, fresh per request (signature mode)"),
        "Signature": header("x-signature", "hex(HMAC-SHA256(key=API_KEY, msg=API_SECRET + NONCE))"),
    }


# -- discovery: Tool/List, Tool/Detail, Tool/Explore, Tool/DetailOpenAPI, Project/List ---------

_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def _form_body(name: str, required: bool = True) -> JSON:
    """A request body the mock reads in every encoding Wiro clients use."""
    return {"required": required, "content": {t: {"schema": _ref(name)} for t in _BODY_TYPES}}


#: path -> (operationId, summary, request schema, response schema, what 200 holds, tag)
_DISCOVERY: dict[str, tuple[str, str, str, str, str, str]] = {
    "/Tool/List": (
        "tool_list", "Search and page the models", "ToolListRequest", "ToolListResponse",
        "The matching models (total: the full count)", "Tool",
    ),
    "/Tool/Detail": (
        "tool_detail", "A model with its parameters", "ToolSlugRequest", "ToolDetailResponse",
        "The model, in a one-item list", "Tool",
    ),
    "/Tool/Explore": (
        "tool_explore", "Models grouped by category", "ExploreRequest", "ExploreResponse",
        "One group per category", "Tool",
    ),
    "/Tool/DetailOpenAPI": (
        "tool_detail_openapi", "The model's own OpenAPI 3.0.3 documents", "ToolSlugRequest",
        "ToolOpenAPIResponse", "A bare array of {type, spec}, signature first", "Tool",
    ),
    "/Project/List": (
        "project_list", "The caller's project (never its secret)", "ProjectListRequest",
        "ProjectListResponse", "The authenticated project", "Project",
    ),
}  # fmt: skip


def _discovery_paths() -> JSON:
    """The five discovery operations; the two that name a model can answer "no such model"."""
    return {
        path: _operation(
            op_id, summary, _form_body(body, required=body != "ExploreRequest"),
            _json_response(ok, what), tag, not_found=body == "ToolSlugRequest",
        )
        for path, (op_id, summary, body, ok, what, tag) in _DISCOVERY.items()
    }  # fmt: skip


def _strings(description: str) -> JSON:
    """A list of strings, or one string (form bodies send a single value as a scalar)."""
    return {
        "description": description,
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    }


def _count(description: str) -> JSON:
    return {
        "description": description,
        "anyOf": [
            {"type": "string", "pattern": "^[0-9]{1,9}$"},
            {"type": "integer", "minimum": 0, "maximum": 999_999_999},
        ],
    }


def _object(properties: JSON, required: tuple[str, ...] = ()) -> JSON:
    schema: JSON = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _typed(kind: str, *names: str) -> JSON:
    return {name: {"type": kind} for name in names}


_GO_STRINGS = ("id", "title", "slugowner", "slugproject", "description", "image")
_GO_COUNTS = ("averagepoint", "commentcount")
_CLEAN_SLUGS = ("cleanslugowner", "cleanslugproject")
_ITEM_STRINGS = (
    "seodescription",
    "computingtime",
    "onlymembers",
    "ratedusercount",
    "cps",
    "approximatelycost",
)


def _tool_item_schema() -> JSON:
    """A Tool/List item: the JSON types every Wiro client decodes (Go's CLI most strictly)."""
    stats = _typed("string", "successcount", "errorcount", "lastruntime")
    taskstat = _object({"runcount": {"type": "integer"}, **stats}, ("runcount",))
    properties: JSON = {
        **_typed("string", *_GO_STRINGS, *_GO_COUNTS, *_CLEAN_SLUGS, *_ITEM_STRINGS),
        "dynamicprice": {"type": "string", "description": "JSON text: [{inputs, price, ...}]"},
        "marketplace": {"type": "integer"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "samples": {"type": "array", "items": {"type": "string"}},
        "taskstat": taskstat,
    }
    required = (*_GO_STRINGS, *_GO_COUNTS, *_CLEAN_SLUGS, "categories", "tags", "marketplace")
    return _object(properties, (*required, "dynamicprice", "taskstat"))


def _parameter_schema() -> JSON:
    """A Tool/Detail parameter group; items carry both name sets (MCP/WK/DT's and Go's)."""
    option = _object(_typed("string", "label", "text"), ("value", "label", "text"))
    item = _object(
        {
            **_typed("string", "id", "type", "label", "description", "note", "placeholder",
                     "class", "rows", "minvalue", "maxvalue", "incrementby"),
            **_typed("boolean", "required", "advanced", "quick"),
            **_typed("number", "min", "max", "step"),
            "default": {}, "defaultvalue": {}, "value": {},
            "options": {"type": "array", "items": option},
            "maxinputlenght": {"type": "integer", "description": "Max entries (Wiro's spelling)"},
        },
        ("id", "type", "label", "required", "advanced", "quick"),
    )  # fmt: skip
    return _object(
        {**_typed("string", "title", "subtitle"), "items": {"type": "array", "items": item}},
        ("title", "items"),
    )


def _discovery_schemas() -> JSON:
    envelope = _shared_schemas()["Envelope"]
    detail = {
        "allOf": [_ref("ToolItem")],
        "type": "object",
        "properties": {
            **_typed("string", "readme", "seotitle"),
            "inspire": {"type": "array", "items": {"type": "object"}},
            "parameters": {"type": "array", "items": _ref("ToolParameterGroup")},
        },
        "required": ["readme", "inspire", "parameters"],
    }
    group = _object(
        {**_typed("string", "id", "title", "url"), "total": {"type": "integer"},
         "tools": {"type": "array", "items": _ref("ToolItem")}},
        ("id", "title", "total", "tools"),
    )  # fmt: skip
    project = _object(
        {
            **_typed("string", "id", "uuid", "name", "description", "apikey", "time",
                     "requestCount"),
            "slug": {"type": ["string", "null"]},
            "ipwhitelist": {"type": "array", "items": {"type": "string"}},
            "authmethod": {"type": "string", "enum": ["signature", "apikey-only"]},
        },
        ("id", "uuid", "name", "apikey", "authmethod"),
    )  # fmt: skip
    spec = _object(
        {"type": {"type": "string", "enum": ["signature", "apikey"]}, "spec": {"type": "object"}},
        ("type", "spec"),
    )
    return {
        "ToolListRequest": _object(
            {
                "start": _count("Offset (default 0)"),
                "limit": _count("Page size (default 20, clamped to 1..100)"),
                **_typed("string", "search", "slugowner"),
                "sort": {"type": "string", "description": "id | relevance (others: by id)"},
                "order": {"type": "string", "description": "ASC | DESC (default)"},
                "categories": _strings("Any of these categories"),
                "tags": _strings("Any of these tags"),
                "hideworkflows": {"type": ["boolean", "string"]},
                "summary": {"type": ["boolean", "string"]},
            }
        ),
        "ToolSlugRequest": _object(
            _typed("string", "slugowner", "slugproject"), ("slugowner", "slugproject")
        ),
        "ExploreRequest": {"type": "object"},
        "ProjectListRequest": _object(_typed("string", "uuid", "apikey")),
        "ToolItem": _tool_item_schema(),
        "ToolParameterGroup": _parameter_schema(),
        "ToolDetail": detail,
        "ToolListResponse": _extend(
            envelope,
            {"total": {"type": "integer"}, "tool": {"type": "array", "items": _ref("ToolItem")}},
        ),
        "ToolDetailResponse": _extend(
            envelope, {"tool": {"type": "array", "items": _ref("ToolDetail")}}
        ),
        "ExploreResponse": _extend(envelope, {"explore": {"type": "array", "items": group}}),
        "ProjectListResponse": _extend(envelope, {"project": {"type": "array", "items": project}}),
        "ToolOpenAPIResponse": {
            "description": "A bare array (no envelope); an unknown model gets Wiro's envelope",
            "anyOf": [{"type": "array", "items": spec}, _ref("ErrorResponse")],
        },
    }


# -- Wiro's own per-model document (what Tool/DetailOpenAPI serves) ---------------------------

WiroAuth = Literal["signature", "apikey"]
_AUTH_TITLES: dict[str, str] = {"signature": "Signature Auth", "apikey": "API Key Auth"}
_AUTH_NOTES: dict[str, str] = {
    "signature": (
        "Send `x-api-key`, `x-nonce` (any integer, e.g. Unix time) and `x-signature` = "
        "hex(HMAC-SHA256(key=API_KEY, msg=API_SECRET + NONCE))."
    ),
    "apikey": "Send `x-api-key` only (an API-key-only project).",
}


def wiro_model_document(model: Model, auth: WiroAuth, server: str = SERVER) -> JSON:
    """One model's OpenAPI 3.0.3 document in the form Wiro publishes per model.

    Paths `/Run/{display slug}`, `/Task/Detail`, `/Task/Kill`, `/Task/Cancel`; the inputs as
    `components.schemas.RunToolSchema`; one security scheme set per auth kind. Clients that
    build a form from Wiro's document (`RunToolSchema`'s `x-input-type`, `enum`, `required`)
    read ours unchanged; the input schema is the exporter's own, so the two never disagree.
    """
    run = input_schema(model)
    run["properties"] = {k: v for k, v in run["properties"].items() if k != "projectid"}
    shared = _shared_schemas()
    task_body = _form_body("TaskDetailRequest")
    tasks = _json_response("TaskDetailResponse", "The task, in a one-item list")
    run_op = _operation(
        "run" + _input_name(model).removesuffix("Input"),
        f"Run {model.display_name}",
        _form_body("RunToolSchema"),
        _json_response("RunTaskResponse", "Task created"),
        "Run Task",
    )
    run_op["post"]["description"] = model.description
    paths: JSON = {
        "/Task/Detail": _operation(
            "getTaskDetail", "Task status and outputs", task_body, tasks, "Task Management", True
        ),
        "/Task/Kill": _operation(
            "killTask", "Kill a running task", task_body, tasks, "Task Management", True
        ),
        "/Task/Cancel": _operation(
            "cancelTask", "Cancel a queued task", task_body, tasks, "Task Management", True
        ),
        "/Run/" + model.display_name: run_op,
    }
    schemes = {k + "Auth": v for k, v in _security_schemes().items()}
    if auth == "apikey":
        schemes = {"ApiKeyAuth": schemes["ApiKeyAuth"]}
    doc: JSON = {
        "openapi": "3.0.3",
        "info": {
            "title": f"{model.display_name} API ({_AUTH_TITLES[auth]})",
            "description": f"Run {model.display_name} and follow its tasks. {_AUTH_NOTES[auth]}",
            "version": "1.0.0",
        },
        "servers": [{"url": server}],
        "tags": [{"name": "Run Task"}, {"name": "Task Management"}],
        "security": [{name: [] for name in schemes}],
        "paths": paths,
        "components": {
            "securitySchemes": schemes,
            "schemas": {
                **{k: shared[k] for k in ("Error", "ErrorResponse", "OutputFile", "Task")},
                "RunTaskResponse": shared["RunResponse"],
                "TaskDetailRequest": shared["TaskRequest"],
                "TaskDetailResponse": shared["TaskListResponse"],
                "RunToolSchema": run,
            },
        },
    }
    converted: JSON = _openapi30(doc)
    return converted


def _openapi30(node: Any) -> Any:
    """A copy with OpenAPI 3.1's `type: [T, "null"]` written as 3.0's `nullable: true`."""
    if isinstance(node, list):
        return [_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi30(value) for key, value in node.items()}
    kind = out.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        out["type"] = rest[0] if len(rest) == 1 else rest
        out["nullable"] = True
    return out
