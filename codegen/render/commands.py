"""``wirogen generate`` and ``wirogen check``: functions plus argparse wiring."""

from __future__ import annotations

import argparse
import contextlib
import gc
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.render.stamp import Stamp
from codegen.render.tree import Report, diff_tree, write_tree

if TYPE_CHECKING:
    from codegen.changes.release import Release
    from codegen.schema import Model

DEFAULT_PACKAGE = "wiro_client"


def load_models(specs: Path, stamp: Stamp | None = None) -> Sequence[Model]:
    """Parse every doc in ``specs`` (the lead's parser; imported lazily); `stamp`'s
    reading of the specs, if given, spares the parse cache reading them again."""
    from codegen.parser import load_catalogue

    return load_catalogue(specs, stamp.files if stamp is not None else None).models


def build(
    specs: Path, out: Path, package: str, stamp: Stamp | None = None
) -> tuple[dict[str, bytes], Release, int]:
    """The whole tree, with the version, lock and CHANGELOG that `out`'s history implies.

    The parser, the renderer and their libraries are imported here, not at the top:
    a run with nothing to do (see :mod:`codegen.render.stamp`) never needs them.
    """
    from codegen.cache import cache_dir
    from codegen.changes.release import CHANGELOG, LOCK, release
    from codegen.entries import model_entries
    from codegen.render.engine import render_tree

    with _no_cycle_collection():
        models = load_models(Path(specs), stamp)
        entries = model_entries(models, cache_dir(Path(specs)))
        result = release(models, Path(out), entries)
        tree = render_tree(models, package, Path(specs), result.version, entries)
    tree[LOCK] = result.lock
    tree[CHANGELOG] = result.changelog
    return dict(sorted(tree.items())), result, len(models)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a build makes its objects, on again after.

    A build only adds objects (1,000 models and views loaded from the cache, or made)
    until it returns, and each full collection walks all of them again: a fifth of a
    one-spec run went there. What a build leaves as cyclic garbage is a few MB at
    1,000 models (peak memory measured with and without), collected once it is on again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def generate(specs: Path, out: Path, package: str = DEFAULT_PACKAGE) -> Report:
    """Render ``specs`` into ``out``; unchanged files are not rewritten, stale ones go."""
    stamp = Stamp.of(Path(specs), Path(out), package)
    done = stamp.current(Path(out), package) if stamp is not None else None
    if done is not None:
        return done
    tree, result, count = build(specs, out, package, stamp)
    report = write_tree(tree, Path(out), package)
    if stamp is not None:
        stamp.record(tree, count, result.version)
    return Report(
        written=report.written,
        deleted=report.deleted,
        unchanged=report.unchanged,
        models=count,
        version=result.version,
        changes=len(result.changes),
    )


def check(specs: Path, out: Path, package: str = DEFAULT_PACKAGE) -> list[str]:
    """Differences between ``out`` and what ``generate`` would write; empty when current."""
    stamp = Stamp.of(Path(specs), Path(out), package)
    if stamp is not None and stamp.current(Path(out), package) is not None:
        return []
    tree, _, _ = build(specs, out, package, stamp)
    return diff_tree(tree, Path(out), package)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--specs", type=Path, default=Path("specs"), help="model docs folder (default: specs)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("generated"), help="output folder (default: generated)"
    )
    parser.add_argument(
        "--package", default=DEFAULT_PACKAGE,
        help=f"Python package name (default: {DEFAULT_PACKAGE})",
    )  # fmt: skip


def run_generate(args: argparse.Namespace) -> int:
    """Errors (bad docs, bad package names) reach `wirogen`'s main: one message, exit 2."""
    report = generate(args.specs, args.out, args.package)
    for rel in report.written:
        print(f"wrote {rel}")
    for rel in report.deleted:
        print(f"deleted {rel}")
    print(report.summary())
    return 0


def run_check(args: argparse.Namespace) -> int:
    problems = check(args.specs, args.out, args.package)
    for line in problems:
        print(line)
    if problems:
        print(f"{args.out} is out of date: run `{_generate_command(args)}`", file=sys.stderr)
        return 1
    print(f"{args.out} is up to date")
    return 0


def _generate_command(args: argparse.Namespace) -> str:
    """The `wirogen generate` that fixes what `check` found, with the options `check` had."""
    options = [
        f"{flag} {shlex.quote(str(value))}"
        for flag, value, default in (
            ("--specs", args.specs, Path("specs")),
            ("--out", args.out, Path("generated")),
            ("--package", args.package, DEFAULT_PACKAGE),
        )
        if value != default
    ]
    return " ".join(["wirogen generate", *options])


def add_subcommands(subparsers: Any) -> None:
    """Register ``generate`` and ``check``; each sets ``args.handler(args) -> int``."""
    gen = subparsers.add_parser("generate", help="render the typed client package")
    _add_common(gen)
    gen.set_defaults(handler=run_generate)
    chk = subparsers.add_parser("check", help="exit 1 if the generated package is stale")
    _add_common(chk)
    chk.set_defaults(handler=run_check)
