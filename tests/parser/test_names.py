"""Input names a reader cannot see as written are kept on the wire and reported."""

from __future__ import annotations

import json

from codegen.parser import parse_text
from codegen.parser.normalize import normalize


def _doc(*names: str) -> str:
    properties = {name: {"type": "string"} for name in names}
    return json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "acme/names"},
            "paths": {
                "/Run/acme/names": {
                    "post": {
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": properties}
                                }
                            }
                        }
                    }
                }
            },
        }
    )


def test_invisible_and_non_ascii_names_are_kept_and_warned() -> None:
    model = normalize(
        parse_text("names.json", _doc("pro\u200bmpt", "prompt", "pr\u043empt")), sha256="0"
    )
    assert [i.name for i in model.inputs] == ["pro\u200bmpt", "prompt", "pr\u043empt"]
    unusual = {w.input: w.message for w in model.warnings if w.code == "name_unusual"}
    assert set(unusual) == {"pro\u200bmpt", "pr\u043empt"}
    assert "U+200B" in unusual["pro\u200bmpt"] and "U+043E" in unusual["pr\u043empt"]
