"""Benchmark: parse + generate 1,000 synthetic model docs (not a test).

The corpus is shaped like Wiro's real catalogue (input counts per model, input
kinds, option list lengths) as sampled in
``shared/corpus/wiro_openapi_params.tsv`` (the ``shared/`` folder beside the
repository), written in the line-structured llms.txt format of
``specs/wiro__cartoonify.llms.md``, later sections included (the header prepare,
run command and response fences every real doc carries), so parsing costs what
it costs on real docs and no synthetic doc looks truncated. Each timing runs in
a fresh interpreter (cold imports included, interpreter start-up excluded and
reported separately): cold (the incremental cache removed first), warm with
nothing changed, and warm after one spec changed, each the whole `wirogen generate`
command (lock and CHANGELOG included) in a fresh interpreter, interpreter start-up
excluded. Beside them, in the same interleaved rounds: openapi-python-client (pinned,
installed on first use into its own cached virtualenv ``.bench-venv/``) generating the
equivalent OpenAPI document (``wirogen openapi --specs <corpus>``), and the parse of the
corpus (one process, no cache) against markdown-it-py's block tokenizer over the same
texts. Each row gives the median and the minimum of the rounds; ratios are medians
measured in this run.

    .venv/bin/python bench/codegen.py [--models 1000] [--rounds 3] [--keep DIR]
    .venv/bin/python bench/codegen.py --specs specs     # the real catalogue, as committed
    .venv/bin/python bench/codegen.py --root OLD        # time the codegen/ of another tree

Goals (issue 18): cold >= 10x faster than openapi-python-client; one changed spec
<= 0.1x of cold; parse <= 1.2x markdown-it-py's block tokenizer.

Then the generated client's own cost: ``import wiro_client`` plus the first use
of one model (``client.OWNER.MODEL``, ``client.models[slug]``, ``REGISTRY[slug]``)
at 9 models (the original docs in specs/), the committed specs/ catalogue and the
synthetic corpus, each the median of fresh interpreters after one warm-up run
(bytecode cached, as after an install). Target: <= 150 ms at 1,000 models.
``--imports-only`` skips the generator timings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TSV = ROOT.parent / "shared" / "corpus" / "wiro_openapi_params.tsv"
TARGET_IMPORT = 0.15
IMPORT_RUNS = 7
OPC_VERSION = "0.29.1"
BENCH_VENV = ROOT / ".bench-venv"
GOAL_VS_OPC = 10.0
GOAL_ONE = 0.1
GOAL_FLOOR = 1.2

#: `wirogen generate`, timed from inside so interpreter start-up is left out.
_CHILD = """
import sys, time
t0 = time.perf_counter()
from codegen.cli import main
code = main(["generate", "--specs", sys.argv[1], "--out", sys.argv[2]])
print(time.perf_counter() - t0, code)
"""

#: Parse the corpus in one process, no cache, then tokenize the same texts with
#: markdown-it-py's block tokenizer (the floor): two numbers.
_FLOOR_PARSE = """
import sys, time
from pathlib import Path
from codegen.parser import Locator, discover, parse_located
from codegen.parser.llms import markdown
paths = discover([Path(sys.argv[1])])
texts = [p.read_text("utf-8") for p in paths]
md = markdown()
locator = Locator(Path(sys.argv[1]).parent)
t0 = time.perf_counter()
for path in paths:
    parse_located(path, locator)
t1 = time.perf_counter()
for text in texts:
    md.parse(text)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""

#: Imports the client and uses one model three ways; argv: owner attr, module, slug (or none).
_IMPORT_CHILD = """
import sys, time
t0 = time.perf_counter()
import wiro_client
client = wiro_client.Wiro(api_key="k")
if len(sys.argv) > 1:
    getattr(getattr(client, sys.argv[1]), sys.argv[2])
    client.models[sys.argv[3]]
    wiro_client.REGISTRY[sys.argv[3]]
t1 = time.perf_counter()
models = sum(1 for name in sys.modules if name.startswith("wiro_client.models.") and
             name.count(".") == 3)
print(t1 - t0, models, "wiro_client._runtime._cli" in sys.modules, "websockets" in sys.modules,
      wiro_client.__file__)
"""

