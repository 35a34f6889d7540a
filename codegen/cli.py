"""`wirogen`: parse docs, print the schema, generate and check client packages.

Every failure the user can cause (a bad doc, a drifted tree) ends in a message
naming the file and a non-zero exit code; tracebacks are for our bugs only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen import openapi
from codegen.errors import SpecError, WirogenError
from codegen.parser import discover, load_catalogue, parse_many
from codegen.schema import Catalogue, Model, dump_models

EXIT_SPEC_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except WirogenError as exc:
        print(f"wirogen: {exc}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirogen", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse docs and print the normalized schema")
    parse.add_argument("paths", nargs="+", help="spec files or folders")
    parse.add_argument("--json", action="store_true", help="print the models as JSON")
    parse.set_defaults(handler=_parse)

    schema = commands.add_parser("schema", help="print the JSON Schema of the normalized schema")
    schema.set_defaults(handler=_schema)

    export = commands.add_parser("openapi", help="export the models as an OpenAPI 3.1 document")
    export.add_argument("--specs", default="specs", help="the specs folder (default: specs)")
    export.add_argument("--model", help="export only this model (slug)")
    export.add_argument("-o", "--output", help="write to this file instead of stdout")
    export.set_defaults(handler=_openapi)
    return parser


def _parse(args: argparse.Namespace) -> int:
    models, errors = parse_many(discover(args.paths), root=".")
    if args.json:
        print(json.dumps(dump_models(models), indent=2, ensure_ascii=False))
    else:
        _print_catalogue(models)
    _report(errors)
    return EXIT_SPEC_ERROR if errors else 0


def _report(errors: list[SpecError]) -> None:
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
    print(json.dumps(Catalogue.model_json_schema(), indent=2, sort_keys=True))
    return 0


def _openapi(args: argparse.Namespace) -> int:
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
