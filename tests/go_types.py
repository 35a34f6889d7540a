"""A strict decoder with the struct types of Wiro's Go CLI (wiro_cl-: internal/api/types.go,
as WIRO_CLIENTS.md sections 3 and 5 list them), shared by the tests of every route Go reads.

Go's encoding/json fails the whole response on one field of the wrong JSON type, so a string
where Go wants an int (or the reverse) fails here. Stricter than Go in one way: `null` is
refused outside pointers, slices and `any` (the mock never needs to send it there).
"""

from __future__ import annotations

from typing import Any


class Ptr:
    """Go's `*T`: null or a T."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner


ANY = object()  # interface{}
MAP = object()  # map[string]any

#: What Go's `wiro model list` sends (GO:model/service.go).
GO_LIST_BODY = {"start": "0", "limit": "50", "sort": "id", "order": "DESC", "summary": True}
API_ERROR = {"code": ANY, "message": str, "time": ANY}
GENERIC = {"result": bool, "errors": [API_ERROR]}
GO_TOOL_LIST = {
    **GENERIC,
    "total": int,
    "tool": [
        {
            **dict.fromkeys(("id", "title", "slugowner", "slugproject", "description"), str),
            **dict.fromkeys(("image", "averagepoint", "commentcount"), str),
            "categories": ANY,
            "tags": ANY,
        }
    ],
}
GO_ITEM = {
    **dict.fromkeys(("advanced", "quick", "required"), bool),
    **dict.fromkeys(("type", "class", "rows", "id", "placeholder", "label", "note"), str),
    **dict.fromkeys(("minvalue", "maxvalue", "incrementby", "optionsLoad"), str),
    "defaultvalue": ANY,
    "value": ANY,
    "options": [{"text": str, "value": ANY}],
    "maxinputlenght": int,
}
GO_TOOL_DETAIL = {
    **GENERIC,
    "tool": [
        {
            **dict.fromkeys(("id", "title", "slugowner", "slugproject", "description"), str),
            **dict.fromkeys(("image", "readme"), str),
            "categories": [str],
            "tags": [str],
            "parameters": [{"title": str, "subtitle": str, "items": [GO_ITEM]}],
            "inspire": [MAP],
            "dynamicprice": ANY,
        }
    ],
}
GO_PROJECT_LIST = {
    **GENERIC,
    "project": [
        {
            **dict.fromkeys(("id", "uuid", "name", "description", "apikey", "time"), str),
            **dict.fromkeys(("authmethod", "requestCount"), str),
            "slug": Ptr(str),
            "ipwhitelist": [str],
        }
    ],
}
#: Go's RunResponse and TaskDetailResponse (GO:api/types.go).
GO_RUN = {**GENERIC, "taskid": str, "socketaccesstoken": str}
GO_TASK_DETAIL = {
    **GENERIC,
    "total": str,
    "tasklist": [
        {
            **dict.fromkeys(("id", "uuid", "status", "socketaccesstoken"), str),
            **dict.fromkeys(("debugoutput", "debugerror", "createtime"), str),
            **dict.fromkeys(("starttime", "endtime"), str),
            "outputs": [dict.fromkeys(("id", "name", "contenttype", "url"), str)],
        }
    ],
}


def go_decode(value: Any, kind: Any, path: str = "$") -> None:
    """Fail where Go's encoding/json would (and on null outside pointers/slices/any)."""
    if kind is ANY or (value is None and isinstance(kind, Ptr | list)):
        return
    if isinstance(kind, Ptr):
        go_decode(value, kind.inner, path)
    elif isinstance(kind, list):
        assert isinstance(value, list), f"{path}: Go wants an array, got {value!r}"
        for index, entry in enumerate(value):
            go_decode(entry, kind[0], f"{path}[{index}]")
    elif isinstance(kind, dict):
        assert isinstance(value, dict), f"{path}: Go wants an object, got {value!r}"
        for name, inner in kind.items():
            if name in value:
                go_decode(value[name], inner, f"{path}.{name}")
    elif kind is MAP:
        assert isinstance(value, dict), f"{path}: Go wants map[string]any, got {value!r}"
    else:  # str, int, bool: exact JSON types (a bool is no int, 1.0 is no int)
        assert type(value) is kind, f"{path}: Go wants {kind.__name__}, got {value!r}"