#: The dependencies' own floor, timed the same way: httpx, pydantic and one model class.
_FLOOR_CHILD = """
import sys, time
t0 = time.perf_counter()
import httpx, pydantic
class Input(pydantic.BaseModel):
    prompt: str = pydantic.Field(default="", alias="prompt")
Input(prompt="x")
t1 = time.perf_counter()
print(t1 - t0, 0, False, False, "-")
"""


@dataclass
class Param:
    name: str
    json_type: str
    input_type: str
    required: bool
    default: str
    enum: list[str] = field(default_factory=list)
    minimum: str = ""
    maximum: str = ""


def load_shapes() -> list[list[Param]]:
    """One list of params per real model in the TSV (the distribution to sample)."""
    if not TSV.is_file():
        raise SystemExit(
            f"bench: {TSV} not found; the benchmark samples its corpus shape from it "
            "(the shared/ folder beside the repository)"
        )
    by_model: dict[str, list[Param]] = {}
    with TSV.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or len(row) < 10:
                continue
            run_path, name, jtype, itype, _fmt, req, default, enum, lo, hi = row[:10]
            opts = [o for o in enum.split("|") if o] if enum else []
            by_model.setdefault(run_path, []).append(
                Param(name, jtype, itype, req == "True", default.strip("'"), opts, lo, hi)
            )
    return [params for _, params in sorted(by_model.items())]


def _input_lines(p: Param, rng: random.Random) -> list[str]:
    if p.input_type in ("select", "selectwithcover"):
        kind = p.input_type
    elif p.input_type == "combinefileinput":
        kind = "combinefileinput"
    elif p.json_type == "number":
        kind = "number" if rng.random() < 0.6 else "float"
    else:
        kind = "textarea" if p.name.lower().endswith("prompt") else "text"
    lines = [
        f"  - name: {p.name}",
        f"    label: {p.name}",
        f"    help: {p.name}-help",
        f"    type: {kind}",
        f"    default: {p.default}",
    ]
    if kind.startswith("select"):
        options = p.enum or [f"opt{i}" for i in range(rng.randint(2, 12))]
        lines.append("    options:")
        for value in options:
            lines += [f'      - value: "{value}"', f"        label: {value}", ""]
    lines.append("")
    return lines


def model_doc(index: int, params: list[Param], rng: random.Random) -> tuple[str, str]:
    owner = f"owner{index % 37}"
    project = f"model-{index:04d}"
    lines = [
        "## Basic tool info",
        "",
        f"Model name: {owner}/{project}",
        f"Model description: Synthetic benchmark model number {index}.",
        "Model categories:",
        "  - tool",
        "  - text-to-image",
        "",
        "Run Task Endpoint (POST):",
        f"https://api.wiro.ai/v1/Run/{owner}/{project}",
        "",
        "## Model Inputs: ",
        "",
    ]
    for p in params:
        lines += _input_lines(p, rng)
    lines += ["## Model Parameter Inspires:", "", "- prompt: a synthetic example prompt", ""]
    lines += _later_sections(f"{owner}/{project}", params)
    return f"{owner}__{project}.llms.md", "\n".join(lines) + "\n"


