"""Deterministic output files: what a task "produced", by the model's category.

An output is described by a cheap `OutputSpec` (name, type, size in pixels, seed) when the
task is created; its bytes are rendered only when someone needs them (the size in Task/Detail,
a download) and re-rendered identically later, so 100,000 stored tasks cost no output memory.
Images are in the format asked for (`outputFormat`: PNG by default, encoded here with zlib;
JPEG and WebP through Pillow, a dependency of the mock so the answer never depends on what
happens to be installed), videos are uncompressed AVI, audio is a WAV tone, LLM output is
Wiro's `raw` content object.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PIL import Image

from codegen.schema import Model

BASE_SIDE = 1024
MAX_SIDE = 4096
VIDEO_SIZE = (128, 72)
VIDEO_FRAMES = 10
AUDIO_RATE = 16_000
AUDIO_SECONDS = 2


#: `outputFormat` value -> (file extension, content type); anything else gives a PNG.
IMAGE_FORMATS = {
    "png": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
    "jpg": ("jpg", "image/jpeg"),
    "webp": ("webp", "image/webp"),
}
#: Content type -> Pillow's encoder and its settings (fixed: same bytes for the same seed).
_PILLOW = {"image/jpeg": ("JPEG", {"quality": 90}), "image/webp": ("WEBP", {"quality": 80})}


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """Everything needed to render one output file, deterministically."""

    name: str
    content_type: str
    kind: str
    width: int
    height: int
    seed: int


_KINDS: dict[tuple[str, str], str] = {}


def output_kind(model: Model) -> str:
    """`Model.output_kind`, memoized per model version (it scans categories: hot on Run)."""
    key = (model.slug, model.source.sha256)
    kind = _KINDS.get(key)
    if kind is None:
        kind = _KINDS[key] = model.output_kind
    return kind


def seed_of(*parts: object) -> int:
    """A stable 64-bit seed from the model, the parameters and the mock's seed."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def plan_outputs(
    model: Model, params: dict[str, str], seed: int, input_size: tuple[int, int] | None
) -> tuple[OutputSpec, ...]:
    """The outputs a successful task of `model` with `params` produces (no bytes yet)."""
    kind = output_kind(model)
    if kind == "image":
        w, h = image_dims(params, input_size)
        count = _sample_count(params)
        ext, ctype = IMAGE_FORMATS.get(params.get("outputFormat", "").lower(), IMAGE_FORMATS["png"])
        return tuple(OutputSpec(f"{i}.{ext}", ctype, "image", w, h, seed + i) for i in range(count))
    if kind == "video":
        w, h = VIDEO_SIZE
        return (OutputSpec("0.avi", "video/x-msvideo", "video", w, h, seed),)
    if kind == "audio":
        return (OutputSpec("0.wav", "audio/wav", "audio", 0, 0, seed),)
    if kind == "3d":
        return (OutputSpec("0.obj", "model/obj", "3d", 0, 0, seed),)
    if kind == "text":
        return (OutputSpec("0.txt", "raw", "text", 0, 0, seed),)
    return (OutputSpec("0.txt", "text/plain", "file", 0, 0, seed),)


def image_dims(params: dict[str, str], input_size: tuple[int, int] | None) -> tuple[int, int]:
    """Explicit width/height, else the aspect ratio, else the input image's size, else square."""
    try:
        w, h = int(params["width"]), int(params["height"])
        return _clamp(w), _clamp(h)
    except (KeyError, ValueError):
        pass
    ratio = params.get("aspectRatio") or params.get("aspect_ratio") or ""
    left, sep, right = ratio.partition(":")
    if sep:
        try:
            r = float(left) / float(right)
            return _round16(math.sqrt(BASE_SIDE * BASE_SIDE * r)), _round16(
                math.sqrt(BASE_SIDE * BASE_SIDE / r)
            )
        except (ValueError, ZeroDivisionError):
            pass
    if input_size:
        return _clamp(input_size[0]), _clamp(input_size[1])
    return BASE_SIDE, BASE_SIDE


def llm_content(params: dict[str, str], seed: int) -> dict[str, Any]:
    """Wiro's LLM output object: cumulative `thinking` and `answer` arrays plus `raw`."""
    prompt = params.get("prompt", "")
    words = ["mock", "answer", f"#{seed % 1000}", "for:", *prompt.split()[:12]]
    answer = " ".join(words)
    return {
        "prompt": prompt,
        "raw": f"<think>Considering the request.</think>{answer}",
        "thinking": ["Considering the request."],
        "answer": [answer],
    }


def text_bytes(params: dict[str, str], seed: int) -> bytes:
    """The LLM output as the JSON file the mock serves (its length is the reported size)."""
    return json.dumps(llm_content(params, seed), separators=(",", ":"), ensure_ascii=False).encode()


_CACHE: OrderedDict[OutputSpec, bytes] = OrderedDict()
_CACHE_SIZE = 32


def render(spec: OutputSpec) -> bytes:
    """The bytes of an output; identical for identical specs (a small LRU keeps hot ones)."""
    cached = _CACHE.get(spec)
    if cached is not None:
        _CACHE.move_to_end(spec)
        return cached
    data = _RENDERERS[spec.kind](spec)
    _CACHE[spec] = data
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return data


