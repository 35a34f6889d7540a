"""Benchmark: does parse time grow linearly with a doc's size? (not a test)

Each shape is a doc built to hit one spot where the parser once took time that
grew with the square of the doc's size (issue 16, item 2), or a plain big doc
that would show a hidden quadratic spot:

- ``page_d``: a page's Run sample with many ``-d '…' \\`` lines and no closing
  ``';`` (the JSON-body pattern tried every ``-d`` against every later quote);
- ``help_width`` / ``help_aspect``: a file input whose help text repeats
  "width " / "aspect ratio " with no period (each occurrence was scanned to
  the end of its sentence);
- ``page_fields``: a page sample with tens of thousands of ``-F`` fields (each
  was checked against all earlier inputs);
- ``llms_options``: one select with a very long option list (copied per option);
- ``llms_inputs``, ``llms_flat``, ``openapi_inputs``: many plain inputs, in the
  line-structured llms.txt, a flattened llms.txt and an OpenAPI document.

Every measurement runs in a fresh interpreter with a timeout (a quadratic case
at 4 MB takes hours), parses the doc with ``parse_file`` and reports its CPU
time (best of several runs for small docs; CPU time, as other work on a shared
machine inflates wall-clock times) in milliseconds per KB; ``spread`` is the
largest over the smallest. Flat within 2x means linear. What growth remains
in the rows of many small objects (``page_fields``: 130,000 inputs at 4 MB) is
the cyclic garbage collector's: ``--gc-off`` shows those rows flat.

    .venv/bin/python bench/parse_scaling.py [--sizes 25,100,1000,4000] [--timeout 60]
    .venv/bin/python bench/parse_scaling.py --shapes page_d --profile 1000   # cProfile at 1 MB
    .venv/bin/python bench/parse_scaling.py --write DIR                     # keep the docs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (25, 100, 1000, 4000)
KB = 1000

LLMS_HEAD = """## Basic tool info

Model name: bench/Scaling
Model description: A synthetic doc for parse-time scaling.
Run Task Endpoint (POST):
https://api.wiro.ai/v1/Run/bench/scaling

## Model Inputs:

"""
LLMS_TAIL = "\n## Integration Header Prepare\n"
PAGE_HEAD = """Models
bench/Scaling

A synthetic page for parse-time scaling.

12runs

API Sample: bench/Scaling

Run Command - Make HTTP Post Request

curl -X POST "https://api.wiro.ai/v1/Run/bench/scaling"  \\
-H "x-api-key: ${YOUR_API_KEY}" \\
"""
PAGE_TAIL = "\nRun Command - Response\n\n{}\n"


def _repeat(unit: Callable[[int], str], size: int, fixed: int) -> str:
    """`unit(0)`, `unit(1)`, ... until they fill `size` bytes beside `fixed` bytes."""
    parts: list[str] = []
    total = fixed
    while total < size:
        part = unit(len(parts))
        parts.append(part)
        total += len(part.encode())
    return "".join(parts)


def page_d(size: int) -> str:
    body = _repeat(lambda i: f"-d '{{\"a{i}\": {i}}}' \\\n", size, len(PAGE_HEAD) + 40)
    return PAGE_HEAD + body + PAGE_TAIL


def _help_doc(size: int, word: str) -> str:
    head = LLMS_HEAD + "  - name: inputImage\n    label: Image\n    help: "
    tail = "\n    type: fileinput\n    default: \n" + LLMS_TAIL
    return head + _repeat(lambda _: word, size, len(head) + len(tail)) + tail


def help_width(size: int) -> str:
    return _help_doc(size, "width ")


def help_aspect(size: int) -> str:
    return _help_doc(size, "aspect ratio ")


def page_fields(size: int) -> str:
    body = _repeat(lambda i: f'-F "field{i}=value {i}" \\\n', size, len(PAGE_HEAD) + 40)
    return PAGE_HEAD + body + PAGE_TAIL


def _option(index: int) -> str:
    return f'      - value: "v{index}"\n        label: V {index}\n'


def llms_options(size: int) -> str:
    head = LLMS_HEAD + "  - name: choice\n    label: Choice\n    help: \n"
    head += "    type: select\n    default: v0\n    options:\n"
    return head + _repeat(_option, size, len(head) + 40) + LLMS_TAIL


def _llms_input(index: int) -> str:
    return (
        f"  - name: field{index}\n    label: Field {index}\n    help: Between 0 and 10.\n"
        f"    type: number\n    default: {index % 10}\n\n"
    )


def llms_inputs(size: int) -> str:
    return LLMS_HEAD + _repeat(_llms_input, size, len(LLMS_HEAD) + 40) + LLMS_TAIL


def llms_flat(size: int) -> str:
    """The same doc with its newlines lost, as copies of llms.txt often are."""
    return " ".join(llms_inputs(size).split())


def _property(index: int) -> str:
    body = {"type": "integer", "x-label": f"Field {index}", "default": index % 10}
    return f'"field{index}": {json.dumps(body)}, '


def openapi_inputs(size: int) -> str:
    properties = _repeat(_property, size, 400).rstrip(", ")
    return (
        '{"openapi": "3.1.0", "info": {"title": "bench"}, "paths": {"/Run/bench/scaling": '
        '{"post": {"description": "A synthetic document.", "requestBody": {"content": '
        '{"application/json": {"schema": {"type": "object", "properties": {'
        + properties
        + "}}}}}}}}}"
    )


SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "page_d": (page_d, "page.txt"),
    "help_width": (help_width, "llms.md"),
    "help_aspect": (help_aspect, "llms.md"),
    "page_fields": (page_fields, "page.txt"),
    "llms_options": (llms_options, "llms.md"),
    "llms_inputs": (llms_inputs, "llms.md"),
    "llms_flat": (llms_flat, "llms.md"),
    "openapi_inputs": (openapi_inputs, "openapi.json"),
}

_CHILD = """
import sys, time
from codegen.parser import parse_file
path, profile = sys.argv[1], sys.argv[2]
if sys.argv[3] == "1":
    import gc
    gc.disable()