def _later_sections(slug: str, params: list[Param]) -> list[str]:
    """What follows the inputs in a real doc: fenced shell and JSON samples, then the
    task-detail and status sections (copied from the real cartoonify doc)."""
    body = {p.name: p.default for p in params}
    body["callbackUrl"] = "You can provide a callback URL; Wiro will send a POST request to it."
    return [
        "",
        "## Integration Header Prepare ",
        "```bash",
        "  # Sign up Wiro dashboard and create project",
        '  export YOUR_API_KEY="{{useSelectedProjectAPIKey}}"; ',
        '  export YOUR_API_SECRET="XXXXXXXXX"; ',
        "  export NONCE=$(date +%s);",
        '  export SIGNATURE="$(echo -n "${YOUR_API_SECRET}${NONCE}" | openssl dgst -sha256 '
        '-hmac "${YOUR_API_KEY}")";',
        "```",
        "",
        "## Run Command - Make HTTP Post Request ",
        "```bash",
        f'curl -X POST "https://api.wiro.ai/v1/Run/{slug}" ',
        '-H "Content-Type: multipart/form-data" ',
        '-H "x-api-key: ${YOUR_API_KEY}" ',
        '-H "x-nonce: ${NONCE}" ',
        '-H "x-signature: ${SIGNATURE}" ',
        f"-d '{json.dumps(body, indent=2)}';",
        "```",
        "",
        "## Run Command - Response",
        "```json",
        json.dumps(
            {"errors": [], "taskid": "2221", "socketaccesstoken": "eDcCm5", "result": True},
            indent=4,
        ),
        "```",
        "",
        *_REAL_TAIL,
    ]


def _real_tail() -> list[str]:
    """The task-detail/kill/cancel/status sections of the real cartoonify doc."""
    doc = ROOT / "specs" / "wiro__cartoonify.llms.md"
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    start = text.find("## Get Task Detail")
    return text[start:].splitlines() if start >= 0 else []


_REAL_TAIL = _real_tail()


