"""Names spec-derived identifiers must never take, per scope of the generated code.

Kept apart from the code that allocates names: each set mirrors an API outside
this package (pydantic's BaseModel, the runtime's client and module names), so
it changes when that API does, not when the views do.
"""

from __future__ import annotations

#: Attributes of pydantic.BaseModel (hard-coded: output must not depend on the
#: installed pydantic version) plus names the generated code itself uses.
FIELD_RESERVED = frozenset(
    {
        "construct", "copy", "dict", "from_orm", "json", "model_computed_fields",
        "model_config", "model_construct", "model_copy", "model_dump", "model_dump_json",
        "model_extra", "model_fields", "model_fields_set", "model_json_schema",
        "model_parametrized_name", "model_post_init", "model_rebuild", "model_validate",
        "model_validate_json", "model_validate_strings", "parse_file", "parse_obj",
        "parse_raw", "schema", "schema_json", "update_forward_refs", "validate",
        "callback_url", "spec", "l", "options", "extra_headers", "extra_query", "extra_body",
        "timeout", "with_raw_response", "self",
    }
)  # fmt: skip

#: Module-level names of a model module that spec-derived class names must avoid.
MODULE_RESERVED = frozenset(
    {
        "SPEC", "AsyncResource", "Resource", "FileValue", "FileField", "ModelSpec",
        "Task", "AsyncTask", "I", "O", "NOT_GIVEN", "NotGiven", "CallOptions", "RawMethod",
        "AsyncRawMethod", "FileInput",
    }
)  # fmt: skip

#: Client attributes an owner namespace must not shadow (BaseWiro's API).
CLIENT_RESERVED = frozenset(
    {
        "models", "tasks", "files", "close", "run", "run_model", "task", "upload", "wait",
        "cancel", "kill", "detail", "api_key", "api_secret", "base_url", "socket_url",
        "timeout", "retry_policy", "http", "auth", "l",
    }
)  # fmt: skip

#: Module-level names in _client.py / owner packages.
NAMESPACE_RESERVED = frozenset(
    {"Models", "AsyncModels", "Wiro", "AsyncWiro", "BaseWiro", "BaseAsyncWiro", "Namespace",
     "AsyncNamespace", "I", "O"}
)  # fmt: skip
