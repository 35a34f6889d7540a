"""`wiro-mock`: serve the mock on loopback (httptools + uvloop if present): one process, or
`--workers N` processes on one port sharing a Redis store (`--store redis://...`).

Binds its socket before starting uvicorn so `--port 0` works and the single start-up line
can show the real URL, the number of models and the credentials accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import socket
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

try:
    import uvicorn
    from uvicorn.supervisors import Multiprocess
except ImportError as exc:  # wirogen installed without its [mock] extra
    raise SystemExit(f"wiro-mock: {exc}; install the mock: pip install 'wirogen[mock]'") from exc

from mockserver.app import create_app
from mockserver.config import MockConfig, Project, load_config
from mockserver.errors import ConfigError, ModelSourceError, StoreUnavailableError
from mockserver.http.call import ADMIN_PREFIX
from mockserver.state import MockState

log = logging.getLogger("mockserver")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wiro-mock", description="Offline mock of the Wiro API.")
    p.add_argument("--version", action="version", version=f"wiro-mock {version('wirogen')}")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000; 0 = any free)")
    p.add_argument("--specs", default=None, help="folder of model docs (default specs)")
    p.add_argument(
        "--catalogue", default=None, metavar="PACKAGE",
        help="serve the models of an installed generated client (wiro_client), not --specs",
    )  # fmt: skip
    p.add_argument("--config", default=None, help="mock.toml (see mock.toml.example)")
    p.add_argument("--api-key", default=None, help="accepted API key")
    p.add_argument("--api-secret", default=None, help="its secret (omit: API-key-only mode)")
    p.add_argument("--no-auth", action="store_true", help="accept requests without credentials")
    p.add_argument(
        "--strict-nonce", action="store_true",
        help="reject a signed request whose x-nonce was already used (replay protection)",
    )  # fmt: skip
    p.add_argument(
        "--http-errors", action="store_true",
        help="answer API errors with HTTP 400/404 instead of Wiro's 200 + result:false",
    )  # fmt: skip
    p.add_argument(
        "--strict-constraints", action="store_true",
        help="enforce ranges stated only in help texts (default: accept, journal a warning)",
    )  # fmt: skip
    p.add_argument("--watch", action="store_true", help="reload changed or added specs")
    p.add_argument(
        "--clock", choices=["realtime", "step", "manual"], default=None,
        help="how tasks advance: with time, one event per read, or only when told "
        "(default realtime)",
    )  # fmt: skip
    p.add_argument("--speed", type=float, default=None, help="realtime clock factor (default 1)")
    p.add_argument(
        "--seed", type=int, default=None, help="seed for tokens, faults, outputs (default 0)"
    )
    p.add_argument(
        "--max-tasks", type=int, default=None, help="stored tasks before eviction (default 50000)"
    )
    p.add_argument("--strict", action="store_true", help="reject unknown fields (default)")
    p.add_argument("--lenient", action="store_true", help="ignore unknown fields")
    p.add_argument(
        "--allow-callback-host", action="append", default=None, metavar="HOST",
        help="also deliver callbacks to HOST (repeatable; '*' = any)",
    )  # fmt: skip
    p.add_argument("--public-url", default=None, help="base of file URLs handed out")
    p.add_argument("--no-admin", action="store_true", help=f"turn the {ADMIN_PREFIX} admin API off")
    p.add_argument("--admin-token", default=None, help=f"require this token on {ADMIN_PREFIX}")
    p.add_argument(
        "--store", default=None, metavar="redis://HOST:PORT/DB",
        help="keep tasks, files, journal and clock in Redis (several processes, one mock)",
    )  # fmt: skip
    p.add_argument(
        "--store-ttl", type=float, default=None,
        help="seconds finished tasks stay in the store (default 3600)",
    )  # fmt: skip
    p.add_argument("--files-dir", default=None, help="shared folder for uploads (with --store)")
    p.add_argument(
        "--workers", type=int, default=1,
        help="uvicorn worker processes on one port (default 1; more than 1 needs --store)",
    )  # fmt: skip
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    return p


def build_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "specs": args.specs,
        "catalogue": args.catalogue,
        "seed": args.seed,
        "public_url": args.public_url,
    }
    if args.no_auth:
        overrides["auth"] = False
    if args.strict_nonce:
        overrides["strict_nonce"] = True
    if args.watch:
        overrides["watch"] = True
    if args.http_errors:
        overrides["http_errors"] = True
    if args.api_key:
        project = Project(api_key=args.api_key, api_secret=args.api_secret)
        overrides["projects"] = [project.model_dump()]
    clock = {k: v for k, v in (("mode", args.clock), ("speed", args.speed)) if v is not None}
    if clock:
        overrides["clock"] = clock
    if args.max_tasks is not None:
        overrides["limits"] = {"max_tasks": args.max_tasks}
    validation: dict[str, Any] = {}
    if args.lenient or args.strict:
        validation["unknown_fields"] = "ignore" if args.lenient else "reject"
    if args.strict_constraints:
        validation["strict_constraints"] = True
    if validation:
        overrides["validation"] = validation
    if args.allow_callback_host:
        overrides["callbacks"] = {"allow_hosts": args.allow_callback_host}
    admin = {"enabled": False} if args.no_admin else {}
    if args.admin_token:
        admin["token"] = args.admin_token
    if admin:
        overrides["admin"] = admin
    store = {
        k: v
        for k, v in (("url", args.store), ("ttl", args.store_ttl), ("files_dir", args.files_dir))
        if v is not None
    }
    if store:
        overrides["store"] = store
    return overrides


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.specs is not None and args.catalogue is not None:
        print("wiro-mock: --specs and --catalogue are two sources of models; give one",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        config = load_config(args.config, **build_overrides(args))
    except ConfigError as exc:
        for message in exc.messages:
            print(f"wiro-mock: bad configuration: {message}", file=sys.stderr)
        return 2
    try:
        if args.workers > 1:
            return serve_workers(config, args.workers, args.log_level)
        app = create_app(config=config)
    except ModelSourceError as exc:  # no models to serve: one line, not a traceback
        print(f"wiro-mock: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(config.host, config.port)
    except OSError as exc:
        why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        print(f"wiro-mock: cannot serve on {config.host}:{config.port}: {why}", file=sys.stderr)
        return 2
    server = uvicorn.Server(server_config(app, config.host, config.port, args.log_level))
    # This process only serves the mock: move the start-up heap (parsed specs, pydantic models,
    # modules) out of the collector's reach so full collections do not rescan it each time.
    gc.collect()
    gc.freeze()
    try:
        # uvicorn's own loop choice (uvloop when installed, like `uvicorn.Server.run`):
        # a bare asyncio.run would silently serve on the slower default loop.
        with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
            if config.store.url and (problem := runner.run(_check_store(app.state.mock))):
                print(f"wiro-mock: cannot use the store {config.store.url}: {problem}",
                      file=sys.stderr)  # fmt: skip
                return 2
            runner.run(_serve(server, sock, app.state.mock))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a taken port is one line and exit 2 (uvicorn
    would log it and exit from inside its event loop) and `--port 0` resolves at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock


async def _serve(server: uvicorn.Server, sock: socket.socket, state: MockState) -> None:
    """Serve on `sock` (uvicorn sets TCP_NODELAY on accepted sockets), then log the line."""
    job = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not job.done():
        await asyncio.sleep(0.01)
    if server.started:
        host, port = bound_address(server)
        store = f"store {state.config.store.url}" if state.config.store.url else "in memory"
        _log_start(state, host, port, store)
    await job


CONFIG_ENV = "WIRO_MOCK_CONFIG"


def worker_app() -> Any:
    """The app of one `--workers` process, from the configuration its parent passed down."""
    app = create_app(config=MockConfig.model_validate_json(os.environ[CONFIG_ENV]))
    gc.collect()
    gc.freeze()
    return app


def serve_workers(config: MockConfig, workers: int, log_level: str) -> int:
    """N uvicorn workers on one socket; they share state through the Redis store.

    The parent binds the socket (so `--port 0` works and the log line shows the real port),
    checks that the specs load and Redis answers, then uvicorn's supervisor forks the
    workers; each builds its own app from the configuration in the environment."""
    if not config.store.url:
        print("wiro-mock: --workers needs a shared store: add --store redis://HOST:PORT/DB",
              file=sys.stderr)  # fmt: skip
        return 2
    state = create_app(config=config).state.mock
    problem = asyncio.run(_check_store(state))
    asyncio.run(state.store.aclose())
    if problem:
        print(f"wiro-mock: cannot use the store {config.store.url}: {problem}", file=sys.stderr)
        return 2
    os.environ[CONFIG_ENV] = config.model_dump_json()
    uv = server_config("mockserver.cli:worker_app", config.host, config.port, log_level)
    uv.factory, uv.workers = True, workers
    sock = uv.bind_socket()
    host, port = sock.getsockname()[:2]
    _log_start(state, str(host), int(port), f"{workers} workers, store {config.store.url}")
    Multiprocess(uv, sockets=[sock]).run()
    return 0


async def _check_store(state: MockState) -> str | None:
    """Why the configured store cannot be used (None: it answers)."""
    try:
        await state.store.refresh()
    except StoreUnavailableError as exc:
        return str(exc.__cause__ or exc)
    return None


def _log_start(state: MockState, host: str, port: int, how: str) -> None:
    for error in state.registry.errors:
        log.warning("wiro-mock: skipped %s", error)
    log.info(
        "wiro-mock: http://%s:%s/v1 (socket ws://%s:%s/v1) serving %d models from %s; %s; "
        "clock %s; %s",
        host, port, host, port, len(state.registry.models), state.registry.source,
        state.auth.describe(), state.config.clock.mode, how,
    )  # fmt: skip


def bound_address(server: uvicorn.Server) -> tuple[str, int]:
    """The address uvicorn actually bound (resolves `--port 0`)."""
    sock = server.servers[0].sockets[0]
    host, port = sock.getsockname()[:2]
    return str(host), int(port)


def server_config(app: Any, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    """The uvicorn settings the mock (and its benchmark floor) run with.

    Socket frames go uncompressed (no permessage-deflate), as WIRO_CLIENTS.md 7 asks of a
    server the Go CLI reads; it also keeps a socket's memory down (a deflate context per
    connection more than doubles it: `bench/socket_abuse.py`)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="auto",
        http="auto",
        ws="auto",
        ws_per_message_deflate=False,
        access_log=False,
        log_level=log_level,
        lifespan="on",
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