def write_corpus(folder: Path, count: int) -> list[Path]:
    rng = random.Random(1234)
    shapes = load_shapes()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, text = model_doc(i, rng.choice(shapes), rng)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def run_child(root: Path, specs: Path, out: Path) -> float:
    """One `wirogen generate` in a fresh interpreter running `root`'s codegen/."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(specs), str(out)],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not proc.stdout.strip().endswith(" 0"):
        raise SystemExit(f"generate failed:\n{proc.stdout}{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1].split()[0])


def startup_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def opc_executable() -> Path | None:
    """openapi-python-client, pinned, in its own virtualenv (made on first use)."""
    exe = BENCH_VENV / "bin" / "openapi-python-client"
    if not exe.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
            subprocess.run(
                [str(BENCH_VENV / "bin" / "pip"), "install", "-q",
                 f"openapi-python-client=={OPC_VERSION}"],
                check=True,
            )  # fmt: skip
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"bench: openapi-python-client not installed ({exc})", file=sys.stderr)
            return None
    return exe


def openapi_document(specs: Path, work: Path) -> Path:
    """The corpus as wirogen exports it: what openapi-python-client is given."""
    doc = work / "openapi.json"
    subprocess.run(
        [sys.executable, "-m", "codegen", "openapi", "--specs", str(specs), "-o", str(doc)],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return doc


def run_opc(exe: Path, doc: Path, work: Path) -> float:
    """One generation; `literal_enums` because the document's enums differ only by case."""
    config = work / "opc.yaml"
    config.write_text("literal_enums: true\n")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "generate", "--path", str(doc), "--output-path", str(work / "opc"),
         "--overwrite", "--config", str(config)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if not (work / "opc" / "pyproject.toml").is_file():  # it exits 1 on mere warnings
        raise SystemExit(f"openapi-python-client failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def floor_child(root: Path, specs: Path) -> tuple[float, float]:
    """(parse, markdown-it block tokenizer) seconds over the same docs."""
    env = {**os.environ, "PYTHONPATH": str(root), "WIROGEN_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _FLOOR_PARSE, str(specs)],
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    parse, tokenize = proc.stdout.split()
    return float(parse), float(tokenize)


def clear_cache(specs: Path) -> None:
    """Make the next run really cold: no incremental cache (see codegen.cache)."""
    sys.path.insert(0, str(ROOT))
    from codegen.cache import cache_dir

    folder = cache_dir(specs)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class ImportRow:
    label: str
    models: int
    seconds: float
    loaded: int
    cli: bool
    websockets: bool


def import_row(label: str, specs: Path, work: Path, keep: set[str] | None = None) -> ImportRow:
    """Generate ``specs`` (only the ``keep`` slugs, if given) and time its cold import."""
    sys.path.insert(0, str(ROOT))
    from codegen.parser import load_catalogue
    from codegen.render.engine import render_tree
    from codegen.render.tree import write_tree
    from codegen.render.view.catalogue import catalogue_view

    models = [m for m in load_catalogue(specs).models if keep is None or m.slug in keep]
    out = work / f"import-{len(models)}"
    shutil.rmtree(out, ignore_errors=True)
    write_tree(render_tree(models, "wiro_client", specs), out, "wiro_client")
    views = catalogue_view(models, "wiro_client", None).models
    model: tuple[str, ...] = ()  # no models: time the import alone
    if views:
        one = next((v for v in views if v.slug == "wiro/cartoonify"), views[len(views) // 2])
        model = (one.owner_attr, one.module, one.slug)
    return time_import(label, len(models), out, model)


def time_import(
    label: str, count: int, out: Path, model: tuple[str, ...], child: str = _IMPORT_CHILD
) -> ImportRow:
    """The median of fresh interpreters importing the package in ``out`` and using ``model``.

    Bytecode is written (whatever PYTHONDONTWRITEBYTECODE says) and a first run,
    not counted, compiles it: an installed package has its .pyc files.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    args = [sys.executable, "-c", child, *model]
    runs = []
    for _ in range(IMPORT_RUNS + 1):
        proc = subprocess.run(args, cwd=out, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"import failed:\n{proc.stderr}")
        runs.append(proc.stdout.split())
    _, loaded, cli, ws, where = runs[-1]
    if child is _IMPORT_CHILD and not where.startswith(str(out)):
        raise SystemExit(f"imported {where}, not the package generated in {out}")
    median = statistics.median(float(run[0]) for run in runs[1:])
    return ImportRow(label, count, median, int(loaded), cli == "True", ws == "True")


def import_rows(corpus: Path, work: Path, label: str) -> list[ImportRow]:
    """No models (the runtime's own cost), 9 (the original docs), specs/, and ``corpus``."""
    sys.path.insert(0, str(ROOT))
    from codegen.parser import load_catalogue

    real = load_catalogue(ROOT / "specs").models
    seeds = {m.slug for m in real if m.source.format != "openapi"}
    return [
        time_import("floor: httpx+pydantic", 0, work, (), _FLOOR_CHILD),
        import_row("no models: the runtime", ROOT / "specs", work, set()),
        import_row("specs/, original docs", ROOT / "specs", work, seeds),
        import_row("specs/, as committed", ROOT / "specs", work),
        import_row(label, corpus, work),
    ]


def print_import_table(rows: list[ImportRow]) -> None:
    print(f"\nimport wiro_client + first use of one model (median of {IMPORT_RUNS} fresh runs)\n")
    head = f"{'catalogue':24} {'models':>6} {'ms':>8} {'modules':>8} {'cli':>4} {'ws':>4}"
    print(f"{head} {'x floor':>8} {'target':>7}  ok")
    floor = rows[0].seconds
    for row in rows:
        at_scale = row.models >= 1000
        ok = ("yes" if row.seconds <= TARGET_IMPORT else "NO") if at_scale else "-"
        print(
            f"{row.label:24} {row.models:6d} {row.seconds * 1000:8.1f} {row.loaded:8d} "
            f"{'yes' if row.cli else 'no':>4} {'yes' if row.websockets else 'no':>4} "
            f"{row.seconds / floor:8.2f} {TARGET_IMPORT * 1000 if at_scale else 0:7.0f}  {ok}"
        )
    print("\nmodules = model modules imported; cli / ws = whether the CLI / websockets loaded")
    print("the target applies to 1,000 models; interpreter start-up is excluded;")
    print("floor = importing the two dependencies and building one pydantic model, same runs;")
    print("x floor = ms / floor (the generated package's cost on top of its dependencies)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the corpus and output here")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the tree whose codegen/ is timed (default: this)"
    )
    parser.add_argument(
        "--specs", type=Path, help="time a copy of this folder (e.g. specs/) instead of a corpus"
    )
    parser.add_argument(
        "--imports-only", action="store_true", help="only time importing the generated client"
    )
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wirogen-bench-"))
    specs, out = work / "specs", work / "generated"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(specs, ignore_errors=True)
    if args.specs:
        shutil.copytree(args.specs, specs)
        paths = sorted(specs.glob("*.llms.md"))
        args.models = len(list(specs.glob("*.*.*"))) - len(list(specs.glob("*.override.toml")))
    else:
        paths = write_corpus(specs, args.models)
    if not args.imports_only:
        generator_table(specs, out, paths, work, args.root.resolve(), args.rounds)
    label = f"copy of {args.specs}" if args.specs else "synthetic corpus"
    print_import_table(import_rows(specs, work, label))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def generator_table(
    specs: Path, out: Path, paths: list[Path], work: Path, root: Path, rounds: int
) -> None:
    """Interleaved rounds of cold, no-op and one-changed runs, the baseline and the floor."""
    startup = startup_seconds()
    exe = opc_executable()
    doc = openapi_document(specs, work) if exe is not None else None
    changed = paths[len(paths) // 2]
    original = changed.read_text()
    rows: dict[str, list[float]] = {}
    for index in range(rounds):
        clear_cache(specs)
        shutil.rmtree(out, ignore_errors=True)
        rows.setdefault("cold: parse + generate", []).append(run_child(root, specs, out))
        rows.setdefault("warm, nothing changed", []).append(run_child(root, specs, out))
        changed.write_text(original.replace("description: ", f"description: Round {index}. ", 1))
        rows.setdefault("warm, one spec changed", []).append(run_child(root, specs, out))
        changed.write_text(original)
        if exe is not None and doc is not None:
            rows.setdefault(f"openapi-python-client {OPC_VERSION}", []).append(
                run_opc(exe, doc, work)
            )
        parse, tokenize = floor_child(root, specs)
        rows.setdefault("parse, 1 process, no cache", []).append(parse)
        rows.setdefault("markdown-it-py block tokenizer", []).append(tokenize)
    print_table(len(paths), startup, rounds, rows)


def print_table(count: int, startup: float, rounds: int, rows: dict[str, list[float]]) -> None:
    print(f"{count} docs, {rounds} interleaved rounds, interpreter start-up {startup:.2f} s")
    print(f"\n{'run':34} {'median s':>9} {'min s':>7}")
    for label, times in rows.items():
        print(f"{label:34} {statistics.median(times):9.3f} {min(times):7.3f}")
    median = {label: statistics.median(times) for label, times in rows.items()}
    cold = median["cold: parse + generate"]
    opc = median.get(f"openapi-python-client {OPC_VERSION}")
    floor = median["parse, 1 process, no cache"] / median["markdown-it-py block tokenizer"]
    print()
    if opc is not None:
        _goal(
            "openapi-python-client / cold",
            opc / cold,
            f">= {GOAL_VS_OPC:.0f}x",
            opc / cold >= GOAL_VS_OPC,
        )
    one = median["warm, one spec changed"] / cold
    _goal("one spec changed / cold", one, f"<= {GOAL_ONE}x", one <= GOAL_ONE)
    noop = median["warm, nothing changed"] / cold
    _goal("nothing changed / cold", noop, "-", None)
    _goal("parse / markdown-it floor", floor, f"<= {GOAL_FLOOR}x", floor <= GOAL_FLOOR)
    print("\nwirogen rows: the whole `wirogen generate` in a fresh interpreter, start-up excluded")


def _goal(label: str, ratio: float, goal: str, ok: bool | None) -> None:
    met = "-" if ok is None else ("yes" if ok else "NO")
    print(f"{label:34} {ratio:8.2f}x  goal {goal:8} {met}")


if __name__ == "__main__":
    raise SystemExit(main())
