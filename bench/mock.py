"""Benchmark of the Wiro mock on loopback (not a test: prints tables, asserts nothing).

Measures, in one run: a bare Starlette JSON endpoint (the floor) on the same uvicorn
settings, Run (validated, task created) and Task/Detail throughput and latency with `wrk`
(or an async client in another process when wrk is missing), the same two routes with the
Redis store (one worker, and `--workers 2`), 1,000 concurrent WebSocket subscribers (every
event delivered in order; p99 delay against the schedule), and the RSS of a process holding
100,000 stored tasks.

Fairness: every server is started up front and measured in interleaved rounds (floor, Run,
Detail, ... then again), so a noisy neighbour hits them alike; the ratios to the floor and to
the in-memory single worker are computed per round and the median reported. On a machine
with 2+ CPUs the single-process servers are pinned to CPU 0 and wrk to CPU 1 (`taskset`), so
the load generator never competes with the server; the "server CPU" column shows the server
side's busy share of one core during each run (close to 100% means the server, not wrk, is
the bottleneck).

Redis: the bench starts its own `redis-server` (free loopback port, temporary folder, no
persistence) and gives each Redis mock its own database. The 1-worker Redis mock is pinned
like the memory mock, and so is redis-server while that mock is measured: mock + Redis get
CPU 0, the same one-core budget as the memory mock, wrk keeps CPU 1. `--workers 2` cannot be
pinned to one core, so for those rows nothing is pinned: both workers, redis-server and wrk
share the machine's cores (a 2-core box serving `wiro-mock --workers 2` plus a client). wrk's
own CPU ("wrk CPU") comes out of those cores, so this row is handicapped against the
single-process rows, whose wrk has a core to itself: the comparison with the memory worker
is conservative. Its server CPU is the sum of the workers, their supervisor and redis-server
(up to 100% per core).

Correctness under load (Redis, `--workers 2`): a second 2-worker mock in `--clock step` while
wrk keeps driving Run at it; N tasks are created, then each is read through Task/Detail by
several concurrent readers on separate connections (spread over both workers) until it
finishes; in step mode every read reports the task and moves it one event on, so every
status of the plan must be reported exactly once (the last one once per reader). Skipped and
repeated statuses are counted and printed.

    .venv/bin/python bench/mock.py [--duration 4] [--rounds 3] [--connections 64]
        [--skip-extra] [--no-redis] [--race-tasks 500] [--race-readers 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds codegen.py (the generator's benchmark): keep it from shadowing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
SPECS = ROOT / "specs"
KEY, SECRET, NONCE = "bench-key", "bench-secret", "1734513807"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from mockserver.auth import signed_headers

    return signed_headers(KEY, SECRET, NONCE)


# -- servers -------------------------------------------------------------------------------
def serve_floor(port: int) -> None:
    """A bare Starlette JSON endpoint on the mock's uvicorn settings."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from mockserver.cli import server_config

    async def endpoint(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"errors": [], "result": True})

    app = Starlette(routes=[Route("/v1/Task/Detail", endpoint, methods=["POST"])])
    uvicorn.Server(server_config(app, "127.0.0.1", port)).run()


#: CPU layout: servers on SERVER_CPU, wrk on CLIENT_CPU (None: no pinning, fewer than 2 CPUs).
PIN = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
SERVER_CPU, CLIENT_CPU = "0", "1"
_LOGS: list[Path] = []


def log_file(name: str) -> Path:
    """A file for a server's stderr, in one folder per bench run (kept: the paths are
    printed when a server wrote anything)."""
    if not _LOGS:
        _LOGS.append(Path(tempfile.mkdtemp(prefix="bench-mock-")))
    return _LOGS[0] / name


def pinned(cmd: list[str], cpu: str | None) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if PIN and cpu is not None else cmd


