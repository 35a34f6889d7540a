"""Benchmark of the Wiro mock on loopback (not a test: prints tables, asserts nothing).

Measures, in one run: a bare Starlette JSON endpoint (the floor) on the same uvicorn
settings, Run (validated, task created) and Task/Detail throughput and latency with `wrk`
(or an async client in another process when wrk is missing), the same two routes with the
fast path off (through Starlette's router), 1,000 concurrent WebSocket subscribers (every
event delivered in order; p99 delay against the schedule), and the RSS of a process holding
100,000 stored tasks.

Fairness: every server is started up front and measured in interleaved rounds (floor, Run,
Detail, ... then again), so a noisy neighbour hits them alike; the ratio to the floor is
computed per round and the median reported. On a machine with 2+ CPUs the servers are pinned
to CPU 0 and wrk to CPU 1 (`taskset`), so the load generator never competes with the server;
the "server CPU" column shows the server's busy share of its core during each run (close to
100% means the server, not wrk, is the bottleneck).

    .venv/bin/python bench/mock.py [--duration 4] [--rounds 3] [--connections 64]
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


def serve_mock(port: int, config: str, fast_path: bool) -> None:
    """The mock app served like `wiro-mock` does (same uvicorn settings), fast path optional."""
    import uvicorn

    from mockserver.app import create_app
    from mockserver.cli import server_config

    app = create_app(config=config, specs=SPECS, fast_path=fast_path)
    uvicorn.Server(server_config(app, "127.0.0.1", port)).run()


#: CPU layout: servers on SERVER_CPU, wrk on CLIENT_CPU (None: no pinning, fewer than 2 CPUs).
PIN = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
SERVER_CPU, CLIENT_CPU = "0", "1"


def pinned(cmd: list[str], cpu: str) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if PIN else cmd


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    cmd = pinned([sys.executable, *args], SERVER_CPU)
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server {args} did not start")


def mock_config(clock: str = "realtime", speed: float = 1.0) -> Path:
    config = Path(tempfile.mkdtemp()) / "mock.toml"
    config.write_text(
        f'[[projects]]\napi_key = "{KEY}"\napi_secret = "{SECRET}"\n'
        f'[clock]\nmode = "{clock}"\nspeed = {speed}\n[limits]\nmax_tasks = 1000000\n'
    )
    return config


def start_mock(port: int, clock: str = "realtime", speed: float = 1.0) -> subprocess.Popen[bytes]:
    """`python -m mockserver`: the mock exactly as users run it."""
    config = mock_config(clock, speed)
    args = ["-m", "mockserver", "--port", str(port), "--specs", str(SPECS), "--config", str(config)]
    return start(args, port)


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


def wrk(url: str, body: dict[str, Any], headers: dict[str, str], duration: int, conns: int
        ) -> dict[str, float]:  # fmt: skip
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    lines.append('wrk.headers["Content-Type"] = "application/json"')
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(LUA.format(body=json.dumps(body), headers="\n".join(lines)))
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency", "-s", str(script), url]
    out = subprocess.run(pinned(cmd, CLIENT_CPU), capture_output=True, text=True, check=True).stdout
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
    cmd = [sys.executable, __file__, "--client", json.dumps([url, body, headers, duration, conns])]
    out = subprocess.run(pinned(cmd, CLIENT_CPU), capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def measure(pid: int, url: str, body: dict[str, Any], headers: dict[str, str], duration: int,
            conns: int) -> dict[str, float]:  # fmt: skip
    """`load` plus the server's CPU busy share (of one core) during the run."""
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    result = load(url, body, headers, duration, conns)
    result["cpu"] = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    return result


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
def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def throughput(duration: int, rounds: int, conns: int) -> list[tuple[str, dict[str, float]]]:
    """Floor, mock (fast path, as `wiro-mock` serves it) and mock with the fast path off,
    all started up front and measured in interleaved rounds."""
    import httpx

    headers = signed()
    ports = {name: free_port() for name in ("floor", "mock", "routed")}
    routed_cfg = str(mock_config())
    procs = {
        "floor": start([__file__, "--serve-floor", str(ports["floor"])], ports["floor"]),
        "mock": start_mock(ports["mock"]),
        "routed": start(
            [__file__, "--serve-mock", str(ports["routed"]), "--config", routed_cfg],
            ports["routed"],
        ),
    }
    try:
        urls = {name: f"http://127.0.0.1:{port}/v1" for name, port in ports.items()}
        task_ids = {}
        for name in ("mock", "routed"):
            r = httpx.post(f"{urls[name]}/Run/reve/generate", json={"prompt": "d"}, headers=headers)
            task_ids[name] = r.json()["taskid"]
        run_body = {"prompt": "a koala", "aspectRatio": "16:9"}
        cases: list[tuple[str, str, str, dict[str, Any]]] = [
            ("floor: bare Starlette JSON", "floor", "/Task/Detail", {"taskid": "1"}),
            ("Run reve/generate", "mock", "/Run/reve/generate", run_body),
            ("Task/Detail", "mock", "/Task/Detail", {"taskid": task_ids["mock"]}),
            ("Run, fast path off (routed)", "routed", "/Run/reve/generate", run_body),
            ("Task/Detail, fast path off", "routed", "/Task/Detail",
             {"taskid": task_ids["routed"]}),
        ]  # fmt: skip
        per_round: dict[str, list[dict[str, float]]] = {label: [] for label, *_ in cases}
        for _ in range(rounds):
            for label, server, path, body in cases:
                m = measure(procs[server].pid, urls[server] + path, body, headers, duration, conns)
                per_round[label].append(m)
            floor = per_round[cases[0][0]][-1]["rps"]
            for label, *_ in cases:
                per_round[label][-1]["ratio"] = per_round[label][-1]["rps"] / floor
        tasks = httpx.get(urls["mock"].removesuffix("/v1") + "/__mock__").json()["tasks"]
        mock_rss = {"rss": rss_mb(procs["mock"].pid), "tasks": float(tasks)}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait()
    out = []
    for label, runs in per_round.items():
        summary = {key: median([r[key] for r in runs]) for key in runs[0]}
        summary["rps_min"] = min(r["rps"] for r in runs)
        summary["rps_max"] = max(r["rps"] for r in runs)
        summary["ratio_min"] = min(r["ratio"] for r in runs)
        out.append((label, summary))
    out.append(("mock RSS", mock_rss))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--skip-extra", action="store_true", help="throughput table only")
    parser.add_argument("--serve-floor", type=int)
    parser.add_argument("--serve-mock", type=int)
    parser.add_argument("--config")
    parser.add_argument("--client")
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if args.serve_mock:
        serve_mock(args.serve_mock, args.config, fast_path=False)
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
        "`python -m mockserver`, the routed mock and the floor via uvicorn.Server.run"
    )
    rows = throughput(d, args.rounds, c)
    server = rows.pop()[1]

    print()
    print("| endpoint | req/s (median) | req/s min-max | ratio to floor (median, min) "
          "| p50 ms | p99 ms | server CPU | non-2xx |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in rows:
        print(f"| {name} | {m['rps']:,.0f} | {m['rps_min']:,.0f}-{m['rps_max']:,.0f} "
              f"| {m['ratio']:.2f} ({m['ratio_min']:.2f}) | {m['p50']:.2f} | {m['p99']:.2f} "
              f"| {m['cpu'] * 100:.0f}% | {m['errors']:.0f} |")  # fmt: skip
    results = dict(rows)
    run, det = results["Run reve/generate"], results["Task/Detail"]
    print()
    print(
        "targets: Run >= 10,000 req/s and >= 0.60x floor; Task/Detail >= 12,000 req/s "
        "(ratio aim >= 0.75x floor)"
    )
    print(
        f"  Run {run['rps']:,.0f} req/s, {run['ratio']:.2f}x floor; "
        f"Task/Detail {det['rps']:,.0f} req/s, {det['ratio']:.2f}x floor"
    )
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
    label = f"mock server RSS after the throughput rounds ({server['tasks']:,.0f} tasks)"
    print(f"| {label} | {server['rss']:.0f} MB |")


if __name__ == "__main__":
    main()
