"""Session fixtures: generated trees (real specs and hostile corpus) and one mypy run.

Package names are unique per session so importing them never clashes with a
``wiro_client`` installed elsewhere or with another test's tree.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from codegen.render.engine import render_tree
from codegen.render.tree import write_tree
from codegen.schema import Model
from tests.generator.hostile import hostile_models
from tests.generator.hostile_docs import hostile_doc_models
from tests.paths import ROOT, SPECS
from tests.typecheck import run_mypy

VENV_BIN = ROOT / ".venv" / "bin"
TAG = uuid.uuid4().hex[:8]


def load_spec_models() -> list[Model]:
    from codegen.parser import load_catalogue

    return list(load_catalogue(SPECS).models)


@dataclass(frozen=True)
class Tree:
    out: Path
    package: str
    models: list[Model]

    def import_all(self) -> list[ModuleType]:
        """Import the package and every submodule (the out dir must be on sys.path)."""
        if str(self.out) not in sys.path:
            sys.path.insert(0, str(self.out))
        root = importlib.import_module(self.package)
        mods = [root]
        for info in pkgutil.walk_packages(root.__path__, self.package + "."):
            if not info.name.endswith("__main__"):
                mods.append(importlib.import_module(info.name))
        return mods


def _make_tree(base: Path, name: str, models: list[Model], specs: Path | None) -> Tree:
    package = f"wg_{name}_{TAG}"
    out = base / name
    write_tree(render_tree(models, package, specs), out, package)
    return Tree(out, package, models)


@pytest.fixture(scope="session")
def trees_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


@pytest.fixture(scope="session")
def real_tree(trees_root: Path) -> Tree:
    return _make_tree(trees_root, "real", load_spec_models(), SPECS)


@pytest.fixture(scope="session")
def hostile_tree(trees_root: Path) -> Tree:
    return _make_tree(trees_root, "hostile", hostile_models() + hostile_doc_models(), None)


GOOD_SNIPPET = """\
from datetime import datetime

from {pkg} import (
    NOT_GIVEN, AsyncTask, AsyncWiro, FileInfo, RawResponse, Task, TaskDetail, TaskStatus,
    ToolDetail, Wiro,
)


def use_sync() -> Task:
    client = Wiro(api_key="k")
    task: Task = client.reve.generate.run(prompt="a cat", aspect_ratio="16:9")
    client.models["reve/edit"].run(prompt="x", input_image="https://example.com/a.png")
    client.models["reve/edit"].run(prompt="x", input_image=b"bytes")
    client.xiabs.dreamomni2.run(prompt="p", steps=30, scale=2.5)
    client.reve.generate.run(prompt="a cat", aspect_ratio=NOT_GIVEN, timeout=5.0)
    client.reve.generate.run(
        prompt="a", extra_headers={{"x-a": "1"}}, extra_query={{"q": 1}}, extra_body={{"k": "v"}}
    )
    quick: Wiro = client.with_options(timeout=3, max_retries=0, base_url="http://h/v1")
    raw: RawResponse[Task] = quick.reve.generate.with_raw_response.run(prompt="a")
    code: int = raw.status_code
    detail: TaskDetail = client.tasks.detail(raw.parse().id, timeout=2)
    status: TaskStatus = detail.status
    started: datetime | None = detail.create_time
    raw_detail: RawResponse[TaskDetail] = client.tasks.with_raw_response.detail(token="t")
    for item in client.tasks.list(model="reve/generate", page_size=50):
        item.outputs[0].content_type
    client.tasks.cancel("1")
    client.tasks.kill(token="t")
    client.tasks.delete_io("1")
    folder: FileInfo = client.files.create_folder("in")
    client.files.upload(b"x", folder_id=folder.id)
    tool: ToolDetail = client.tools.detail("reve/generate")
    slugs = [t.slug for t in client.tools.list(search="flux")]
    client.tools.explore()
    client.tools.openapi("reve/generate")[0].spec
    print(code, status, started, raw_detail, tool, slugs)
    return task


async def use_async() -> AsyncTask:
    client = AsyncWiro(api_key="k")
    raw = await client.reve.generate.with_raw_response.run(prompt="a")
    detail = await client.tasks.detail(raw.parse().id)
    async for item in client.tasks.list(status="task_cancel"):
        print(item.id, detail.status)
    await client.files.upload(b"x")
    return await client.reve.generate.run(prompt="a cat", timeout=1)
"""

BAD_SNIPPET = """\
from {pkg} import Wiro

client = Wiro(api_key="k")
client.reve.generate.run(prompt="a cat", aspect_ratio="7:7")
client.models["xiabs/dreamomni2"].run(prompt="p", steps="many")
client.reve.edit.run(prompt="x", no_such_input=1)
client.reve.generate.run(prompt="a cat", aspect_ratio=None)
client.reve.generate.run(prompt="a cat", timeout="slow")
client.reve.generate.run()
"""


@dataclass(frozen=True)
class MypyResult:
    returncode: int
    output: str

    def errors_in(self, path: Path) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(str(path))]


@pytest.fixture(scope="session")
def snippets(trees_root: Path, real_tree: Tree) -> dict[str, Path]:
    folder = trees_root / "snippets"
    folder.mkdir(exist_ok=True)
    good = folder / "good_snippet.py"
    bad = folder / "bad_snippet.py"
    good.write_text(GOOD_SNIPPET.format(pkg=real_tree.package))
    bad.write_text(BAD_SNIPPET.format(pkg=real_tree.package))
    return {"good": good, "bad": bad}


@pytest.fixture(scope="session")
def mypy_run(
    trees_root: Path,
    real_tree: Tree,
    hostile_tree: Tree,
    snippets: dict[str, Path],
    mypy_cache: Path,
) -> MypyResult:
    """One mypy --strict run over both trees and both snippets (mypy is slow)."""
    targets = [real_tree.out / real_tree.package, hostile_tree.out / hostile_tree.package,
               snippets["good"], snippets["bad"]]  # fmt: skip
    proc = run_mypy(targets, mypy_cache, cwd=trees_root, mypypath=[real_tree.out, hostile_tree.out])
    return MypyResult(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture()
def sys_path_guard() -> Iterator[None]:
    saved = list(sys.path)
    yield
    sys.path[:] = saved
