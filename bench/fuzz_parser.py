"""The long parser fuzz run: only `SpecError` may ever escape the parser.

Two engines, both fed from the real docs in specs/:

- `hypothesis` (default): the CI test's mutation strategy (cut, delete, insert noise,
  duplicate spans; tests/parser/test_fuzz.py) with many more examples, plus every-prefix
  truncations;
- `atheris`: coverage-guided libFuzzer mutations of the same docs (seed corpus = specs/),
  bounded by `--runs` or `--seconds`.

Every input goes through `parse_text` + `normalize`. Escapes (any exception other than
`SpecError`) are counted, not raised, and the first few are printed. Exit 1 if any.
The hypothesis engine also writes hostile numbers where docs state them (help texts,
range fields, page samples, overrides: tests/parser/fuzz_numbers.py); there an escape is
also a model that breaks what writers rely on (a non-finite float, minimum > maximum).

    .venv/bin/python bench/fuzz_parser.py [--engine hypothesis] [--examples 20000]
    .venv/bin/python bench/fuzz_parser.py --engine atheris [--runs 200000] [--seconds 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds codegen.py (the generator's benchmark): keep it from shadowing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


class Tally:
    cases = 0
    spec_errors = 0
    escapes = 0
    first: list[str] = []  # noqa: RUF012


def report(engine: str, started: float) -> None:
    print(f"engine:       {engine}")
    print(f"cases:        {Tally.cases}")
    print(f"SpecError:    {Tally.spec_errors}")
    print(f"escapes:      {Tally.escapes}")
    print(f"elapsed:      {time.perf_counter() - started:.1f} s")
    for text in Tally.first:
        print(text)
    sys.stdout.flush()


def one(text: str) -> None:
    from codegen.errors import SpecError
    from codegen.parser import parse_text
    from codegen.parser.normalize import normalize

    Tally.cases += 1
    try:
        normalize(parse_text("fuzz.md", text), sha256="0")
    except SpecError:
        Tally.spec_errors += 1
    except Exception:
        Tally.escapes += 1
        if len(Tally.first) < 5:
            Tally.first.append(f"--- escape on {text[:120]!r}\n{traceback.format_exc()}")


def one_numbers(doc: str, toml: str | None) -> None:
    """One `fuzz_numbers` case: SpecError, or a model that passes its `check`."""
    from tests.parser import fuzz_numbers

    Tally.cases += 1
    try:
        model = fuzz_numbers.parse(doc, toml)
    except Exception:
        Tally.escapes += 1
        if len(Tally.first) < 5:
            Tally.first.append(f"--- escape on {doc[:120]!r} / {toml!r}\n{traceback.format_exc()}")
        return
    Tally.spec_errors += model is None


def run_hypothesis(examples: int, seed: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from tests.parser.test_fuzz import DOCS, mutated

    common = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    @hseed(seed)
    @common
    @given(mutated())
    def mutations(text: str) -> None:
        one(text)

    @hseed(seed)
    @settings(common, max_examples=max(1, examples // 10))
    @given(st.sampled_from(DOCS), st.data())
    def prefixes(text: str, data: st.DataObject) -> None:
        one(text[: data.draw(st.integers(0, len(text)))])

    from tests.parser import fuzz_numbers as fn

    @hseed(seed)
    @settings(common, max_examples=max(1, examples // 4))
    @given(fn.llms_doc() | fn.page_doc(), st.none() | fn.override())
    def numbers(doc: str, toml: str | None) -> None:
        one_numbers(doc, toml)

    for run in (mutations, prefixes, numbers):
        before = Tally.cases, Tally.escapes
        run()
        print(f"{run.__name__ + ':':13} {Tally.cases - before[0]} cases, "
              f"{Tally.escapes - before[1]} escapes", flush=True)  # fmt: skip


def run_atheris(runs: int, seconds: int) -> None:
    import atheris  # type: ignore[import-untyped, unused-ignore]

    with atheris.instrument_imports():
        import codegen.parser
        import codegen.parser.normalize  # noqa: F401

    corpus = tempfile.mkdtemp(prefix="wirogen-fuzz-")
    for doc in sorted((ROOT / "specs").iterdir()):
        if doc.suffix in (".md", ".txt"):
            (Path(corpus) / doc.name).write_bytes(doc.read_bytes())

    started = time.perf_counter()

    def test_one_input(data: bytes) -> None:
        one(data.decode("utf-8", "replace"))
        # libFuzzer ends the process with _exit (no atexit): report as it goes and at the end
        if Tally.cases == runs:
            report("atheris (libFuzzer)", started)
        elif Tally.cases % 10_000 == 0:
            print(f"progress: {Tally.cases} cases, {Tally.escapes} escapes", flush=True)

    argv = [
        sys.argv[0], corpus, f"-runs={runs}", f"-max_total_time={seconds}",
        "-max_len=60000", "-print_final_stats=1",
    ]  # fmt: skip
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    parser.add_argument("--examples", type=int, default=20_000, help="hypothesis examples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=200_000, help="atheris executions")
    parser.add_argument("--seconds", type=int, default=600, help="atheris time bound")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.engine == "atheris":
        run_atheris(args.runs, args.seconds)
        return 1 if Tally.escapes else 0
    run_hypothesis(args.examples, args.seed)
    report("hypothesis", started)
    return 1 if Tally.escapes else 0


if __name__ == "__main__":
    raise SystemExit(main())
