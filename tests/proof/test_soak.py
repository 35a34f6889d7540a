"""A shortened soak (bench/soak.py) in CI: 200 tasks, 10 async generated clients, faults on.

The mock runs as its own process on loopback in `realtime` mode with short stages, with 5%
injected 503s, 1% dropped Task/Detail connections and 1% cut WebSocket streams. Half the
tasks wait by socket, half by polling. No task may be lost, no wait may hang, every socket
stream must be complete and in order or recovered by polling, and the mock must hold no
task that no Run acknowledged. (The full run: `bench/soak.py`, 10,000 tasks, 50 clients.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import ROOT


def test_short_soak_loses_nothing() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--tasks", "200", "--clients", "10",
         "--speed", "40", "--rounds", "2", "--timeout", "60", "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip
    assert out.stdout.strip(), out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["tasks_run"] == 200
    assert figures["acknowledged"] == 200
    assert figures["succeeded"] == 200
    assert figures["lost"] == 0 and figures["hung"] == 0 and figures["timed_out"] == 0
    assert figures["failed"] == 0 and figures["errors"] == {}
    assert figures["socket_waits"] == 100 and figures["poll_waits"] == 100
    assert figures["socket_complete"] + figures["socket_recovered"] == 100
    assert figures["socket_broken"] == 0 and figures["out_of_order"] == 0
    assert figures["orphans"] == 0
    assert figures["faults_fired"]["http-503"] > 0  # the faults really were injected
    assert out.returncode == 0, out.stdout
