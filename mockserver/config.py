"""The mock's configuration: a pydantic model of `mock.toml`, overridable from the CLI.

Every knob has a default that makes `wiro-mock` useful with no file at all; the file
exists for what a team wants to pin (projects, durations, fault rules, limits).
`extra="forbid"` everywhere so a misspelt key fails loudly at start instead of being
silently ignored.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from mockserver.errors import ConfigError

ClockMode = Literal["realtime", "step", "manual"]
FaultKind = Literal[
    "latency", "http", "drop", "stall", "fail", "error", "socket_drop", "callback_delay"
]

DEFAULT_API_KEY = "wiro-mock-key"
DEFAULT_API_SECRET = "wiro-mock-secret"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Project(Strict):
    """A Wiro project: its key, its secret (None = API-key-only mode) and its limits."""

    api_key: str
    api_secret: str | None = None
    id: str = "1"
    name: str = "default"
    concurrent_tasks: int | None = Field(default=None, ge=0)
    balance: float | None = None


#: The project used when auth is disabled (`--no-auth`).
ANONYMOUS = Project(api_key="", name="anonymous", id="0")


class Durations(Strict):
    """Seconds spent in each stage (virtual seconds; `clock.speed` scales them)."""

    queue: float = 0.3
    accept: float = 0.1
    preprocess_start: float = 0.2
    preprocess_end: float = 0.1
    assign: float = 0.1
    start: float = 0.3
    output: float = 0.3
    output_full: float = 0.1
    end: float = 0.1
    postprocess_start: float = 0.2
    error: float = 0.1

    def of(self, status: str) -> float:
        """Duration of the stage named by a socket/Detail status (`task_` prefix optional)."""
        value = getattr(self, status.removeprefix("task_").removesuffix("_line"), None)
        return float(value) if isinstance(value, int | float) else 0.0


class Clock(Strict):
    mode: ClockMode = "realtime"
    speed: float = Field(default=1.0, gt=0)
    #: Seconds between stages a socket subscriber drives in `step` mode.
    step_interval: float = Field(default=0.0, ge=0)


class Lifecycle(Strict):
    progress_steps: int = Field(default=4, ge=1, le=100)
    cps: float = 0.000585
    failure_message: str = "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB"
    error_message: str = "Task could not be started: input could not be downloaded"


class Limits(Strict):
    #: Stored tasks beyond which finished ones are evicted, oldest first.
    max_tasks: int = Field(default=50_000, ge=1)
    max_body_bytes: int = Field(default=110 * 1024 * 1024, ge=1024)
    max_json_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upload_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    files_max_total_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    journal_size: int = Field(default=10_000, ge=0)
    #: Accepted `(api_key, nonce)` pairs remembered for `strict_nonce` (oldest forgotten).
    nonce_memory: int = Field(default=100_000, ge=1)
    min_balance: float = 0.0
    #: Seconds to wait for the next piece of a request body (nginx's `client_body_timeout`):
    #: a body that stops half-way is answered 408 and its connection closed.
    body_timeout: float = Field(default=30.0, gt=0)


class Callbacks(Strict):
    allow_hosts: list[str] = Field(default_factory=list)
    retries: int = Field(default=4, ge=0, le=20)
    backoff: float = Field(default=0.5, ge=0)
    timeout: float = Field(default=5.0, gt=0)
    delay: float = Field(default=0.0, ge=0)


class Validation(Strict):
    unknown_fields: Literal["reject", "ignore"] = "reject"
    #: Enforce ranges that only an input's help text states ("between [1, 10]"). Off by
    #: default: they are advisory, and Wiro's own n8n node sends values outside them.
    strict_constraints: bool = False


class FaultRule(Strict):
    """One fault: *what* (`kind` and its parameters) and *when* (matchers and rate).

    Matchers are ANDed; an absent matcher matches everything. `scenario` matches the
    request header `x-mock-scenario`. `rate` is a probability drawn from a seeded
    generator, `times` a budget after which the rule stops matching.
    """

    name: str | None = None
    kind: FaultKind
    model: str | None = None
    route: str | None = None
    scenario: str | None = None
    rate: float = Field(default=1.0, ge=0, le=1)
    times: int | None = Field(default=None, ge=0)
    # latency
    latency_ms: float = Field(default=0.0, ge=0)
    jitter_ms: float = Field(default=0.0, ge=0)
    distribution: Literal["fixed", "uniform", "normal", "exponential"] = "fixed"
    # http
    status: int = Field(default=503, ge=400, le=599)
    retry_after: int | None = Field(default=None, ge=0)
    message: str | None = None
    # fail / error
    pexit: str = "1"
    # socket_drop
    after_events: int = Field(default=3, ge=0)
    # callback_delay
    delay: float = Field(default=0.0, ge=0)

    @field_validator("model", "route")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class Admin(Strict):
    """The `/__mock__` control API (and anything served under it): on/off, and a token."""

    enabled: bool = True
    #: When set, admin requests must send `Authorization: Bearer TOKEN`, the header
    #: `x-mock-admin-token: TOKEN`, or (for a browser) the query parameter `?token=TOKEN`,
    #: and may come from any host. Without it, only a loopback `Host` and a same-origin (or
    #: no) `Origin` are served: no other web page can reach it (CSRF, DNS rebinding).
    token: str | None = None


class StoreSettings(Strict):
    """Where the mock keeps its state: this process (default) or a shared Redis."""

    #: `redis://HOST:PORT/DB` (None: in memory, one process).
    url: str | None = None
    #: Seconds a finished task (and an uploaded file) stays in Redis; live tasks never expire.
    ttl: float = Field(default=3600.0, gt=0)
    #: Folder shared by every process for uploaded files (None: the bytes go into Redis).
    files_dir: str | None = None
    #: Prefix of every Redis key, so several mocks can share one Redis database.
    prefix: str = Field(default="wiro-mock", min_length=1)

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"store url must be redis://HOST:PORT/DB (got {value!r})")
        return value


class MockConfig(Strict):
    host: str = "127.0.0.1"
    port: int = 8000
    specs: str = "specs"
    #: Serve the catalogue.json of this installed generated client (`wiro_client`) instead
    #: of parsing `specs`; when set, `specs` is not read. Fixed while installed: no `watch`.
    catalogue: str | None = None
    seed: int = 0
    auth: bool = True
    #: Reject a signed request whose nonce this project already used (Wiro documents no
    #: freshness rule, so this is off by default).
    strict_nonce: bool = False
    #: Answer API errors with HTTP statuses (400, 404) instead of Wiro's HTTP 200 with
    #: `result: false`; auth (401), unknown URLs (404) and body limits (413) always are.
    http_errors: bool = False
    public_url: str | None = None
    watch: bool = False
    watch_interval: float = Field(default=0.5, gt=0)
    projects: list[Project] = Field(default_factory=list)
    clock: Clock = Field(default_factory=Clock)
    durations: Durations = Field(default_factory=Durations)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    limits: Limits = Field(default_factory=Limits)
    callbacks: Callbacks = Field(default_factory=Callbacks)
    validation: Validation = Field(default_factory=Validation)
    faults: list[FaultRule] = Field(default_factory=list)
    admin: Admin = Field(default_factory=Admin)
    store: StoreSettings = Field(default_factory=StoreSettings)

    def effective_projects(self) -> list[Project]:
        """The configured projects, or the default signature-mode dev project."""
        if self.projects:
            return self.projects
        return [Project(api_key=DEFAULT_API_KEY, api_secret=DEFAULT_API_SECRET)]


def load_config(path: str | Path | None = None, **overrides: Any) -> MockConfig:
    """Read `mock.toml` (if given) and apply keyword overrides on top (nested dicts merge).

    Raises `ConfigError`: an unreadable file, bad TOML (with its line), or a value the
    model refuses, named by where it came from (the file or the overrides) and its key."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    from_file = copy.deepcopy(data)
    _merge(data, {k: v for k, v in overrides.items() if v is not None})
    try:
        return MockConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            [_problem(error, path if _has(from_file, error["loc"]) else None)
             for error in exc.errors()]
        ) from None  # fmt: skip


def _problem(error: ErrorDetails, path: str | Path | None) -> str:
    """One pydantic error as a line: where, which key, what was expected, what was given."""
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    key = key.lstrip(".") or "(top level)"
    where = str(path) if path is not None else "the command line (or create_app arguments)"
    if error["type"] == "extra_forbidden":
        return f"{where}: {key}: unknown key"
    return f"{where}: {key}: {error['msg']} (got {error['input']!r})"


def _has(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Whether the key path `loc` exists in `data` (nested dicts and lists)."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