if profile:
    import cProfile, pstats
    cProfile.run("parse_file(path)", profile)
    pstats.Stats(profile).sort_stats("tottime").print_stats(20)
    raise SystemExit
best, spent = float("inf"), 0.0
runs = 0
while spent < 0.3 or runs < 2:
    runs += 1
    t0 = time.process_time()
    parse_file(path)
    took = time.process_time() - t0
    best, spent = min(best, took), spent + took
print(best)
"""


def write(folder: Path, shape: str, size_kb: int) -> Path:
    """The doc of `shape` at `size_kb` KB, written once into `folder`."""
    make, ending = SHAPES[shape]
    path = folder / f"bench__{shape}-{size_kb}kb.{ending}"
    if not path.exists():
        path.write_text(make(size_kb * KB))
    return path


def measure(
    path: Path, timeout: float, profile: Path | None = None, gc_off: bool = False
) -> float | None:
    """CPU seconds `parse_file` takes on `path` in a fresh interpreter; None past `timeout`.

    With `profile`, prints the cProfile table of one parse instead (and returns 0).
    """
    command = [sys.executable, "-c", _CHILD, str(path), str(profile or ""), "1" if gc_off else "0"]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"{path.name}: parse failed: {done.stderr.strip().splitlines()[-1]}")
    if profile is not None:
        print(done.stdout)
        return 0.0
    return float(done.stdout.strip())


def row(shape: str, folder: Path, sizes: list[int], timeout: float, gc_off: bool) -> str:
    """One markdown table row: ms per KB at each size, then the spread."""
    cells: list[str] = []
    per_kb: list[float] = []
    for size_kb in sizes:
        path = write(folder, shape, size_kb)
        seconds = measure(path, timeout, gc_off=gc_off)
        if seconds is None:
            cells.append(f"> {timeout:g} s")
            per_kb.append(float("inf"))
            continue
        per_kb.append(seconds * 1000 / (path.stat().st_size / KB))
        cells.append(f"{per_kb[-1]:.3f}")
    spread = max(per_kb) / min(per_kb)
    if spread == float("inf"):
        verdict = "timed out"
    else:
        verdict = f"{spread:.1f}x " + ("flat" if spread <= 2 else "GROWS")
    return f"| {shape} | " + " | ".join(cells) + f" | {verdict} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="in KB")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per measurement")
    parser.add_argument("--profile", type=int, metavar="KB", help="cProfile one parse at this size")
    parser.add_argument("--write", type=Path, metavar="DIR", help="keep the docs in DIR")
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="parse with the cyclic garbage collector off: how much of a row's growth is its",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.write or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if args.profile is not None:
            for shape in shapes:
                print(f"== {shape} at {args.profile} KB")
                doc = write(folder, shape, args.profile)
                measure(doc, args.timeout, profile=Path(scratch) / "parse.prof")
            return
        print("CPU ms per KB of doc (parse_file; best of several runs for small docs)\n")
        print("| shape | " + " | ".join(f"{s:,} KB" for s in sizes) + " | spread |")
        print("|---" * (len(sizes) + 2) + "|")
        for shape in shapes:
            print(row(shape, folder, sizes, args.timeout, args.gc_off), flush=True)


if __name__ == "__main__":
    main()
