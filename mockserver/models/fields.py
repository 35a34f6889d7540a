"""Request fields as the models read them: an uploaded file, a scalar as text, a count.

The body parser (`http.bodies`) produces these and the model layer (validation, discovery)
reads them, so they live here, below both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mockserver.errors import ValidationError


@dataclass(slots=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes

    def describe(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
        }


def text_field(fields: dict[str, Any], name: str) -> str:
    """A scalar field as text ("" when absent); the first value of a repeated one."""
    value = fields.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise ValidationError(f"Request parameter [{name}] must be a string")


def count_field(fields: dict[str, Any], name: str, default: int) -> int:
    """A paging number sent as a string or a number (`"20"`, `20`, `20.0`)."""
    text = text_field(fields, name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationError(f"Request parameter [{name}] must be integer or float")
    return int(value)
