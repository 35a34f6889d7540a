"""Small, real files of each medium a model takes (the mock sniffs what it is sent).

An input's medium is in its name, as Wiro names them: `inputImage…`, `inputAudio…`,
`inputVideo…`, `inputDocument…` (`inputAll` takes anything: an image will do).
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterable

from PIL import Image

from codegen.schema import Model
from codegen.schema import medium_of as schema_medium
from tests.demo import PDF_SAMPLE


def png_bytes(size: tuple[int, int] = (320, 240), colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 0.1, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


#: An ISO base media file: its `ftyp` box (what players and sniffers read first) and a
#: `free` box; no frames, which no check here decodes.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"

#: medium -> (file name, bytes, content type)
MEDIA: dict[str, tuple[str, bytes, str]] = {
    "image": ("sample.png", png_bytes(), "image/png"),
    "audio": ("sample.wav", wav_bytes(), "audio/wav"),
    "video": ("sample.mp4", MP4, "video/mp4"),
    "document": ("sample.pdf", PDF_SAMPLE, "application/pdf"),
}


def medium_of(name: str) -> str:
    """The medium of a file input ("image" for `inputAll` and unnamed ones)."""
    medium = schema_medium(name)
    return medium if medium in MEDIA else "image"


def one_of_each_kind(models: Iterable[Model]) -> tuple[Model, ...]:
    """The first model (in the order given) of each doc format, output kind and set of file
    media: a sample that grows only when a new kind of model joins specs/."""
    firsts: dict[tuple[str, str, tuple[str, ...]], Model] = {}
    for model in models:
        media = tuple(sorted({medium_of(i.name) for i in model.inputs if i.kind.is_file}))
        firsts.setdefault((model.source.format, model.output_kind, media), model)
    return tuple(firsts.values())
