"""`make demo`: every model in specs/, end to end, through the generated client's CLI.

Starts `wiro-mock` on a free loopback port (a separate process, as a user would), then
runs each model with its documented example inputs through `python -m wiro_client run`
(a few at a time), alternating socket and polling waits. It prints the status timeline,
as the client observes it, of one model of each output kind (and of every failure; all of
them with `--details all`), then a table: model, statuses, seconds, outputs, saved path,
and a summary per output kind. `--models` picks models by slug (shell patterns).
File inputs get a sample of their medium made here (image, audio, video, document);
`...Url` inputs get the URL of a sample image uploaded through the mock's File/Upload.
Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from codegen.parser import load_catalogue
from codegen.schema import Input, Model, medium_of
from codegen.wire import example_values
from mockserver.auth import signed_headers
from mockserver.tasks.outputs import OutputSpec, render

API_KEY = "demo-key"
API_SECRET = "demo-secret"
SAMPLE_SIZE = (640, 480)
_URL_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/v1)")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1400,1000", "--virtual-time-budget=3000",
)  # fmt: skip


@dataclass
class Outcome:
    model: Model
    via: str
    exit_code: int = 0
    timeline: list[tuple[float, str]] = field(default_factory=list)
    seconds: float = 0.0
    outputs: list[dict[str, object]] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    error: str = ""


@contextmanager
def running_mock(specs: Path, speed: float) -> Iterator[str]:
    """`wiro-mock` on a free port; yields its base URL and stops it afterwards."""
    command = [
        sys.executable, "-m", "mockserver", "--port", "0", "--specs", str(specs),
        "--api-key", API_KEY, "--api-secret", API_SECRET, "--speed", str(speed), "--seed", "7",
    ]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        yield _wait_for_url(process)
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        print(f"  {line.rstrip()}")
        match = _URL_LINE.search(line)
        if match:
            return match.group(1)
    raise SystemExit(f"wiro-mock exited ({process.wait()}) before serving")


#: medium -> (suffix, content type) of the samples made by the mock's own renderer.
_SAMPLES = {"image": ("png", "image/png"), "audio": ("wav", "audio/wav"),
            "video": ("avi", "video/x-msvideo")}  # fmt: skip
#: A minimal PDF (a catalogue and a trailer): what a document input's sniffer recognises.
PDF_SAMPLE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def sample_image(folder: Path, index: int) -> Path:
    return sample_file(folder, "image", index)


def sample_file(folder: Path, medium: str, index: int) -> Path:
    """A real file of `medium` (deterministic): a PDF for documents, an image for any
    medium without a renderer of its own (`inputAll`)."""
    if medium == "document":
        path = folder / f"sample-{index}.pdf"
        path.write_bytes(PDF_SAMPLE)
        return path
    medium = medium if medium in _SAMPLES else "image"
    suffix, content_type = _SAMPLES[medium]
    path = folder / f"sample-{index}.{suffix}"
    if not path.exists():
        w, h = SAMPLE_SIZE
        path.write_bytes(render(OutputSpec(path.name, content_type, medium, w, h, 1000 + index)))
    return path


def upload(base_url: str, path: Path) -> str:
    """Upload through File/Upload (signed, as a real client) and return the file's URL."""
    headers = signed_headers(API_KEY, API_SECRET, time.time_ns() // 1_000_000)
    with path.open("rb") as handle:
        response = httpx.post(
            f"{base_url}/File/Upload",
            headers=headers,
            files={"file": (path.name, handle, "image/png")},
        )
    response.raise_for_status()
    return str(response.json()["list"][0]["url"])


def cli_arguments(model: Model, samples: Path, base_url: str) -> list[str]:
    """The model's documented example, with local samples for its file inputs."""
    values = {name: [value] for name, value in example_values(model).items()}
    twins = {item.url_sibling for item in model.inputs if item.kind.is_file}
    for item in model.inputs:
        if item.kind.is_file:
            values[item.name] = [str(p) for p in _samples(item, samples)]
        elif item.accepts_url and medium_of(item.name) == "image" and item.name not in twins:
            values[item.name] = [upload(base_url, sample_image(samples, 0))]
    return [arg for name, value in values.items() for arg in (f"--{name}", *value)]


def _samples(item: Input, samples: Path) -> list[Path]:
    """As many samples as the doc's default lists (DreamOmni2 takes two images)."""
    count = len(item.default) if isinstance(item.default, list) else 1
    medium = medium_of(item.name) or "image"
    return [sample_file(samples, medium, i) for i in range(min(count, item.max_items or count))]


def run_model(model: Model, via: str, base_url: str, out: Path, samples: Path) -> Outcome:
    outcome = Outcome(model, via)
    target = out / model.slug.replace("/", "__")
    command = [
        sys.executable, "-m", "wiro_client", "run", model.slug,
        *cli_arguments(model, samples, base_url),
        "--wait", "--via", via, "--poll-interval", "0.05", "--timeout", "60",
        "--out", str(target), "--json",
    ]  # fmt: skip
    env = {**os.environ, "WIRO_API_KEY": API_KEY, "WIRO_API_SECRET": API_SECRET}
    env["WIRO_BASE_URL"] = base_url
    start = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None and process.stdout is not None
    for line in process.stderr:  # progress arrives as it happens: timestamp it here
        status = re.fullmatch(r"\[(task_\w+)\]", line.strip())
        if status:
            outcome.timeline.append((time.monotonic() - start, status.group(1)))
        elif line.strip() and not line.startswith((" ", "task ")):
            outcome.error = line.strip()
    stdout = process.stdout.read()
    outcome.exit_code = process.wait()
    outcome.seconds = time.monotonic() - start
    if outcome.exit_code == 0:
        payload = json.loads(stdout)
        outcome.outputs = payload["task"]["outputs"]
        outcome.saved = [_relative(Path(p)) for p in payload["saved"]]
    return outcome


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_timeline(outcome: Outcome) -> None:
    print(f"\n{outcome.model.display_name}  (wait via {outcome.via})")
    for at, status in outcome.timeline:
        print(f"  +{at:5.2f}s  {status}")
    for output, saved in zip(outcome.outputs, outcome.saved, strict=False):
        print(f"  saved {saved}  ({output.get('contenttype')}, {output.get('size')} bytes)")
    if outcome.exit_code:
        print(f"  FAILED (exit {outcome.exit_code}): {outcome.error}")


def print_table(outcomes: list[Outcome]) -> None:
    rows = [("model", "via", "statuses", "seconds", "outputs", "saved")]
    for o in outcomes:
        statuses = (
            f"{len(o.timeline)}: {o.timeline[0][1]} → {o.timeline[-1][1]}" if o.timeline else "-"
        )
        kinds = sorted({str(x.get("contenttype")) for x in o.outputs})
        outputs = (
            f"{len(o.outputs)} {','.join(kinds)}" if o.exit_code == 0 else f"exit {o.exit_code}"
        )
        saved = str(Path(o.saved[0]).parent) if o.saved else "-"
        rows.append((o.model.slug, o.via, statuses, f"{o.seconds:.2f}", outputs, saved))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print()
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def screenshot(url: str, target: Path) -> bool:
    """A headless-Chromium PNG of `url` (the dashboard); False when there is no Chromium."""
    executable = next(
        (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))),
        None,
    )
    if executable is None:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiro-demo-chromium-") as profile:
        command = [
            executable, *CHROMIUM_ARGS, f"--user-data-dir={profile}",
            f"--screenshot={target.resolve()}", url,
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            return False
    return target.is_file() and target.stat().st_size > 0


def dashboard_screenshot(base_url: str, outcomes: list[Outcome], target: Path) -> None:
    """Save the dashboard after the demo, opened on the last task that made an image."""
    images = [o for o in outcomes if any(
        str(x.get("contenttype", "")).startswith("image/") for x in o.outputs
    )]  # fmt: skip
    anchor = ""
    if images:
        url = str(images[-1].outputs[0].get("url", ""))
        task = _task_id(base_url, url)
        anchor = f"#task-{task}" if task else ""
    url = base_url.removesuffix("/v1") + "/__mock__/ui" + anchor
    if screenshot(url, target):
        print(f"dashboard screenshot: {target}")
    else:
        print("dashboard screenshot skipped: no Chromium found (apt-get install chromium)")


def _task_id(base_url: str, output_url: str) -> str | None:
    """The id of the task an output URL belongs to (the admin API knows its socket token)."""
    token = output_url.split("/File/", 1)[-1].partition("/")[0]
    try:
        reply = httpx.get(base_url.removesuffix("/v1") + f"/__mock__/tasks/{token}", timeout=10)
        return str(reply.json()["task"]["id"]) if reply.status_code == 200 else None
    except (httpx.HTTPError, KeyError, ValueError):
        return None


def pick(models: tuple[Model, ...], patterns: list[str] | None) -> list[Model]:
    """The models whose slug matches any pattern (all without patterns)."""
    if not patterns:
        return list(models)
    return [m for m in models if any(fnmatch.fnmatch(m.slug, p.lower()) for p in patterns)]


def detailed(outcomes: list[Outcome], details: str) -> list[Outcome]:
    """Whose timelines to print: all, or the first of each output kind and every failure."""
    if details == "all":
        return outcomes
    kinds: set[str] = set()
    shown = []
    for outcome in outcomes:
        if outcome.exit_code or outcome.model.output_kind not in kinds:
            kinds.add(outcome.model.output_kind)
            shown.append(outcome)
    return shown


def print_summary(outcomes: list[Outcome]) -> None:
    kinds = sorted({o.model.output_kind for o in outcomes})
    print()
    for kind in kinds:
        mine = [o for o in outcomes if o.model.output_kind == kind]
        ran = sum(o.exit_code == 0 for o in mine)
        seconds = sum(o.seconds for o in mine) / len(mine)
        print(f"  {kind:<6} {ran}/{len(mine)} models ran, {seconds:.2f} s each on average")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.demo", description=__doc__)
    parser.add_argument("--specs", type=Path, default=Path("specs"))
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    parser.add_argument("--speed", type=float, default=4.0, help="mock clock speed (default 4x)")
    parser.add_argument("--models", nargs="+", metavar="SLUG", help="only these (shell patterns)")
    parser.add_argument(
        "--details", choices=("kinds", "all"), default="kinds",
        help="timelines of one model per output kind and failures (default), or all",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=4, help="models run at once (default 4)")
    args = parser.parse_args(argv)
    models = pick(load_catalogue(args.specs).models, args.models)
    if not models:
        parser.error(f"no model in {args.specs} matches {' '.join(args.models or [])}")
    samples = args.out / "inputs"
    samples.mkdir(parents=True, exist_ok=True)
    sample_image(samples, 0)  # made once, before the runs share it
    print(f"wirogen demo: {len(models)} models from {args.specs}")
    with running_mock(args.specs, args.speed) as base_url:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(
                lambda pair: run_model(pair[1], ("socket", "poll")[pair[0] % 2], base_url,
                                       args.out, samples),
                enumerate(models),
            ))  # fmt: skip
        for outcome in detailed(outcomes, args.details):
            print_timeline(outcome)
        print_table(outcomes)
        print_summary(outcomes)
        dashboard_screenshot(base_url, outcomes, args.out / "dashboard.png")
    failed = [o.model.slug for o in outcomes if o.exit_code]
    print(f"\n{len(outcomes) - len(failed)}/{len(outcomes)} models ran; outputs in {args.out}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
