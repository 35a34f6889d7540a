"""Mock memory under hostile WebSocket traffic (not a test: prints a table, asserts nothing).

Starts `python -m mockserver --clock manual --no-auth` as a subprocess on loopback and, in
one run, opens `--connections` sockets at once for each case below, then measures the mock's
RSS (/proc) and open file descriptors: before the case, at its peak (sampled every 10 ms
while the case runs) and after every socket closed (plus a short settle). The cases, in this
order: `huge number` first, on a mock that has not yet held 1,000 sockets (the cold case),
then the `good` baseline, the other bad frames, and `huge number` once more (warm):

- `good`: the baseline. Every socket subscribes to one live task, receives its first event,
  and the task is then advanced to its end: the mock sends the rest and closes with 1000.
- `huge number`, `non-JSON`, `too deep`, `non-object`, `wrong type`: every socket sends one
  bad `task_info` frame (a 5,000-digit `tasktoken`, text that is not JSON, 100,000 nested
  arrays, `[1]`, a number as `tasktoken`). The mock must answer each with Wiro's error
  message and close with 1008; a socket that hears nothing within `--timeout` seconds is
  counted as "silent" and closed by the client.

A mock that leaks per connection grows by about the same amount in every case, warm or
cold, and keeps file descriptors; one that holds up returns to within a few MB once its
allocator has served one burst (the first burst's peak partly stays as the allocator's
high-water mark and is reused by the next, it is not a leak). At the end the mock is sent
SIGTERM: a graceful shutdown that hangs means it still holds connections.

    .venv/bin/python bench/socket_abuse.py [--connections 1000] [--timeout 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
#: Seconds to let the mock finish closing (and the allocator settle) before `after`.
SETTLE = 1.0
#: Seconds a graceful shutdown may take (uvicorn waits for open connections).
STOP_TIMEOUT = 15.0

BAD_FRAMES: dict[str, str] = {
    "huge number": '{"type": "task_info", "tasktoken": ' + "9" * 5000 + "}",
    "non-JSON": "not json at all",
    "too deep": "[" * 100_000 + "]" * 100_000,
    "non-object": "[1]",
    "wrong type": '{"type": "task_info", "tasktoken": 12345}',
}


@dataclass
class Row:
    case: str
    start: float = 0.0
    peak: float = 0.0
    after: float = 0.0
    fds_start: int = 0
    fds_after: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_fds(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


class Sampler:
    """The highest RSS of a process while a case runs (a thread reading /proc)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def start_mock(port: int) -> subprocess.Popen[bytes]:
    log = Path(tempfile.mkdtemp(prefix="bench-socket-")) / "mock.log"
    cmd = [sys.executable, "-m", "mockserver", "--port", str(port), "--specs", str(SPECS),
           "--no-auth", "--clock", "manual"]  # fmt: skip
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/__mock__", timeout=1).status_code == 200:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the mock did not start:\n{log.read_text()[-2000:]}")


async def bad_socket(url: str, frame: str, timeout: float) -> str:
    """Send one bad frame; the outcome is the close code and whether an error came first."""
    async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
        await ws.send(frame)
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            await asyncio.wait_for(ws.wait_closed(), timeout)
        except TimeoutError:
            return "silent"
        except websockets.ConnectionClosed:
            return f"closed {ws.close_code} without error"
        said = "error" if reply.get("result") is False else "no error"
        return f"{said}, close {ws.close_code}"


async def good_socket(url: str, token: str, subscribed: asyncio.Queue[None]) -> str:
    async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
        await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
        await ws.recv()
        await subscribed.put(None)
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:
                pass
        return f"close {ws.close_code}"


async def case_good(root: str, count: int) -> list[str]:
    async with httpx.AsyncClient(base_url=root, timeout=30) as client:
        created = (await client.post("/v1/Run/reve/generate", json={"prompt": "bench"})).json()
        subscribed: asyncio.Queue[None] = asyncio.Queue()
        url = root.replace("http", "ws") + "/v1"
        jobs = [asyncio.create_task(good_socket(url, created["socketaccesstoken"], subscribed))
                for _ in range(count)]  # fmt: skip
        for _ in range(count):
            await subscribed.get()
        await client.post(f"/__mock__/tasks/{created['taskid']}/advance", json={"to": "end"})
        return list(await asyncio.gather(*jobs))


async def measure(pid: int, name: str, job: Callable[[], Awaitable[list[str]]]) -> Row:
    row = Row(name, start=rss_mb(pid), fds_start=open_fds(pid))
    with Sampler(pid) as sampler:
        row.outcomes.update(await job())
    await asyncio.sleep(SETTLE)
    row.peak, row.after, row.fds_after = sampler.peak, rss_mb(pid), open_fds(pid)
    return row


async def bench(port: int, pid: int, count: int, timeout: float) -> list[Row]:
    root = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/v1"
    await case_good(root, 20)  # warm up: first-use allocations are not what is measured
    for frame in BAD_FRAMES.values():
        await bad_socket(url, frame, timeout)

    def bad(name: str) -> Callable[[], Awaitable[list[str]]]:
        return lambda: asyncio.gather(*[bad_socket(url, BAD_FRAMES[name], timeout)
                                        for _ in range(count)])  # fmt: skip

    rows = [await measure(pid, "bad: huge number (cold)", bad("huge number"))]
    rows.append(await measure(pid, "good subscription", lambda: case_good(root, count)))
    for name in BAD_FRAMES:
        label = f"bad: {name} (warm)" if name == "huge number" else f"bad: {name}"
        rows.append(await measure(pid, label, bad(name)))
    return rows


def report(rows: list[Row], count: int, first: float, last: float) -> None:
    print(f"\nMock RSS around {count:,} WebSocket connections per case (one run, manual clock)\n")
    print("| case | start MB | peak MB | after MB | delta MB | fds start/after | outcomes |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        outcomes = ", ".join(f"{n} {what}" for what, n in r.outcomes.most_common())
        print(f"| {r.case} | {r.start:.1f} | {r.peak:.1f} | {r.after:.1f} | "
              f"{r.after - r.start:+.1f} | {r.fds_start}/{r.fds_after} | {outcomes} |")  # fmt: skip
    print(
        f"\nwhole run: {first:.1f} MB before the first case, {last:.1f} MB after the last "
        f"({last - first:+.1f} MB)"
    )


def stop(proc: subprocess.Popen[bytes]) -> str:
    """Stop the mock; a graceful shutdown that hangs means it still holds connections."""
    started = time.monotonic()
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return f"the mock did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM (killed)"
    return f"the mock stopped {time.monotonic() - started:.1f} s after SIGTERM"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.connections + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the mock inherits it
    port = free_port()
    proc = start_mock(port)
    try:
        rows = asyncio.run(bench(port, proc.pid, args.connections, args.timeout))
        report(rows, args.connections, rows[0].start, rss_mb(proc.pid))
    finally:
        print(stop(proc))


if __name__ == "__main__":
    main()
