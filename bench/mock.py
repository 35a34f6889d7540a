"""Benchmark of the Wiro mock on loopback (not a test: prints a table, asserts nothing).

Measures, in one run: a bare Starlette JSON endpoint (the floor) on the same uvicorn
settings, Run (validated, task created) and Task/Detail throughput and latency with `wrk`
(or an async client in another process when wrk is missing), 1,000 concurrent WebSocket
subscribers (every event delivered in order; p99 delay against the schedule), and the RSS of
a process holding 100,000 stored tasks.

    .venv/bin/python bench/mock.py [--duration 5] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server {args} did not start")


def start_mock(port: int, clock: str = "realtime", speed: float = 1.0) -> subprocess.Popen[bytes]:
    config = Path(tempfile.mkdtemp()) / "mock.toml"
    config.write_text(
        f'[[projects]]\napi_key = "{KEY}"\napi_secret = "{SECRET}"\n'
        f'[clock]\nmode = "{clock}"\nspeed = {speed}\n[limits]\nmax_tasks = 1000000\n'
    )
    args = ["-m", "mockserver", "--port", str(port), "--specs", str(SPECS), "--config", str(config)]
    return start(args, port)


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


def wrk(url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int
        ) -> dict[str, float]:  # fmt: skip
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    lines.append('wrk.headers["Content-Type"] = "application/json"')
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(LUA.format(body=json.dumps(body), headers="\n".join(lines)))
    out = subprocess.run(
        ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


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
    }


def load(url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int
         ) -> dict[str, float]:  # fmt: skip
    if shutil.which("wrk"):
        return wrk(url, body, headers, duration, conns)
    out = subprocess.run(
        [sys.executable, __file__, "--client", json.dumps([url, body, headers, duration, conns])],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out))


# -- websocket fan-out ---------------------------------------------------------------------
async def sockets(port: int, subscribers: int, per_task: int, speed: float) -> dict[str, float]:
    import httpx
    import websockets

    from mockserver.config import Durations
    from mockserver.lifecycle import build_plan

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


# -- memory --------------------------------------------------------------------------------
def memory(count: int) -> dict[str, float]:
    """RSS of a process holding `count` tasks created through the Run path's objects."""
    code = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from mockserver import create_app
from mockserver.auth import ANONYMOUS
from mockserver.faults import TaskFaults
def rss():
    for l in open('/proc/self/status'):
        if l.startswith('VmRSS:'): return int(l.split()[1]) / 1024
app = create_app({str(SPECS)!r}, limits={{"max_tasks": 10_000_000}})
state = app.state.mock
model = state.registry.models["reve/generate"]
validator = state.registry.validator(model)
before = rss()
for i in range({count}):
    v = validator.validate({{"prompt": f"a koala number {{i}}", "aspectRatio": "16:9"}})
    state.new_task(model, ANONYMOUS, v.params, "", "http://127.0.0.1:8000/v1", TaskFaults(), None)
print(before, rss(), len(state.tasks))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after, stored = out.stdout.split()
    return {"baseline": float(before), "rss": float(after), "tasks": float(stored)}


# -- main ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--subscribers", type=int, default=1000)
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
    headers = signed()
    d, c = args.duration, args.connections
    generator = "wrk -t1" if shutil.which("wrk") else "httpx (separate process)"
    print(f"load generator: {generator}, {c} connections, {d}s per run, cpus={os.cpu_count()}")

    port = free_port()
    floor_proc = start([__file__, "--serve-floor", str(port)], port)
    try:
        floor = load(f"http://127.0.0.1:{port}/v1/Task/Detail", {"taskid": "1"}, headers, d, c)
    finally:
        floor_proc.terminate()

    port = free_port()
    mock = start_mock(port)
    try:
        run_url = f"http://127.0.0.1:{port}/v1/Run/reve/generate"
        run = load(run_url, {"prompt": "a koala", "aspectRatio": "16:9"}, headers, d, c)
        import httpx

        r = httpx.post(run_url, json={"prompt": "detail"}, headers=headers)
        taskid = r.json()["taskid"]
        det = load(f"http://127.0.0.1:{port}/v1/Task/Detail", {"taskid": taskid}, headers, d, c)
        server_rss = rss_mb(mock.pid)
        tasks_after = httpx.get(f"http://127.0.0.1:{port}/__mock__").json()["tasks"]
    finally:
        mock.terminate()

    port = free_port()
    mock = start_mock(port, speed=1.0)
    try:
        ws = asyncio.run(sockets(port, args.subscribers, 4, 1.0))
    finally:
        mock.terminate()
    mem = memory(100_000)

    rows = [
        ("floor: bare Starlette JSON", floor, 1.0),
        ("Run reve/generate (validated, task created)", run, run["rps"] / floor["rps"]),
        ("Task/Detail", det, det["rps"] / floor["rps"]),
    ]
    print()
    print("| endpoint | req/s | ratio to floor | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, m, ratio in rows:
        print(f"| {name} | {m['rps']:,.0f} | {ratio:.2f} | {m['p50']:.2f} | {m['p99']:.2f} "
              f"| {m['errors']:.0f} |")  # fmt: skip
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| WebSocket subscribers (all events, in order) | {ws['complete']:.0f} / "
          f"{ws['subscribers']:.0f} ({ws['events']:.0f} events) |")  # fmt: skip
    print(
        f"| WebSocket event delay vs schedule p50 / p99 | {ws['p50']:.1f} ms / {ws['p99']:.1f} ms |"
    )
    print(f"| RSS with {mem['tasks']:,.0f} stored tasks | {mem['rss']:.0f} MB "
          f"(baseline {mem['baseline']:.0f} MB) |")  # fmt: skip
    label = f"mock server RSS after the Run/Detail runs ({tasks_after:,} tasks)"
    print(f"| {label} | {server_rss:.0f} MB |")


if __name__ == "__main__":
    main()