def answers(port: int) -> bool:
    """Whether an HTTP server answers on the port (a bound socket alone is not enough:
    `--workers` binds in the parent before its workers start)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def start(args: list[str], port: int, cpu: str | None = SERVER_CPU, log: Path | None = None
          ) -> subprocess.Popen[bytes]:  # fmt: skip
    """Start a server (pinned to `cpu`, None: not pinned); its stderr goes to `log` if given."""
    cmd = pinned([sys.executable, *args], cpu)
    if log is None:
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    else:
        with log.open("wb") as stderr:
            proc = subprocess.Popen(cmd, cwd=ROOT, stderr=stderr)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if answers(port):
            return proc
        time.sleep(0.05)
    proc.kill()
    tail = log.read_text(errors="replace")[-2000:] if log is not None else ""
    raise RuntimeError(f"server {args} did not start\n{tail}")


def mock_config(clock: str = "realtime", speed: float = 1.0) -> Path:
    config = Path(tempfile.mkdtemp()) / "mock.toml"
    config.write_text(
        f'[[projects]]\napi_key = "{KEY}"\napi_secret = "{SECRET}"\n'
        f'[clock]\nmode = "{clock}"\nspeed = {speed}\n[limits]\nmax_tasks = 1000000\n'
    )
    return config


def start_mock(port: int, clock: str = "realtime", speed: float = 1.0, store: str | None = None,
               workers: int = 1, cpu: str | None = SERVER_CPU, log: Path | None = None
               ) -> subprocess.Popen[bytes]:  # fmt: skip
    """`python -m mockserver`: the mock exactly as users run it (optionally `--store`,
    `--workers`)."""
    config = mock_config(clock, speed)
    args = ["-m", "mockserver", "--port", str(port), "--specs", str(SPECS), "--config", str(config)]
    if store is not None:
        args += ["--store", store, "--workers", str(workers)]
    return start(args, port, cpu, log)


# -- Redis ---------------------------------------------------------------------------------
class RedisServer:
    """A throwaway `redis-server` on a free loopback port, in a temporary folder, with no
    persistence (the bench measures the mock, not the disk)."""

    def __init__(self, executable: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [executable, "--bind", "127.0.0.1", "--port", str(self.port), "--dir",
             str(self.folder), "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self._pong():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, db: int) -> str:
        """A database of its own for one mock, emptied first."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                reply += sock.recv(64)
        return f"redis://127.0.0.1:{self.port}/{db}"

    def pin(self, cpu: str | None) -> None:
        """Move every thread of redis-server to `cpu` (None: every CPU)."""
        cpus = {int(cpu)} if PIN and cpu is not None else set(range(os.cpu_count() or 1))
        for tid in Path(f"/proc/{self.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(tid.name), cpus)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn's `--workers` are children of the
    supervisor `python -m mockserver` process)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc; NaN where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- load generators -----------------------------------------------------------------------
LUA = """
wrk.method = "POST"
wrk.body = [[{body}]]
{headers}
"""


def wrk_command(url: str, body: dict[str, Any], headers: dict[str, str], duration: int,
                conns: int) -> list[str]:  # fmt: skip
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    lines.append('wrk.headers["Content-Type"] = "application/json"')
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(LUA.format(body=json.dumps(body), headers="\n".join(lines)))
    return ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency", "-s", str(script), url]


def wrk_result(out: str) -> dict[str, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
        "socket_errors": float(sum(int(n) for n in sock.groups())) if sock else 0.0,
        "requests": float(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
    }


def wrk(url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int,
        cpu: str | None = CLIENT_CPU) -> dict[str, float]:  # fmt: skip
    cmd = wrk_command(url, body, headers, duration, conns)
    out = subprocess.run(pinned(cmd, cpu), capture_output=True, text=True, check=True).stdout
    return wrk_result(out)


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]+", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _client_load(url: str, body: dict[str, Any], headers: dict[str, str], duration: int,
                       conns: int) -> dict[str, float]:  # fmt: skip
    import httpx

    latencies: list[float] = []
    errors = 0
    end = time.monotonic() + duration
    limits = httpx.Limits(max_connections=conns)
    async with httpx.AsyncClient(limits=limits, headers=headers) as client:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < end:
                t = time.perf_counter()
                r = await client.post(url, json=body)
                latencies.append((time.perf_counter() - t) * 1000)
                errors += r.status_code >= 300

        await asyncio.gather(*(worker() for _ in range(conns)))
    latencies.sort()
    return {
        "rps": len(latencies) / duration,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": float(errors),
        "socket_errors": 0.0,
        "requests": float(len(latencies)),
    }


