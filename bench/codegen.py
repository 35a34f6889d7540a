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
nothing changed, and warm after one spec changed. ``cpu`` is each run's CPU
time, workers included: on a busy machine it shows the work that wall-clock
figures hide behind contention.

    .venv/bin/python bench/codegen.py [--models 1000] [--keep DIR]
    .venv/bin/python bench/codegen.py --specs specs     # the real catalogue, as committed

Targets: 1,000 models <= 1.5 s cold; one changed model <= 0.3 s.

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
import resource
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
TARGET_COLD = 1.5
TARGET_ONE = 0.3
TARGET_IMPORT = 0.15
IMPORT_RUNS = 7

_CHILD = """
import sys, time, json
t0 = time.perf_counter()
from pathlib import Path
from codegen.parser import load_catalogue
from codegen.render.engine import render_tree
from codegen.render.tree import write_tree
t1 = time.perf_counter()
models = load_catalogue(Path(sys.argv[1])).models
t2 = time.perf_counter()
tree = render_tree(models, "wiro_client", Path(sys.argv[1]))
t3 = time.perf_counter()
report = write_tree(tree, Path(sys.argv[2]), "wiro_client")
t4 = time.perf_counter()
print(json.dumps({"seconds": t4 - t0, "import": t1 - t0, "parse": t2 - t1, "render": t3 - t2,
                  "write": t4 - t3, "written": len(report.written)}))
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


def run_child(specs: Path, out: Path) -> dict[str, float]:
    """One timed run in a fresh interpreter; `cpu` is its (and its workers') CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(specs), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"generate failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["cpu"] = cpu
    return result


def startup_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def openapi_python_client(specs: Path, work: Path) -> str:
    exe = shutil.which("openapi-python-client") or str(
        Path(sys.executable).parent / "openapi-python-client"
    )
    if not Path(exe).exists():
        return "not installed"
    sys.path.insert(0, str(ROOT))
    from codegen.parser import load_catalogue

    doc = _openapi_doc(load_catalogue(specs))
    (work / "openapi.json").write_text(json.dumps(doc))
    started = time.perf_counter()
    subprocess.run(
        [exe, "generate", "--path", str(work / "openapi.json"), "--output-path",
         str(work / "opc"), "--overwrite"],
        capture_output=True, check=False,
    )  # fmt: skip
    return f"{time.perf_counter() - started:.2f} s"


def _openapi_doc(catalogue: object) -> dict[str, object]:
    paths: dict[str, object] = {}
    for model in getattr(catalogue, "models", ()):
        props = {i.name: {"type": "string"} for i in model.inputs}
        paths[model.run_path] = {
            "post": {
                "operationId": model.slug.replace("/", "_").replace("-", "_"),
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": props}}}},
                "responses": {"200": {"description": "ok"}},
            }
        }  # fmt: skip
    return {"openapi": "3.0.3", "info": {"title": "wiro", "version": "1"}, "paths": paths}


def clear_cache(specs: Path) -> None:
    """Make the next run really cold: no incremental cache (see codegen.cache)."""
    sys.path.insert(0, str(ROOT))
    from codegen.cache import cache_dir

    folder = cache_dir(specs)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def print_table(
    count: int, startup: float, rows: list[tuple[str, dict[str, float], float]]
) -> None:
    print(f"{count} models, interpreter start-up {startup:.2f} s (excluded)\n")
    cols = ("seconds", "import", "parse", "render", "write", "wall", "cpu")
    head = " ".join(f"{c:>8}" for c in cols)
    print(f"{'run':32} {head} {'written':>8} {'target':>7} {'ratio':>6}  ok")
    for label, res, target in rows:
        ok = "yes" if res["seconds"] <= target else "NO"
        nums = " ".join(f"{res[c]:8.3f}" for c in cols)
        ratio = res["seconds"] / target
        print(f"{label:32} {nums} {int(res['written']):8d} {target:7.2f} {ratio:6.2f}  {ok}")
    print("\nseconds = import + parse (codegen.parser) + render + write, in a fresh interpreter")
    print("wall = the whole child process; cpu = its user+sys time, workers included")
    print("ratio = seconds / target (<= 1.00 meets the target)")


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
        generator_table(args.models, specs, out, paths, work)
    label = f"copy of {args.specs}" if args.specs else "synthetic corpus"
    print_import_table(import_rows(specs, work, label))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def generator_table(count: int, specs: Path, out: Path, paths: list[Path], work: Path) -> None:
    """Cold, no-op and one-changed generator runs, then openapi-python-client's time."""
    startup = startup_seconds()
    clear_cache(specs)
    cold = run_child(specs, out)
    noop = run_child(specs, out)
    changed = paths[len(paths) // 2]
    text = changed.read_text()
    changed.write_text(text.replace("description: ", "description: Changed. ", 1))
    one = run_child(specs, out)
    opc = openapi_python_client(specs, work)
    print_table(
        count,
        startup,
        [
            ("cold: parse + generate", cold, TARGET_COLD),
            ("warm, nothing changed", noop, TARGET_ONE),
            ("warm, one spec changed", one, TARGET_ONE),
        ],
    )
    print(f"\nopenapi-python-client on the same corpus: {opc}")
    if opc.endswith(" s"):
        print(
            f"ratio openapi-python-client / wirogen cold: {float(opc[:-2]) / cold['seconds']:.1f}x"
        )


if __name__ == "__main__":
    raise SystemExit(main())
