"""File inputs: what a caller may pass for a file field, and how it goes on the wire.

Generated input models annotate file fields as ``FileValue | None`` or
``list[FileValue] | None``. ``FileValue`` is an ``Annotated`` type with a plain
validator, so pydantic needs no ``arbitrary_types_allowed``: it accepts an http(s)
URL string, a local path (``str`` or ``os.PathLike``; must exist), ``bytes`` or a
binary file object. Validation normalises path strings to ``pathlib.Path``; URLs
stay ``str``. A missing path fails validation, naming the field.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

__all__ = [
    "FileInput",
    "FilePart",
    "FileValue",
    "is_local_file",
    "is_url",
    "open_part",
]

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
"""What a caller may pass for one file (the type generated signatures should use)."""


def is_url(value: object) -> bool:
    """True for an ``http://`` or ``https://`` string (the only strings that are not paths)."""
    return isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))


def is_local_file(value: object) -> bool:
    """True when the value must be uploaded (path, bytes or file object), i.e. not a URL."""
    return value is not None and not is_url(value)


def _validate_file(value: Any) -> str | Path | bytes | IO[bytes]:
    if isinstance(value, str):
        if is_url(value):
            return value.strip()
        if not value.strip():
            raise ValueError("empty string is neither a URL nor a file path")
        value = Path(value).expanduser()
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        if not path.is_file():
            raise ValueError(f"file not found: {path}")
        return path
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if callable(getattr(value, "read", None)):
        if isinstance(getattr(value, "encoding", None), str):
            raise ValueError("file object must be opened in binary mode ('rb')")
        return value  # type: ignore[no-any-return]
    raise ValueError(
        f"expected a URL, a file path, bytes or a binary file object, got {type(value).__name__}"
    )


def _serialize_file(value: Any) -> str:
    if isinstance(value, str | Path):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return f"<file {getattr(value, 'name', '')}>".replace(" >", ">")


FileValue = Annotated[
    str | Path | bytes | IO[bytes],
    PlainValidator(_validate_file),
    PlainSerializer(_serialize_file, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "description": "URL, file path, bytes or binary file"}),
]
"""Pydantic field type for one file input (see module docstring)."""


@dataclass(frozen=True)
class FilePart:
    """One local file to send as a multipart part, opened lazily per attempt."""

    field: str
    source: Path | bytes | IO[bytes]
    filename: str
    content_type: str
    start: int | None = None  # initial position of a seekable file object


_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF8", ".gif", "image/gif"),
    (b"%PDF", ".pdf", "application/pdf"),
    (b"ID3", ".mp3", "audio/mpeg"),
)


def _sniff(head: bytes) -> tuple[str, str]:
    for magic, ext, ctype in _MAGIC:
        if head.startswith(magic):
            return ext, ctype
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return (".webp", "image/webp") if head[8:12] == b"WEBP" else (".wav", "audio/wav")
    if head[4:8] == b"ftyp":
        return ".mp4", "video/mp4"
    return "", "application/octet-stream"


def make_part(field: str, value: Path | bytes | IO[bytes]) -> FilePart:
    """Describe a local file value as a multipart part (name and content type guessed)."""
    if isinstance(value, Path):
        return FilePart(field, value, value.name, _guess_type(value.name))
    if isinstance(value, bytes):
        ext, ctype = _sniff(value[:16])
        return FilePart(field, value, f"{field}{ext}", ctype)
    name = getattr(value, "name", None)
    filename = os.path.basename(name) if isinstance(name, str) and name else field
    start = value.tell() if _seekable(value) else None
    return FilePart(field, value, filename, _guess_type(filename), start)


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _seekable(value: IO[bytes]) -> bool:
    try:
        return bool(value.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def open_part(part: FilePart, opened: list[IO[bytes]]) -> tuple[str, IO[bytes] | bytes, str]:
    """httpx ``files`` entry for ``part``; paths are opened and appended to ``opened``.

    Called once per attempt so a retried request re-reads the file from the start.
    """
    if isinstance(part.source, Path):
        handle = part.source.open("rb")
        opened.append(handle)
        return part.filename, handle, part.content_type
    if isinstance(part.source, bytes):
        return part.filename, part.source, part.content_type
    if part.start is not None:
        part.source.seek(part.start)
    return part.filename, part.source, part.content_type