def load(url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int,
         cpu: str | None = CLIENT_CPU) -> dict[str, float]:  # fmt: skip
    if shutil.which("wrk"):
        return wrk(url, body, headers, duration, conns, cpu)
    cmd = [sys.executable, __file__, "--client", json.dumps([url, body, headers, duration, conns])]
    out = subprocess.run(pinned(cmd, cpu), capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def children_cpu() -> float:
    """CPU seconds of this process's finished children (the load generator runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(pids: Callable[[], list[int]], url: str, body: dict[str, Any],
            headers: dict[str, str], duration: int, conns: int, cpu: str | None = CLIENT_CPU,
            redis_pid: int | None = None) -> dict[str, float]:  # fmt: skip
    """`load` plus the server side's CPU busy share (of one core; summed over `pids`), the
    part of it redis-server took, and the load generator's, during the run."""
    watched = pids()
    cpu0, client0, t0 = sum(cpu_seconds(p) for p in watched), children_cpu(), time.monotonic()
    redis0 = cpu_seconds(redis_pid) if redis_pid is not None else 0.0
    result = load(url, body, headers, duration, conns, cpu)
    elapsed = time.monotonic() - t0
    result["cpu"] = (sum(cpu_seconds(p) for p in watched) - cpu0) / elapsed
    result["client_cpu"] = (children_cpu() - client0) / elapsed
    result["redis_cpu"] = (cpu_seconds(redis_pid) - redis0) / elapsed if redis_pid else 0.0
    return result


# -- websocket fan-out ---------------------------------------------------------------------
async def sockets(port: int, subscribers: int, per_task: int, speed: float) -> dict[str, float]:
    import httpx
    import websockets

    from mockserver.config import Durations
    from mockserver.tasks.lifecycle import build_plan

    plan = build_plan("success", 4, False)
    durations = Durations()
    offsets, t = [], 0.0
    for step in plan:
        offsets.append(t / speed)
        t += durations.of(step.type)
    expected_types = [s.type for s in plan]
    base = f"http://127.0.0.1:{port}/v1"
    headers = signed()
    delays: list[float] = []
    ok = 0

    async def subscriber(token: str, t0: float) -> None:
        nonlocal ok
        got: list[str] = []
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1", max_queue=None) as ws:
            await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
            async for raw in ws:
                now = time.monotonic()
                got.append(json.loads(raw)["type"])
                delays.append(max(0.0, now - (t0 + offsets[len(got) - 1])) * 1000)
        ok += got == expected_types

    async with httpx.AsyncClient(headers=headers) as client:
        jobs = []
        for _ in range(subscribers // per_task):
            t0 = time.monotonic()
            r = await client.post(f"{base}/Run/reve/generate", json={"prompt": "bench"})
            token = r.json()["socketaccesstoken"]
            jobs += [asyncio.create_task(subscriber(token, t0)) for _ in range(per_task)]
        await asyncio.gather(*jobs)
    delays.sort()
    return {
        "subscribers": float(subscribers),
        "complete": float(ok),
        "events": float(len(delays)),
        "p50": delays[len(delays) // 2],
        "p99": delays[int(len(delays) * 0.99)],
    }


# -- Redis --workers 2: every status exactly once under load -------------------------------
class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON (httpx's pool manages a few hundred
    requests a second here at this concurrency: the check would measure the client)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        lines = [f"{k}: {v}" for k, v in signed().items()]
        self.head = "".join(f"{line}\r\n" for line in ["Host: 127.0.0.1", *lines]).encode()

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\n".encode() + self.head
            + f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
        )  # fmt: skip
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if length is None:
            raise RuntimeError(f"answer without Content-Length: {head[:300]!r}")
        return int(head[9:12]), await self.reader.readexactly(int(length.group(1)))

    def close(self) -> None:
        self.writer.close()


async def race(port: int, tasks: int, readers: int, conns: int) -> dict[str, Any]:
    """Create `tasks` tasks on a step-clock mock, then read each through Task/Detail with
    `readers` concurrent readers, each on a connection of its own (so both workers serve
    them), until it finishes; count, per task, the statuses reported against the plan's."""
    from mockserver.tasks.lifecycle import build_plan

    plan = [s.status.value for s in build_plan("success", 4, False) if s.status is not None]
    terminal, expected = plan[-1], Counter(plan[:-1])
    errors: list[tuple[int, str]] = []
    creators = [await Connection.open(port) for _ in range(min(conns, tasks))]

    async def create(conn: Connection, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            status, body = await conn.post("/v1/Run/reve/generate", {"prompt": "race"})
            if status != 200:
                raise RuntimeError(f"Run answered {status}: {body[:500]!r}")
            ids.append(str(json.loads(body)["taskid"]))
        return ids

    share = [tasks // len(creators) + (i < tasks % len(creators)) for i in range(len(creators))]
    created = await asyncio.gather(*(create(c, n) for c, n in zip(creators, share, strict=True)))
    for conn in creators:
        conn.close()
    ids = [task_id for batch in created for task_id in batch]
    seen: dict[str, list[str]] = {task_id: [] for task_id in ids}

    async def reader(task_id: str) -> None:
        conn = await Connection.open(port)
        try:
            for _ in range(len(plan) * 4):  # a bound: a stuck task must not hang the bench
                status, body = await conn.post("/v1/Task/Detail", {"taskid": task_id})
                if status != 200:
                    errors.append((status, body[:500].decode(errors="replace")))
                    continue
                reported = json.loads(body)["tasklist"][0]["status"]
                seen[task_id].append(reported)
                if reported == terminal:
                    return
        finally:
            conn.close()

    tasks_at_once = asyncio.Semaphore(max(1, conns // readers))

    async def drive(task_id: str) -> None:
        async with tasks_at_once:
            await asyncio.gather(*(reader(task_id) for _ in range(readers)))

    t0 = time.monotonic()
    await asyncio.gather(*(drive(task_id) for task_id in ids))
    elapsed = time.monotonic() - t0
    skipped = repeated = bad = unfinished = 0
    for statuses in seen.values():
        got = Counter(s for s in statuses if s != terminal)
        skipped += sum((expected - got).values())
        repeated += sum((got - expected).values())
        bad += got != expected
        unfinished += statuses.count(terminal) != readers
    reads = sum(len(statuses) for statuses in seen.values())
    return {
        "tasks": len(ids), "statuses": len(plan), "skipped": skipped, "repeated": repeated,
        "bad_tasks": bad, "unfinished": unfinished, "reads": reads, "errors": errors,
        "elapsed": elapsed,
    }  # fmt: skip


def race_under_load(redis: RedisServer, tasks: int, readers: int, conns: int) -> dict[str, Any]:
    """`race` against `wiro-mock --workers 2 --clock step` with wrk driving Run at it
    meanwhile (nothing pinned, like the 2-worker throughput rows)."""
    port = free_port()
    log = log_file("redis-workers2-step.log")
    proc = start_mock(port, clock="step", store=redis.url(3), workers=2, cpu=None, log=log)
    redis.pin(None)
    background: subprocess.Popen[str] | None = None
    try:
        time.sleep(1.0)  # both workers up (the first answer proves only one)
        workers = [p for p in descendants(proc.pid) if b"spawn_main" in cmdline(p)]
        before = {p: cpu_seconds(p) for p in workers}
        if shutil.which("wrk"):
            url = f"http://127.0.0.1:{port}/v1/Run/reve/generate"
            cmd = wrk_command(url, {"prompt": "a koala", "aspectRatio": "16:9"}, signed(), 600,
                              conns)  # fmt: skip
            background = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
        result = asyncio.run(race(port, tasks, readers, conns))
        result["worker_cpu"] = [cpu_seconds(p) - before[p] for p in workers]
        if background is not None:
            background.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
            out, _ = background.communicate(timeout=30)
            result["load"] = wrk_result(out)
    finally:
        if background is not None and background.poll() is None:
            background.kill()
        proc.terminate()
        proc.wait(20)
    result["log"] = log
    return result


# -- memory --------------------------------------------------------------------------------
def memory(count: int) -> dict[str, float]:
    """RSS of a process holding `count` tasks created through the Run path's objects."""
    code = f"""
import asyncio, os, sys
sys.path.insert(0, {str(ROOT)!r})
from mockserver import create_app
from mockserver.config import ANONYMOUS
from mockserver.control.faults import TaskFaults
def rss():
    for l in open('/proc/self/status'):
        if l.startswith('VmRSS:'): return int(l.split()[1]) / 1024
app = create_app({str(SPECS)!r}, limits={{"max_tasks": 10_000_000}})
state = app.state.mock
model = state.registry.models["reve/generate"]
validator = state.registry.validator(model)
async def fill():
    for i in range({count}):
        v = validator.validate({{"prompt": f"a koala number {{i}}", "aspectRatio": "16:9"}})
        await state.new_task(model, ANONYMOUS, v.params, "", "http://127.0.0.1:8000/v1",
                             TaskFaults(), None)
    return await state.store.count()
before = rss()
stored = asyncio.run(fill())
print(before, rss(), stored)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, stored = out.stdout.split()
    return {"baseline": float(before), "rss": float(after), "tasks": float(stored)}


# -- main ----------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass
class Server:
    """One server under test: its process, where wrk runs against it, its Redis (if any) and
    where redis-server runs while it is measured."""

    proc: subprocess.Popen[bytes]
    port: int
    client_cpu: str | None = CLIENT_CPU
    redis: RedisServer | None = None
    redis_cpu: str | None = None
    log: Path | None = None
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def pids(self) -> list[int]:
        """The server side: the process tree (workers included) and its redis-server."""
        return descendants(self.proc.pid) + ([self.redis.proc.pid] if self.redis else [])

    def prepare(self) -> None:
        if self.redis is not None:
            self.redis.pin(self.redis_cpu)


FLOOR = "floor: bare Starlette JSON"
MEM_RUN, MEM_DETAIL = "Run reve/generate, memory, 1 worker", "Task/Detail, memory, 1 worker"
R1_RUN, R1_DETAIL = "Run, Redis, 1 worker", "Task/Detail, Redis, 1 worker"
R2_RUN = "Run, Redis, --workers 2 (unpinned)"
R2_DETAIL = "Task/Detail, Redis, --workers 2 (unpinned)"


def throughput(duration: int, rounds: int, conns: int, redis: RedisServer | None
               ) -> tuple[list[tuple[str, dict[str, float]]], dict[str, Server]]:  # fmt: skip
    """Floor, mock (as `wiro-mock` serves it) and (with a redis-server) the Redis-store mock
    with 1 and 2 workers, all started up front and measured in interleaved rounds."""
    import httpx

    headers = signed()
    ports = {name: free_port() for name in ("floor", "mock", "redis1", "redis2")}
    servers: dict[str, Server] = {}
    try:
        servers["floor"] = Server(
            start([__file__, "--serve-floor", str(ports["floor"])], ports["floor"]), ports["floor"]
        )
        log = log_file("memory.log")
        servers["mock"] = Server(start_mock(ports["mock"], log=log), ports["mock"], log=log)
        if redis is not None:
            log1, log2 = log_file("redis-1worker.log"), log_file("redis-workers2.log")
            proc = start_mock(ports["redis1"], store=redis.url(1), log=log1)
            servers["redis1"] = Server(proc, ports["redis1"], CLIENT_CPU, redis, SERVER_CPU, log1)
            proc = start_mock(ports["redis2"], store=redis.url(2), workers=2, cpu=None, log=log2)
            servers["redis2"] = Server(proc, ports["redis2"], None, redis, None, log2)
        task_ids = {}
        for name in ("mock", "redis1", "redis2"):
            if name in servers:
                r = httpx.post(f"{servers[name].url}/Run/reve/generate", json={"prompt": "d"},
                               headers=headers)  # fmt: skip
                task_ids[name] = r.json()["taskid"]
        run_body = {"prompt": "a koala", "aspectRatio": "16:9"}
        run, detail = "/Run/reve/generate", "/Task/Detail"
        cases: list[tuple[str, str, str, dict[str, Any], str]] = [
            (FLOOR, "floor", detail, {"taskid": "1"}, "floor"),
            (MEM_RUN, "mock", run, run_body, "run"),
            (MEM_DETAIL, "mock", detail, {"taskid": task_ids["mock"]}, "detail"),
        ]  # fmt: skip
        if redis is not None:
            cases += [
                (R1_RUN, "redis1", run, run_body, "run"),
                (R1_DETAIL, "redis1", detail, {"taskid": task_ids["redis1"]}, "detail"),
                (R2_RUN, "redis2", run, run_body, "run"),
                (R2_DETAIL, "redis2", detail, {"taskid": task_ids["redis2"]}, "detail"),
            ]
        per_round: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in cases}
        run_answers = dict.fromkeys(servers, 1.0)  # the Detail task above
        for _ in range(rounds):
            for label, name, path, body, kind in cases:
                server = servers[name]
                server.prepare()
                redis_pid = server.redis.proc.pid if server.redis is not None else None
                m = measure(server.pids, server.url + path, body, headers, duration, conns,
                            server.client_cpu, redis_pid)  # fmt: skip
                per_round[label].append(m)
                if kind == "run":
                    run_answers[name] += m["requests"] - m["errors"]
            reference = {
                "floor": per_round[FLOOR][-1]["rps"],
                "run": per_round[MEM_RUN][-1]["rps"],
                "detail": per_round[MEM_DETAIL][-1]["rps"],
            }
            for label, *_, kind in cases:
                last = per_round[label][-1]
                last["ratio"] = last["rps"] / reference["floor"]
                last["vs_memory"] = last["rps"] / reference[kind] if kind != "floor" else math.nan
        if redis is not None:
            redis.pin(None)
        for name, server in servers.items():
            if name == "floor":
                continue
            stored = httpx.get(server.url.removesuffix("/v1") + "/__mock__").json()["tasks"]
            server.stats = {"tasks": float(stored), "run_answers": run_answers[name]}
        servers["mock"].stats["rss"] = rss_mb(servers["mock"].proc.pid)
    finally:
        for server in servers.values():
            server.proc.terminate()
        for server in servers.values():
            server.proc.wait(20)
    out = []
    for label, runs in per_round.items():
        summary = {key: median([r[key] for r in runs]) for key in runs[0]}
        summary["rps_min"] = min(r["rps"] for r in runs)
        summary["rps_max"] = max(r["rps"] for r in runs)
        summary["ratio_min"] = min(r["ratio"] for r in runs)
        summary["vs_memory_min"] = min(r["vs_memory"] for r in runs)
        summary["errors"] = sum(r["errors"] for r in runs)
        summary["socket_errors"] = sum(r["socket_errors"] for r in runs)
        out.append((label, summary))
    return out, servers


EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Disconnect|Exit|Timeout)\w*(:|$)")


def stderr_summary(log: Path | None) -> list[str]:
    """What a server wrote to stderr besides its start-up line, condensed: each logged
    traceback counted by its log line and final exception, other lines counted as they are."""
    if log is None or not log.exists():
        return []
    counts: Counter[str] = Counter()
    block: list[str] | None = None  # [log line, exception] of the traceback being read
    for line in log.read_text(errors="replace").splitlines():
        if not line.strip() or line.startswith(("wiro-mock: http://", " ", "\t")):
            continue
        if line.startswith(("Traceback", "During handling", "The above exception")):
            continue
        if EXCEPTION.match(line) and block is not None:
            block[1] = line.split(":")[0]
            continue
        if block is not None:
            counts[" -> ".join(block)] += 1
        block = [line, "?"]
    if block is not None:
        counts[" -> ".join(block)] += 1
    return [f"{n} x {what}" for what, n in counts.most_common()]


def print_stderr(title: str, log: Path | None) -> None:
    summary = stderr_summary(log)
    if summary:
        print(f"  {title} stderr ({log}):")
        for line in summary[:10]:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--skip-extra", action="store_true",
                        help="throughput table (and the Redis status check) only")  # fmt: skip
    parser.add_argument("--no-redis", action="store_true", help="skip the Redis-store rows")
    parser.add_argument("--race-tasks", type=int, default=500,
                        help="tasks of the Redis --workers 2 status check (0: none)")  # fmt: skip
    parser.add_argument("--race-readers", type=int, default=8,
                        help="concurrent Task/Detail readers per task in that check")  # fmt: skip
    parser.add_argument("--serve-floor", type=int)
    parser.add_argument("--client")
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if args.client:
        print(json.dumps(asyncio.run(_client_load(*json.loads(args.client)))))
        return
    sys.path.insert(0, str(ROOT))
    d, c = args.duration, args.connections
    generator = "wrk -t1" if shutil.which("wrk") else "httpx (separate process)"
    layout = (
        f"servers pinned to CPU {SERVER_CPU}, load generator to CPU {CLIENT_CPU} (taskset)"
        if PIN
        else "no CPU pinning (fewer than 2 CPUs or no taskset)"
    )
    print(f"load generator: {generator}, {c} connections, {d}s per run, {args.rounds} "
          f"interleaved rounds, cpus={os.cpu_count()}; {layout}")  # fmt: skip
    print(
        "servers: one uvicorn worker each, httptools + uvloop, no access log; the mock via "
        "`python -m mockserver`, the floor via uvicorn.Server.run"
    )
    redis: RedisServer | None = None
    executable = shutil.which("redis-server")
    if args.no_redis:
        print("Redis rows skipped (--no-redis)")
    elif executable is None:
        print("redis-server not found (apt-get install redis-server): the Redis rows are skipped")
    else:
        redis = RedisServer(executable)
        print(
            f"Redis: {executable} on 127.0.0.1:{redis.port} (no persistence), one database per "
            f"mock; 1 worker: mock and redis-server on CPU {SERVER_CPU}, wrk on CPU "
            f"{CLIENT_CPU}; --workers 2: nothing pinned, the 2 workers, redis-server and wrk "
            "share all cores (wrk's CPU is taken from the server side's cores: conservative)"
        )
    try:
        report(args, redis)
    finally:
        if redis is not None:
            redis.stop()
        cleanup_logs()


def cleanup_logs() -> None:
    """Delete the stderr files that hold nothing worth reading (and their folder if empty)."""
    if not _LOGS:
        return
    for log in _LOGS[0].iterdir():
        if not stderr_summary(log):
            log.unlink()
    with contextlib.suppress(OSError):
        _LOGS[0].rmdir()


def report(args: argparse.Namespace, redis: RedisServer | None) -> None:
    d, c = args.duration, args.connections
    rows, servers = throughput(d, args.rounds, c, redis)
    print()
    print("| endpoint | req/s (median) | req/s min-max | ratio to floor (median, min) "
          "| ratio to memory 1 worker (median, min) | p50 ms | p99 ms | server CPU | wrk CPU "
          "| non-2xx / socket errors |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in rows:
        if name == FLOOR:
            vs = "-"
        elif name in (MEM_RUN, MEM_DETAIL):
            vs = "1 (reference)"
        else:
            vs = f"{m['vs_memory']:.2f} ({m['vs_memory_min']:.2f})"
        server_cpu = f"{m['cpu'] * 100:.0f}%"
        if m["redis_cpu"]:
            server_cpu += f" (Redis {m['redis_cpu'] * 100:.0f}%)"
        print(f"| {name} | {m['rps']:,.0f} | {m['rps_min']:,.0f}-{m['rps_max']:,.0f} "
              f"| {m['ratio']:.2f} ({m['ratio_min']:.2f}) | {vs} | {m['p50']:.2f} "
              f"| {m['p99']:.2f} | {server_cpu} | {m['client_cpu'] * 100:.0f}% "
              f"| {m['errors']:.0f} / {m['socket_errors']:.0f} |")  # fmt: skip
    print(
        "(server CPU: busy share of one core, summed over the server side: the mock process "
        "or its workers, plus redis-server for the Redis rows (its part in brackets); over "
        "100% only when unpinned. "
        "non-2xx / socket errors: totals over all rounds)"
    )
    results = dict(rows)
    run, det = results[MEM_RUN], results[MEM_DETAIL]
    print()
    print(
        "targets (issue 18): Run >= 0.8x floor with p99 <= 3x p50; Task/Detail >= 0.9x floor; "
        "Redis --workers 2 Run >= 1.2x memory 1-worker Run at the median, >= 1.0x at the min"
    )
    print(
        f"  Run {run['rps']:,.0f} req/s, {run['ratio']:.2f}x floor ({met(run['ratio'] >= 0.8)}), "
        f"p99 {run['p99'] / run['p50']:.1f}x p50 ({met(run['p99'] <= 3 * run['p50'])}); "
        f"Task/Detail {det['rps']:,.0f} req/s, {det['ratio']:.2f}x floor "
        f"({met(det['ratio'] >= 0.9)})"
    )
    if redis is not None:
        r2 = results[R2_RUN]
        ok = r2["vs_memory"] >= 1.2 and r2["vs_memory_min"] >= 1.0
        print(
            f"  Redis --workers 2 Run vs memory 1-worker Run: {met(ok)} (ratio "
            f"{r2['vs_memory']:.2f} median, {r2['vs_memory_min']:.2f} min; {r2['rps']:,.0f} vs "
            f"{run['rps']:,.0f} req/s)"
        )
        for name, title in (("redis1", "Redis, 1 worker"), ("redis2", "Redis, --workers 2")):
            stats = servers[name].stats
            print(
                f"  {title}: {stats['tasks']:,.0f} tasks stored, {stats['run_answers']:,.0f} Run "
                "2xx answers counted by wrk (+1 Detail task; stored may exceed by the requests "
                "in flight when each wrk run stopped, at most rounds x connections)"
            )
    titles = {"mock": "memory mock", "redis1": "Redis 1-worker mock",
              "redis2": "Redis --workers 2 mock"}  # fmt: skip
    for name, title in titles.items():
        if name in servers:
            print_stderr(title, servers[name].log)
    if redis is not None and args.race_tasks > 0:
        statuses_check(redis, args.race_tasks, args.race_readers, c)
    if args.skip_extra:
        return

    port = free_port()
    mock = start_mock(port, speed=1.0)
    affinity = os.sched_getaffinity(0)
    try:
        if PIN:  # the 1,000 clients run in this process: keep them off the server's CPU
            os.sched_setaffinity(0, {int(CLIENT_CPU)})
        ws = asyncio.run(sockets(port, args.subscribers, 4, 1.0))
    finally:
        os.sched_setaffinity(0, affinity)
        mock.terminate()
    mem = memory(100_000)
    mock_stats = servers["mock"].stats
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| WebSocket subscribers (all events, in order) | {ws['complete']:.0f} / "
          f"{ws['subscribers']:.0f} ({ws['events']:.0f} events) |")  # fmt: skip
    print(
        f"| WebSocket event delay vs schedule p50 / p99 (target p99 <= 50 ms: "
        f"{met(ws['p99'] <= 50)}) | {ws['p50']:.1f} ms / {ws['p99']:.1f} ms |"
    )
    print(f"| RSS with {mem['tasks']:,.0f} stored tasks | {mem['rss']:.0f} MB "
          f"(baseline {mem['baseline']:.0f} MB) |")  # fmt: skip
    label = f"mock server RSS after the throughput rounds ({mock_stats['tasks']:,.0f} tasks)"
    print(f"| {label} | {mock_stats['rss']:.0f} MB |")


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def statuses_check(redis: RedisServer, tasks: int, readers: int, conns: int) -> None:
    r = race_under_load(redis, tasks, readers, conns)
    print()
    worker_cpu = " / ".join(f"{s:.1f}s" for s in r["worker_cpu"])
    print(
        f"Redis --workers 2, --clock step, under Run load: {r['tasks']} tasks, each read by "
        f"{readers} concurrent Task/Detail readers until it finished ({r['reads']:,} reads, "
        f"{r['elapsed']:.1f}s; CPU of each worker during it: {worker_cpu})"
    )
    load = r.get("load")
    if load is not None:
        print(f"  meanwhile wrk drove Run at {load['rps']:,.0f} req/s (non-2xx "
              f"{load['errors']:.0f}, socket errors {load['socket_errors']:.0f})")  # fmt: skip
    print(
        f"  statuses skipped: {r['skipped']}, repeated: {r['repeated']} over {r['tasks']} tasks "
        f"({r['statuses']} statuses each; tasks off plan: {r['bad_tasks']}, readers that never "
        f"saw the end: {r['unfinished']}; Task/Detail errors: {len(r['errors'])})"
    )
    if r["errors"]:
        kinds = Counter(status for status, _ in r["errors"])
        print(f"  error statuses: {dict(kinds)}; first body: {r['errors'][0][1]}")
    print_stderr("that mock's", r["log"])


if __name__ == "__main__":
    main()
