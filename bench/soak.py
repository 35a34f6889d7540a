"""Load and soak: many async generated clients against the mock under injected faults.

Starts the mock as a subprocess on loopback (`python -m mockserver --port 0 --clock realtime
--speed N`) with fault rules in a temporary `mock.toml`:

- `http` 503 on 5% of API requests (Run and every Task route; Run is not retried by the
  client, since it is not idempotent, so this script retries a Run refused with 503: the
  fault fires before the route, so no task exists yet);
- `drop` (connection closed mid-response) on 1% of Task/Detail requests;
- `socket_drop` on 1% of tasks (their WebSocket stream is cut after 3 events).

`--clients` `wiro_client.AsyncWiro` instances (one connection pool each) share `--tasks`
tasks; even-numbered tasks wait by socket, odd ones by polling. Each wait has a deadline;
a guard `asyncio.wait_for` at deadline + grace detects a wait that overruns it (hung).

Counted: tasks run, lost (Run acknowledged but never seen terminal), hung, failed (any
other outcome than success), orphans (tasks the mock holds that no Run acknowledged), socket
streams complete and in order, streams cut and recovered by polling, streams broken.
Memory: the mock's RSS (/proc) at start, after each round (the run is split in `--rounds`
rounds with an admin reset after each), and the growth from the first round to the last.

    .venv/bin/python bench/soak.py [--tasks 10000] [--clients 50] [--speed 20] [--json]

Loopback only; bounded by `--tasks` and each wait's deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds codegen.py (the generator's benchmark): keep it from shadowing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from wiro_client import (  # type: ignore[import-not-found, unused-ignore]  # noqa: E402
    APIConnectionError,
    APIError,
    AsyncWiro,
    WaitTimeout,
)

from codegen.schema import LIFECYCLE  # noqa: E402

KEY, SECRET = "soak-key", "soak-secret"
ORDER = {status.value: index for index, status in enumerate(LIFECYCLE)}
TERMINAL = "task_postprocess_end"
STARTUP = re.compile(r"wiro-mock: (http://[\d.]+:\d+/v1)")

CONFIG = f"""
seed = 7
[[projects]]
api_key = "{KEY}"
api_secret = "{SECRET}"
[limits]
journal_size = 2000
[[faults]]
name = "http-503"
kind = "http"
status = 503
rate = 0.05
route = "/v1/"
[[faults]]
name = "http-drop"
kind = "drop"
rate = 0.01
route = "/v1/task/detail"
[[faults]]
name = "socket-drop"
kind = "socket_drop"
rate = 0.01
after_events = 3
"""


@dataclass
class Stats:
    tasks_run: int = 0
    acknowledged: int = 0
    succeeded: int = 0
    lost: int = 0
    hung: int = 0
    timed_out: int = 0
    failed: int = 0
    run_503_retried: int = 0
    socket_waits: int = 0
    poll_waits: int = 0
    socket_complete: int = 0
    socket_recovered: int = 0
    socket_broken: int = 0
    out_of_order: int = 0
    orphans: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    rss_kib: dict[str, int] = field(default_factory=dict)
    faults_fired: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0


# -- the mock process -----------------------------------------------------------------------
class Mock:
    def __init__(self, speed: float) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="wiro-soak-")
        config = Path(self.dir.name) / "mock.toml"
        config.write_text(CONFIG)
        command = [
            sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", "0",
            "--clock", "realtime", "--speed", str(speed), "--specs", str(ROOT / "specs"),
            "--config", str(config), "--log-level", "error",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        self.log: collections.deque[str] = collections.deque(maxlen=200)
        self.base_url = self._wait_for_start()
        threading.Thread(target=self._drain, daemon=True).start()
        self.admin = httpx.Client(base_url=self.base_url.removesuffix("/v1"), trust_env=False)

    def _wait_for_start(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            self.log.append(line)
            match = STARTUP.search(line)
            if match:
                return match.group(1)
        self.stop()
        raise RuntimeError("the mock did not start:\n" + "".join(self.log))

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def reset(self) -> None:
        self.admin.post("/__mock__/reset").raise_for_status()

    def faults(self) -> dict[str, int]:
        rules = self.admin.get("/__mock__/faults").json()["faults"]
        return {str(r["name"]): int(r["used"]) for r in rules}

    def task_statuses(self) -> collections.Counter[str]:
        tasks = self.admin.get("/__mock__/tasks", timeout=120).json()["tasks"]
        return collections.Counter(str(t["task"]["status"]) for t in tasks)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.dir.cleanup()


# -- one task -------------------------------------------------------------------------------
def check_stream(types: list[str], stats: Stats, recovered: bool) -> None:
    statuses = [t for t in types if t in ORDER]
    if any(ORDER[b] < ORDER[a] for a, b in itertools.pairwise(statuses)):
        stats.out_of_order += 1
    if statuses and statuses[-1] == TERMINAL and statuses[0] == LIFECYCLE[0].value:
        stats.socket_complete += 1
    elif recovered:
        stats.socket_recovered += 1
    else:
        stats.socket_broken += 1


async def one_task(client: AsyncWiro, n: int, stats: Stats, timeout: float, grace: float) -> None:
    via = "socket" if n % 2 == 0 else "poll"
    task = None
    for _ in range(20):
        try:
            task = await client.reve.generate.run(prompt=f"soak task {n}")
            break
        except APIError as exc:
            if exc.status_code != 503:
                stats.errors[f"run {type(exc).__name__} {exc.status_code}"] += 1
                return
            stats.run_503_retried += 1
        except APIConnectionError as exc:  # sent or not: retrying could double a task
            stats.errors[f"run {type(exc).__name__}"] += 1
            return
    if task is None:
        stats.errors["run refused 20 times"] += 1
        return
    stats.acknowledged += 1
    events: list[str] = []
    stream_len: list[int] = []
    if via == "socket":
        stats.socket_waits += 1
        stream = task._stream

        async def recorded(*args: Any) -> None:  # where the socket part of the wait ends
            try:
                await stream(*args)
            finally:
                stream_len.append(len(events))

        task._stream = recorded
    else:
        stats.poll_waits += 1
    terminal = False
    try:
        detail = await asyncio.wait_for(
            task.wait(
                timeout=timeout, via=via, poll_interval=0.05,
                on_event=lambda e: events.append(e.type or ""),
            ),
            timeout + grace,
        )  # fmt: skip
        terminal = detail.status == TERMINAL
        stats.succeeded += detail.pexit == 0
    except TimeoutError:
        stats.hung += 1
    except WaitTimeout:
        stats.timed_out += 1
    except Exception as exc:
        stats.failed += 1
        stats.errors[f"wait {type(exc).__name__}"] += 1
    if not terminal:
        stats.lost += 1
    if via == "socket":
        socket_types = events[: stream_len[0]] if stream_len else []
        check_stream(socket_types, stats, recovered=terminal)


async def run_round(
    base_url: str, tasks: range, clients: int, stats: Stats, timeout: float, grace: float
) -> None:
    queue = iter(tasks)

    async def worker() -> None:
        async with AsyncWiro(
            api_key=KEY, api_secret=SECRET, base_url=base_url, timeout=30
        ) as client:
            for n in queue:
                stats.tasks_run += 1
                await one_task(client, n, stats, timeout, grace)

    await asyncio.gather(*(worker() for _ in range(clients)))


def soak(tasks: int, clients: int, speed: float, rounds: int, timeout: float) -> Stats:
    stats = Stats()
    mock = Mock(speed)
    started = time.perf_counter()
    try:
        stats.rss_kib["start"] = mock.rss_kib()
        per_round = -(-tasks // rounds)
        for r in range(rounds):
            span = range(r * per_round, min(tasks, (r + 1) * per_round))
            before = stats.acknowledged
            asyncio.run(run_round(mock.base_url, span, clients, stats, timeout, grace=10.0))
            stats.rss_kib[f"round {r + 1} peak"] = mock.rss_kib()
            held = mock.task_statuses()
            stats.orphans += max(0, sum(held.values()) - (stats.acknowledged - before))
            for status, count in held.items():
                if status != TERMINAL:
                    stats.errors[f"mock holds a task in {status}"] += count
            stats.faults_fired = {
                k: stats.faults_fired.get(k, 0) + v for k, v in mock.faults().items()
            }
            mock.reset()
            stats.rss_kib[f"round {r + 1} after reset"] = mock.rss_kib()
    finally:
        stats.elapsed_s = round(time.perf_counter() - started, 1)
        mock.stop()
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--speed", type=float, default=20.0, help="mock clock speed factor")
    parser.add_argument("--rounds", type=int, default=4, help="resets (memory samples)")
    parser.add_argument("--timeout", type=float, default=60.0, help="each wait's deadline")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    stats = soak(args.tasks, args.clients, args.speed, max(1, args.rounds), args.timeout)
    resets = [v for k, v in stats.rss_kib.items() if k.endswith("after reset")]
    growth = resets[-1] - resets[0] if resets else 0
    figures: dict[str, Any] = {**asdict(stats), "rss_growth_first_to_last_reset_kib": growth}
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:36} {value}")
    ok = (
        stats.lost == 0 and stats.hung == 0 and stats.socket_broken == 0
        and stats.out_of_order == 0 and stats.orphans == 0 and not stats.errors
    )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