def _render_image(spec: OutputSpec) -> bytes:
    raw = _pixels(spec.width, spec.height, spec.seed)
    encoder = _PILLOW.get(spec.content_type)
    if encoder is None:
        return png(spec.width, spec.height, raw)
    name, settings = encoder
    buffer = io.BytesIO()
    Image.frombytes("RGB", (spec.width, spec.height), raw).save(buffer, name, **settings)
    return buffer.getvalue()


def _pixels(width: int, height: int, seed: int) -> bytes:
    """RGB rows: a vertical gradient between two seeded colours, split at a seeded column."""
    rnd = seed.to_bytes(8, "big")
    a, b, c = rnd[0:3], rnd[3:6], bytes(255 - x for x in rnd[0:3])
    split = width * (25 + rnd[6] % 50) // 100
    rows = []
    for y in range(height):
        t = y / max(1, height - 1)
        left = bytes(int(a[i] + (b[i] - a[i]) * t) for i in range(3))
        right = bytes(int(c[i] + (a[i] - c[i]) * t) for i in range(3))
        rows.append(left * split + right * (width - split))
    return b"".join(rows)


def png(width: int, height: int, rgb: bytes) -> bytes:
    """A valid 8-bit RGB PNG from raw rows (filter byte 0 per row)."""
    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _render_video(spec: OutputSpec) -> bytes:
    """An uncompressed 24-bit AVI (RIFF): valid, tiny, playable by ffmpeg/VLC."""
    w, h, fps = spec.width, spec.height, 10
    frames = []
    for f in range(VIDEO_FRAMES):
        rgb = _pixels(w, h, spec.seed + f)
        rows = [rgb[y * w * 3 : (y + 1) * w * 3] for y in range(h)]
        bgr = b"".join(_bgr(r) for r in reversed(rows))  # DIBs are bottom-up BGR
        frames.append(bgr)
    frame_size = len(frames[0])
    avih = struct.pack(
        "<10I16x", 1_000_000 // fps, frame_size * fps, 0, 0x10, VIDEO_FRAMES, 0, 1,
        frame_size, w, h,
    )  # fmt: skip
    strh = (
        b"vids"
        + b"DIB "
        + struct.pack("<IHHIIIIIIiI", 0, 0, 0, 0, 1, fps, 0, VIDEO_FRAMES, frame_size, -1, 0)
        + struct.pack("<hhhh", 0, 0, w, h)
    )
    strf = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, frame_size, 0, 0, 0, 0)
    strl = _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf))
    hdrl = _list(b"hdrl", _chunk(b"avih", avih) + strl)
    movi_body = b"".join(_chunk(b"00db", fr) for fr in frames)
    index = b"".join(
        b"00db" + struct.pack("<III", 0x10, 4 + i * (8 + frame_size), frame_size)
        for i in range(VIDEO_FRAMES)
    )
    body = b"AVI " + hdrl + _list(b"movi", movi_body) + _chunk(b"idx1", index)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _bgr(row: bytes) -> bytes:
    out = bytearray(row)
    out[0::3], out[2::3] = row[2::3], row[0::3]
    return bytes(out)


def _chunk(tag: bytes, body: bytes) -> bytes:
    pad = b"\x00" if len(body) % 2 else b""
    return tag + struct.pack("<I", len(body)) + body + pad


def _list(kind: bytes, body: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(body) + 4) + kind + body


def _render_audio(spec: OutputSpec) -> bytes:
    """A 16-bit mono WAV: a seeded tone between 220 and 880 Hz."""
    freq = 220 + spec.seed % 660
    n = AUDIO_RATE * AUDIO_SECONDS
    period = [int(12000 * math.sin(2 * math.pi * freq * i / AUDIO_RATE)) for i in range(AUDIO_RATE)]
    samples = struct.pack(f"<{AUDIO_RATE}h", *period) * AUDIO_SECONDS
    fmt = struct.pack("<HHIIHH", 1, 1, AUDIO_RATE, AUDIO_RATE * 2, 2, 16)
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"data", samples[: n * 2])
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _render_obj(spec: OutputSpec) -> bytes:
    s = 1 + spec.seed % 5
    verts = [(x * s, y * s, z * s) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    faces = ["1 2 4 3", "5 6 8 7", "1 2 6 5", "3 4 8 7", "1 3 7 5", "2 4 8 6"]
    lines = [f"v {x} {y} {z}" for x, y, z in verts] + [f"f {f}" for f in faces]
    return ("# wiro-mock cube\n" + "\n".join(lines) + "\n").encode()


def _render_text(spec: OutputSpec) -> bytes:
    return f"wiro-mock output {spec.seed}\n".encode()


_RENDERERS = {
    "image": _render_image,
    "video": _render_video,
    "audio": _render_audio,
    "3d": _render_obj,
    "text": _render_text,
    "file": _render_text,
}


def _sample_count(params: dict[str, str]) -> int:
    for key in ("samples", "numOutputs", "num_outputs", "numberOfImages"):
        try:
            return max(1, min(4, int(params[key])))
        except (KeyError, ValueError):
            continue
    return 1


def _clamp(side: int) -> int:
    return max(16, min(MAX_SIDE, side))


def _round16(value: float) -> int:
    return _clamp(round(value / 16) * 16)
