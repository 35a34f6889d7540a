"""The ``python -m wiro_client`` command line, driven entirely by the model registry.

``main`` is called by the generated ``__main__.py`` with the registry of
``ModelSpec``s and a factory for the generated client. Each model's flags are
built from its input model's fields (wire names as flags). Progress goes to
stderr, results to stdout. Exit codes: 0 ok, 1 task failed, 2 usage or
validation error, 3 cancelled, 4 timed out, 5 API/auth/connection error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from ._client import BaseWiro
from ._errors import (
    APIConnectionError,
    APIError,
    TaskCancelled,
    TaskFailed,
    ValidationError,
    WaitTimeout,
)
from ._input import build_input
from ._spec import ModelSpec
from ._task import Task
from ._types import SocketEvent, TaskDetail

__all__ = ["EXIT_CODES", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED, EXIT_TIMEOUT, EXIT_API = 0, 1, 2, 3, 4, 5
EXIT_CODES: Mapping[type[BaseException], int] = {
    ValidationError: EXIT_USAGE,
    TaskFailed: EXIT_FAILED,
    TaskCancelled: EXIT_CANCELLED,
    WaitTimeout: EXIT_TIMEOUT,
    APIError: EXIT_API,
    APIConnectionError: EXIT_API,
}
RUN_OPTIONS = frozenset({"wait", "via", "timeout", "poll-interval", "out", "json", "param", "help"})

ClientFactory = Callable[[], BaseWiro]
#: Socket events that carry output rather than a status change.
_STREAM_EVENTS = frozenset({"task_output", "task_error", "task_output_full", "task_error_full"})


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).replace("_", "-").lower()


def _strip_optional(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    return annotation


def _describe(info: FieldInfo, is_file: bool) -> tuple[str, list[str] | None, bool]:
    """(kind, choices, is_list) of a field, from its annotation."""
    ann = _strip_optional(info.annotation)
    is_list = get_origin(ann) in (list, tuple, set)
    inner = _strip_optional(get_args(ann)[0]) if is_list and get_args(ann) else ann
    choices = [str(c) for c in get_args(inner)] if get_origin(inner) is Literal else None
    if is_file:
        kind = "files (paths or URLs)" if is_list else "file (path or URL)"
    elif choices is not None:
        kind = "choice"
    else:
        base = {bool: "boolean (true/false)", int: "integer", float: "number"}
        kind = base.get(inner, "text") if isinstance(inner, type) else "text"
    return (f"list of {kind}" if is_list and not is_file else kind), choices, is_list


def _bounds(info: FieldInfo) -> str:
    parts = []
    for item in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign}{value}")
    return f" [{' '.join(parts)}]" if parts else ""


def _advisory(advisory: tuple[float, float] | None) -> str:
    """A help-text range, marked so nobody mistakes it for a checked bound."""
    if advisory is None:
        return ""
    low, high = advisory
    return f" [advisory, not enforced: {low:g} to {high:g}]"


def _help_text(info: FieldInfo, kind: str, advisory: tuple[float, float] | None) -> str:
    text = (info.description or info.title or "").replace("%", "%%")
    required = info.is_required()
    default = "" if required or info.default in (None, "") else f" (default: {info.default})"
    ranges = f"{_bounds(info)}{_advisory(advisory)}"
    return f"{'REQUIRED. ' if required else ''}{kind}{ranges}{default}. {text}".strip()


def _add_field(parser: argparse.ArgumentParser, spec: ModelSpec, py: str, info: FieldInfo) -> None:
    wire = info.alias or py
    is_file = any(ff.name == wire for ff in spec.file_fields)
    kind, choices, is_list = _describe(info, is_file)
    flags = [f"--{wire}"] + ([f"--{_kebab(wire)}"] if _kebab(wire) != wire else [])
    flags = [f for f in flags if f[2:] not in RUN_OPTIONS]
    if not flags:
        return  # reachable through --param only
    help_text = _help_text(info, kind, spec.advisory_ranges.get(wire))
    parser.add_argument(
        *flags,
        dest=f"field:{wire}",
        metavar=wire.upper() if choices is None else None,
        choices=None if is_list else choices,
        nargs="+" if is_list else None,
        action="extend" if is_list else "store",
        default=argparse.SUPPRESS,
        help=help_text + (f" Choices: {', '.join(choices)}." if choices else ""),
    )


def _add_wait_options(parser: argparse.ArgumentParser, *, run: bool) -> None:
    parser.add_argument("--wait", action="store_true", help="wait for the task to finish")
    parser.add_argument("--via", choices=["poll", "socket"], default="poll", help="how to wait")
    parser.add_argument("--timeout", type=float, default=600.0, help="wait deadline, seconds")
    parser.add_argument("--poll-interval", type=float, default=None, help="seconds between polls")
    parser.add_argument(
        "--out", type=Path, default=None, help="download outputs here (implies --wait)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    if run:
        parser.add_argument(
            "--param",
            "-p",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="set any input by wire name",
        )


def model_parser(prog: str, spec: ModelSpec) -> argparse.ArgumentParser:
    """The ``run SLUG`` parser: model inputs as flags plus the wait/output options."""
    example = " ".join(f"--{k} {json.dumps(v)}" for k, v in spec.example.items())
    parser = argparse.ArgumentParser(
        prog=f"{prog} run {spec.slug}",
        description=f"{spec.display_name}: {spec.description}".replace("%", "%%"),
        epilog=f"example: {prog} run {spec.slug} {example}".replace("%", "%%") if example else None,
    )
    group = parser.add_argument_group("model inputs")
    for py, info in spec.input_model.model_fields.items():
        _add_field(group, spec, py, info)  # type: ignore[arg-type]
    _add_wait_options(parser, run=True)
    return parser


def _model_kwargs(args: argparse.Namespace, spec: ModelSpec) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    files = {ff.name for ff in spec.file_fields}
    for dest, value in vars(args).items():
        if dest.startswith("field:"):
            wire = dest.removeprefix("field:")
            is_text_list = isinstance(value, list) and wire not in files
            kwargs[wire] = [p for v in value for p in v.split(",") if p] if is_text_list else value
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(f"--param expects NAME=VALUE, got {item!r}", field=name)
        kwargs[name] = value
    return kwargs


def _find_spec(registry: Mapping[str, ModelSpec], slug: str) -> ModelSpec | None:
    """The model a slug or display name names; a direct key loads only that model."""
    wanted = slug.strip().lower()
    if wanted in registry:
        return registry[wanted]
    for key, spec in registry.items():
        if wanted in (key.lower(), spec.slug.lower(), spec.display_name.lower()):
            return spec
    return None


class _Printer:
    """Writes progress to stderr and results to stdout."""

    def __init__(self, out: TextIO, err: TextIO, as_json: bool) -> None:
        self.out, self.err, self.as_json = out, err, as_json

    def event(self, event: SocketEvent) -> None:
        progress = event.progress
        if event.type not in _STREAM_EVENTS:
            self.err.write(f"[{event.type}]\n")
        elif progress is not None:
            pct = f"{progress.percentage:g}%" if progress.percentage is not None else ""
            steps = f" {progress.step_current}/{progress.step_total}" if progress.step_total else ""
            left = f" ~{progress.remaining_time} left" if progress.remaining_time else ""
            self.err.write(f"  {progress.task or 'progress'} {pct}{steps}{left}\n")
        elif isinstance(event.message, str) and event.message.strip():
            self.err.write(f"  {event.message.rstrip()}\n")
        self.err.flush()

    def result(self, payload: dict[str, Any], lines: Sequence[str]) -> None:
        if self.as_json:
            self.out.write(json.dumps(payload, indent=2, default=str) + "\n")
        else:
            self.out.writelines(f"{line}\n" for line in lines)


def _output_lines(detail: TaskDetail) -> list[str]:
    lines = []
    for output in detail.outputs:
        if output.url:
            lines.append(output.url)
        elif output.content is not None:
            lines.append(json.dumps(output.content, ensure_ascii=False))
    return lines


def _finish(task: Task, args: argparse.Namespace, printer: _Printer) -> int:
    started = {"taskid": task.id, "socketaccesstoken": task.token}
    if not (args.wait or args.out):
        printer.result(started, [f"{task.id} {task.token}"])
        return EXIT_OK
    detail = task.wait(
        args.timeout, via=args.via, poll_interval=args.poll_interval, on_event=printer.event
    )
    saved = [str(p) for p in task.download(args.out)] if args.out else []
    payload = {**started, "task": detail.model_dump(mode="json", by_alias=True), "saved": saved}
    printer.result(payload, saved or _output_lines(detail))
    return EXIT_OK


def _run_command(
    prog: str, registry: Mapping[str, ModelSpec], factory: ClientFactory, argv: list[str]
) -> int:
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(f"usage: {prog} run SLUG [--INPUT VALUE ...] [--wait] [--out DIR]\n")
        return EXIT_USAGE
    spec = _find_spec(registry, argv[0])
    if spec is None:
        sys.stderr.write(f"unknown model {argv[0]!r}; see `{prog} models`\n")
        return EXIT_USAGE
    args = model_parser(prog, spec).parse_args(argv[1:])
    params = build_input(spec, _model_kwargs(args, spec))
    printer = _Printer(sys.stdout, sys.stderr, args.json)
    with factory() as client:
        task = client._run(spec, params)
        sys.stderr.write(f"task {task.id} started ({spec.display_name})\n")
        return _finish(task, args, printer)


def _task_command(prog: str, factory: ClientFactory, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"{prog} task", description="Follow an existing task.")
    parser.add_argument("taskid", nargs="?", default=None)
    parser.add_argument("--token", default=None, help="socket access token instead of taskid")
    parser.add_argument("--cancel", action="store_true", help="Task/Cancel (queued tasks)")
    parser.add_argument("--kill", action="store_true", help="Task/Kill (running tasks)")
    _add_wait_options(parser, run=False)
    args = parser.parse_args(argv)
    if not (args.taskid or args.token):
        parser.error("give a TASKID or --token")
    printer = _Printer(sys.stdout, sys.stderr, args.json)
    with factory() as client:
        task = client.task(args.taskid, args.token)
        if args.cancel or args.kill:
            detail = task.kill() if args.kill else task.cancel()
            printer.result(
                detail.model_dump(mode="json", by_alias=True), [f"{detail.id} {detail.raw_status}"]
            )
            return EXIT_OK
        if not (args.wait or args.out):
            detail = task.refresh()
            printer.result(
                detail.model_dump(mode="json", by_alias=True), [f"{detail.id} {detail.raw_status}"]
            )
            return EXIT_OK
        return _finish(task, args, printer)


def _models_command(prog: str, registry: Mapping[str, ModelSpec], argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"{prog} models", description="List the models.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    specs = sorted(registry.values(), key=lambda s: s.slug)
    if args.json:
        rows = [
            {"slug": s.slug, "name": s.display_name, "description": s.description} for s in specs
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for s in specs:
            summary = s.description.strip().splitlines()[0] if s.description.strip() else ""
            sys.stdout.write(f"{s.slug:40} {summary[:80]}\n")
    return EXIT_OK


def _dispatch(
    prog: str, registry: Mapping[str, ModelSpec], factory: ClientFactory, argv: list[str]
) -> int:
    commands = {
        "models": lambda rest: _models_command(prog, registry, rest),
        "run": lambda rest: _run_command(prog, registry, factory, rest),
        "task": lambda rest: _task_command(prog, factory, rest),
    }
    if argv and argv[0] == "--version":
        sys.stdout.write(f"{_package_version()}\n")
        return EXIT_OK
    if not argv or argv[0] in ("-h", "--help", "help") or argv[0] not in commands:
        stream = sys.stdout if argv and argv[0] in ("-h", "--help", "help") else sys.stderr
        stream.write(
            f"usage: {prog} {{models,run,task}} ... | --version\n\n"
            f"  {prog} models                      list the models\n"
            f"  {prog} run SLUG --help             inputs of one model\n"
            f"  {prog} run SLUG [--INPUT VALUE ...] [--wait] [--via socket] [--out DIR]\n"
            f"  {prog} task TASKID [--wait] [--out DIR] [--cancel|--kill]\n"
        )
        return EXIT_OK if stream is sys.stdout else EXIT_USAGE
    return commands[argv[0]](argv[1:])


def _package_version() -> str:
    """`wiro_client 1.1.0`: the generated package's version (its name when it was copied
    into a project rather than installed)."""
    package = __name__.split(".")[0]
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return f"{package} (not installed as a distribution)"


def main(
    registry: Mapping[str, ModelSpec],
    client_factory: ClientFactory,
    argv: Sequence[str] | None = None,
    *,
    prog: str = "python -m wiro_client",
) -> int:
    """Run the command line; returns the exit code (never calls ``sys.exit``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(prog, registry, client_factory, args)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except tuple(EXIT_CODES) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return next(code for cls, code in EXIT_CODES.items() if isinstance(exc, cls))
