"""`wirogen`: parse docs, print the schema, generate and check client packages.

Every failure the user can cause (a bad doc, a drifted tree) ends in a message
naming the file and a non-zero exit code (2 for a bad doc). Any other exception is
our bug: one line saying so, with the file being read when it is known, and exit
code 70; its traceback is printed only with `--debug`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.changes import sources
from codegen.errors import CatalogueError, ParserBug, SpecError, WirogenError
from codegen.render.commands import add_subcommands, generate

# The parser, the renderer, pydantic, HTTP and asyncio are imported by the commands that
# use them: `wirogen generate` with nothing to do needs none of them.
if TYPE_CHECKING:
    from codegen.changes import diff, sync
    from codegen.schema import Model

EXIT_SPEC_ERROR = 2
#: sysexits' EX_SOFTWARE: wirogen itself failed, whatever the docs hold.
EXIT_BUG = 70


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    try:
        result: int = args.handler(args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
    except BrokenPipeError:
        return _reader_left()
    except WirogenError as exc:
        errors = exc.errors if isinstance(exc, CatalogueError) else [exc]
        _tracebacks(errors, debug)
        print(f"wirogen: {exc}", file=sys.stderr)
        return _exit_code(errors)
    except Exception as exc:  # a bug: one line, not a traceback the user must decipher
        return _bug(exc, args, debug)
    return result


def _reader_left() -> int:
    """`wirogen schema | head`: the reader stopped reading on purpose, which is no error.
    Stdout goes to /dev/null so the interpreter's flush at exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def _bug(exc: Exception, args: argparse.Namespace, debug: bool) -> int:
    """Report an unexpected exception as wirogen's bug, naming what it was working on."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    reading = next(
        filter(None, (getattr(args, k, None) for k in ("paths", "specs", "target"))), None
    )
    where = f" while reading {_shown(reading)}" if reading else ""
    hint = "" if debug else "; run it again with `wirogen --debug` for the traceback"
    print(
        f"wirogen: bug in wirogen{where} ({args.command}): {type(exc).__name__}: "
        f"{str(exc)[:200]}; please report it{hint}",
        file=sys.stderr,
    )
    return EXIT_BUG


def _shown(reading: object) -> str:
    items = reading if isinstance(reading, list) else [reading]
    return ", ".join(str(item) for item in items)


def _tracebacks(errors: Sequence[WirogenError], debug: bool) -> None:
    """With `--debug`, the traceback each ParserBug brought back from its parse."""
    for error in errors if debug else ():
        if isinstance(error, ParserBug) and error.detail:
            print(error.detail, file=sys.stderr, end="")


def _exit_code(errors: Sequence[WirogenError]) -> int:
    return EXIT_BUG if any(isinstance(e, ParserBug) for e in errors) else EXIT_SPEC_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirogen", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    parser.add_argument("--version", action="version", version=f"wirogen {version('wirogen')}")
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse docs and print the normalized schema")
    parse.add_argument("paths", nargs="+", help="spec files or folders")
    parse.add_argument("--json", action="store_true", help="print the models as JSON")
    parse.set_defaults(handler=_parse)

    add_subcommands(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of the normalized schema")
    schema.set_defaults(handler=_schema)

    compare = commands.add_parser(
        "diff", help="semantic diff of two spec files or folders, or of specs/ at a git revision"
    )
    compare.add_argument("old", help="spec file, folder, or git revision (compared with --specs)")
    compare.add_argument("new", nargs="?", help="spec file or folder (default: --specs)")
    compare.add_argument("--specs", default="specs", help="the specs folder (default: specs)")
    compare.add_argument("--json", action="store_true", help="print the changes as JSON")
    compare.set_defaults(handler=_diff)

    onboard = commands.add_parser("add", help="download (or read) a model's doc into specs/")
    onboard.add_argument("target", help="OWNER/PROJECT, a URL, or a file")
    onboard.add_argument(
        "--force", action="store_true", help="replace the model's spec if it is already there"
    )
    _sync_options(onboard)
    onboard.set_defaults(handler=_add)

    refresh = commands.add_parser("sync", help="re-download the docs in specs/ and report changes")
    refresh.add_argument("slugs", nargs="*", help="only these models (default: all)")
    refresh.add_argument("--dry-run", action="store_true", help="report, write nothing")
    refresh.add_argument(
        "--check", action="store_true",
        help="report, write nothing, exit 1 when a model is gone or changed incompatibly (CI)",
    )  # fmt: skip
    refresh.add_argument("--jobs", type=int, default=4, help="downloads at once (default: 4)")
    _sync_options(refresh)
    refresh.set_defaults(handler=_sync)

    export = commands.add_parser("openapi", help="export the models as an OpenAPI 3.1 document")
    export.add_argument("--specs", default="specs", help="the specs folder (default: specs)")
    export.add_argument("--model", help="export only this model (slug)")
    export.add_argument("-o", "--output", help="write to this file instead of stdout")
    export.set_defaults(handler=_openapi)
    for command in commands.choices.values():  # also after the command: `parse X --debug`
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
    return parser


_DEBUG_HELP = "print the traceback of an unexpected error (a wirogen bug)"


def _parse(args: argparse.Namespace) -> int:
    from codegen.parser import discover, parse_many
    from codegen.schema import dump_models

    models, errors = parse_many(discover(args.paths), root=".")
    if args.json:
        print(json.dumps(dump_models(models), indent=2, ensure_ascii=False))
    else:
        _print_catalogue(models)
    _report(errors, args.debug)
    return _exit_code(errors) if errors else 0


def _report(errors: list[SpecError], debug: bool = False) -> None:
    _tracebacks(errors, debug)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} doc(s) could not be parsed", file=sys.stderr)


def _print_catalogue(models: list[Model]) -> None:
    for model in models:
        print(f"{model.display_name}  ({model.kind}, {model.run_path})  {model.source.path}")
        for item in model.inputs:
            flags = " required" if item.required else ""
            default = "" if item.default is None else f" = {item.default!r}"
            print(f"    {item.name}: {item.kind}{flags}{default}")
        for warning in model.warnings:
            about = f" [{warning.input}]" if warning.input else ""
            print(f"    warning {warning.code}{about}: {warning.message}")
    print(f"{len(models)} model(s)")


def _schema(args: argparse.Namespace) -> int:
    from codegen.schema import Catalogue

    print(json.dumps(Catalogue.model_json_schema(), indent=2, sort_keys=True))
    return 0


def _diff(args: argparse.Namespace) -> int:
    """Exit 1 when anything breaking changed, so CI can gate on it."""
    from codegen.changes import diff, snapshot

    new = snapshot.load(args.new or args.specs)
    old_is_path = args.new is not None or Path(args.old).exists()
    old = (
        snapshot.load(args.old) if old_is_path else snapshot.at_revision(args.old, Path(args.specs))
    )
    changes = diff.diff(old, new)
    print(diff.as_json(changes) if args.json else diff.as_table(changes))
    return 1 if diff.has_breaking(changes) else 0


def _sync_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--specs", type=Path, default=Path("specs"), help="the specs folder")
    parser.add_argument("--out", type=Path, default=Path("generated"), help="regenerate into")
    parser.add_argument(
        "--docs-url", default=sources.DOCS_URL, help="the docs site (default: wiro.ai)"
    )
    parser.add_argument(
        "--api-url", help=f"the API (default: $WIRO_BASE_URL, else {sources.API_URL})"
    )
    parser.add_argument(
        "--source",
        choices=sources.SOURCES,
        default="auto",
        help="api: the API's OpenAPI document (needs WIRO_API_KEY); docs: llms.txt from the "
        "docs site; auto (default): the API's when credentials are set and it has one (sync: "
        "the kind each spec already is)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--no-generate", action="store_true", help="do not regenerate afterwards")


def _fetcher(args: argparse.Namespace) -> sync.Fetcher:
    """Credentials come from the environment only: an option would put them in `ps` output
    and shell history."""
    from codegen.changes import sync

    return sync.Fetcher(
        docs_url=args.docs_url,
        api_url=sync.api_url(args.api_url),
        credentials=sync.Credentials.from_env(),
        source=args.source,
        timeout=args.timeout,
    )


def _add(args: argparse.Namespace) -> int:
    """Exit 1, with the diff, when the model is already there and `--force` is not given."""
    import asyncio

    from codegen.changes import sync

    try:
        added = asyncio.run(
            sync.add(args.specs, args.target, fetcher=_fetcher(args), force=args.force)
        )
    except sync.AlreadyAdded as exc:
        print(f"{exc.slug}: what replacing {exc.path} would change:")
        _print_changes(exc.changes)
        print(f"wirogen: {exc}", file=sys.stderr)
        return 1
    model, path = added.model, added.path
    if added.unchanged:
        print(f"{model.display_name} is already in {path}, unchanged ({added.fetched.describe()})")
        return 0
    if added.replaced is not None:
        print(f"replaced {added.replaced} with {path} ({added.fetched.describe()})")
        _print_changes(added.changes)
    else:
        print(f"added {model.display_name} as {path} ({added.fetched.describe()})")
    _print_catalogue([model])
    _regenerate(args)
    return 0


def _print_changes(changes: list[diff.Change]) -> None:
    from codegen.changes import diff

    print("    " + diff.as_table(changes).replace("\n", "\n    "))


def _sync(args: argparse.Namespace) -> int:
    import asyncio

    from codegen.changes import sync

    fetcher = _fetcher(args)
    dry_run = args.dry_run or args.check
    results = asyncio.run(
        sync.sync(args.specs, args.slugs, fetcher=fetcher, dry_run=dry_run, concurrency=args.jobs)
    )
    for result in results:
        print(
            f"{result.slug}: {result.status}" + (f" ({result.message})" if result.message else "")
        )
        if result.changes:
            _print_changes(result.changes)
    if any(r.status == "changed" for r in results) and not dry_run:
        _regenerate(args)
    failed = any(r.status in ("unreachable", "invalid") for r in results)
    return 1 if failed or (args.check and sync.needs_attention(results)) else 0


def _regenerate(args: argparse.Namespace) -> None:
    if args.no_generate:
        return
    report = generate(args.specs, args.out)
    print(report.summary())


def _openapi(args: argparse.Namespace) -> int:
    from codegen import openapi
    from codegen.parser import load_catalogue

    catalogue = load_catalogue(args.specs)
    try:
        text = openapi.dumps(openapi.document(catalogue, args.model))
    except KeyError:
        print(f"wirogen: no model {args.model!r} in {args.specs}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
