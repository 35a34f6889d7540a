"""The generated package as code: lint, types, imports, inputs, hostile corpus."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pydantic
import pytest

from tests.generator.conftest import VENV_BIN, MypyResult, Tree
from tests.generator.hostile import SENTINEL


def _run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / tool), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("which", ["real", "hostile"])
def test_ruff_clean(which: str, real_tree: Tree, hostile_tree: Tree) -> None:
    tree = real_tree if which == "real" else hostile_tree
    lint = _run("ruff", "check", "--no-cache", ".", cwd=tree.out)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", "--no-cache", ".", cwd=tree.out)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_strict_passes_on_trees_and_judges_usage(
    mypy_run: MypyResult, real_tree: Tree, hostile_tree: Tree, snippets: dict[str, Path]
) -> None:
    """One test for the one mypy run (split, xdist would run it once per worker): both trees
    are clean, correct usage passes, and each wrong call is caught on its own line."""
    for tree in (real_tree, hostile_tree):
        assert mypy_run.errors_in(tree.out) == [], mypy_run.output
    assert mypy_run.errors_in(snippets["good"]) == [], mypy_run.output
    text = "\n".join(mypy_run.errors_in(snippets["bad"]))
    assert ':4: error: Argument "aspect_ratio"' in text and "Literal" in text, mypy_run.output
    assert ':5: error: Argument "steps"' in text, mypy_run.output
    assert ':6: error: Unexpected keyword argument "no_such_input"' in text, mypy_run.output
    assert ':7: error: Argument "aspect_ratio"' in text, mypy_run.output  # None is not unset
    assert ':8: error: Argument "timeout"' in text, mypy_run.output
    assert ':9: error: Missing named argument "prompt"' in text, mypy_run.output


def test_every_module_imports(real_tree: Tree, sys_path_guard: None) -> None:
    modules = real_tree.import_all()
    pkg = modules[0]
    assert sorted(pkg.REGISTRY) == sorted(m.slug for m in real_tree.models)
    client = pkg.Wiro(api_key="k")
    for slug, spec in pkg.REGISTRY.items():
        by_slug = client.models[slug]
        assert by_slug.spec is spec
        assert client.models[spec.display_name.upper()].spec is spec
    assert type(client.reve.edit).__name__ == "Edit"
    assert type(pkg.AsyncWiro(api_key="k").reve.edit).__name__ == "AsyncEdit"
    assert "nope/nope" not in client.models
    with pytest.raises(KeyError):
        client.models["nope/nope"]


def test_input_models_mirror_the_specs(real_tree: Tree, sys_path_guard: None) -> None:
    pkg = real_tree.import_all()[0]
    for model in real_tree.models:
        spec = pkg.REGISTRY[model.slug]
        aliases = {f.alias for f in spec.input_model.model_fields.values()}
        assert aliases == {i.name for i in model.inputs} | {"callbackUrl"}
        assert spec.run_path == model.run_path
        assert [f.name for f in spec.file_fields] == [
            i.name for i in model.inputs if i.kind.is_file
        ]


def test_build_input_and_validation(real_tree: Tree, sys_path_guard: None) -> None:
    pkg = real_tree.import_all()[0]
    build_input = importlib.import_module(f"{real_tree.package}._runtime._input").build_input
    spec = pkg.REGISTRY["reve/generate"]
    params = build_input(spec, {"prompt": "a cat"})
    assert params.model_dump(by_alias=True, exclude_none=True) == {
        "prompt": "a cat",
        "aspectRatio": "1:1",
    }
    with pytest.raises(pkg.ValidationError) as err:
        build_input(spec, {"prompt": "a cat", "aspect_ratio": "7:7"})
    assert err.value.field == "aspectRatio"
    with pytest.raises(pkg.ValidationError) as err:
        build_input(spec, {})
    assert err.value.field == "prompt"


def _recording_client(pkg: Any, calls: list[tuple[str, dict[str, Any]]]) -> Any:
    class Recording(pkg.Wiro):  # type: ignore[misc]
        def _run(self, spec: Any, params: pydantic.BaseModel, options: Any) -> Any:
            calls.append((spec.slug, params.model_dump(by_alias=True, exclude_unset=True)))
            return None

    return Recording(api_key="k")


def test_run_sends_wire_names(real_tree: Tree, sys_path_guard: None) -> None:
    pkg = real_tree.import_all()[0]
    calls: list[tuple[str, dict[str, Any]]] = []
    client = _recording_client(pkg, calls)
    client.reve.edit.run(prompt="blue", input_image="https://example.com/a.png")
    client.models["xiabs/dreamomni2"].run(prompt="p", steps=30, callback_url="https://cb")
    assert calls[0] == ("reve/edit", {"prompt": "blue", "inputImage": "https://example.com/a.png"})
    assert calls[1][1]["steps"] == 30 and calls[1][1]["callbackUrl"] == "https://cb"
    with pytest.raises(pkg.ValidationError):
        client.reve.generate.run(prompt="x", aspect_ratio="7:7")
    assert len(calls) == 2


SEEDEDIT = "bytedance/image-to-image-seededit-v3"
ADVISORY_NOTE = "Advisory range (from the doc's help text, not enforced): 1 to 10."


def test_advisory_range_is_documented_not_enforced(
    real_tree: Tree, sys_path_guard: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """seededit's help says guidanceScale is "between [1, 10]": documented, not checked."""
    pkg = real_tree.import_all()[0]
    calls: list[tuple[str, dict[str, Any]]] = []
    client = _recording_client(pkg, calls)
    client.bytedance.image_to_image_seededit_v3.run(
        prompt="p", input_image_url="https://x.test/a.png", guidance_scale=0
    )
    assert [(slug, params["guidanceScale"]) for slug, params in calls] == [(SEEDEDIT, 0.0)]
    spec = pkg.REGISTRY[SEEDEDIT]
    assert spec.advisory_ranges == {"guidanceScale": (1.0, 10.0)}
    assert spec.input_model.model_fields["guidance_scale"].metadata == []
    for resource in (
        client.bytedance.image_to_image_seededit_v3,
        pkg.AsyncWiro(api_key="k").bytedance.image_to_image_seededit_v3,
    ):
        assert ADVISORY_NOTE in " ".join(type(resource).run.__doc__.split())
    runtime = importlib.import_module(f"{real_tree.package}._runtime")
    assert runtime.main(pkg.REGISTRY, lambda: client, ["run", SEEDEDIT, "--help"]) == 0
    assert "[advisory, not enforced: 1 to 10]" in " ".join(capsys.readouterr().out.split())


def test_declared_range_is_still_enforced(real_tree: Tree, sys_path_guard: None) -> None:
    """dreamomni2's steps bounds come from an override (Wiro's OpenAPI): enforced."""
    pkg = real_tree.import_all()[0]
    calls: list[tuple[str, dict[str, Any]]] = []
    client = _recording_client(pkg, calls)
    for steps in (0, 501):
        with pytest.raises(pkg.ValidationError) as err:
            client.xiabs.dreamomni2.run(prompt="p", steps=steps)
        assert err.value.field == "steps" and err.value.status_code is None
    client.xiabs.dreamomni2.run(prompt="p", steps=500)
    assert [c[1]["steps"] for c in calls] == [500]
    assert pkg.REGISTRY["xiabs/dreamomni2"].advisory_ranges == {}


def test_hostile_advisory_ranges(hostile_tree: Tree, sys_path_guard: None) -> None:
    """Only a finite range the declared bounds do not already enforce is advisory."""
    pkg = hostile_tree.import_all()[0]
    spec = pkg.REGISTRY["kinds/every-kind"]
    assert spec.advisory_ranges == {"strength": (0.0, 1.0)}
    build_input = importlib.import_module(f"{hostile_tree.package}._runtime._input").build_input
    build_input(spec, {"steps": 1, "strength": 7.5, "huge": -1})
    with pytest.raises(pkg.ValidationError):
        build_input(spec, {"steps": 1, "cfg": 0})


def test_hostile_corpus_is_inert(hostile_tree: Tree, sys_path_guard: None) -> None:
    if os.path.exists(SENTINEL):
        os.unlink(SENTINEL)
    for path in (hostile_tree.out / hostile_tree.package).rglob("*.py"):
        compile(path.read_text("utf-8"), str(path), "exec")
    modules = hostile_tree.import_all()
    pkg = modules[0]
    assert len(pkg.REGISTRY) == len(hostile_tree.models) >= 50
    calls: list[tuple[str, dict[str, Any]]] = []
    client = _recording_client(pkg, calls)
    for model in hostile_tree.models:
        spec = pkg.REGISTRY[model.slug]
        resource = client.models[model.slug]
        required = {
            name: _sample(field.annotation)
            for name, field in spec.input_model.model_fields.items()
            if field.is_required()
        }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            resource.run(**required)
        # Only a model Wiro no longer serves warns, with its (hostile) slug verbatim.
        expected = [f"{model.slug} is deprecated"] if model.gone_upstream else []
        assert [str(w.message).partition(":")[0] for w in caught] == expected
        assert all(w.category is DeprecationWarning for w in caught)
        assert spec.description == " ".join(model.description.split()) or model.slug.startswith(
            ("newline", "long")
        )
    assert len(calls) == len(hostile_tree.models)
    assert any(model.gone_upstream for model in hostile_tree.models)
    assert not os.path.exists(SENTINEL)


@pytest.mark.parametrize("slug", ["names/crossing", "names/suffixes", "names/invisible"])
def test_each_python_name_reaches_only_its_own_wire_field(
    hostile_tree: Tree, sys_path_guard: None, slug: str
) -> None:
    pkg = hostile_tree.import_all()[0]
    calls: list[tuple[str, dict[str, Any]]] = []
    fields = pkg.REGISTRY[slug].input_model.model_fields
    _recording_client(pkg, calls).models[slug].run(**{py: f"v-{py}" for py in fields})
    assert calls[0][1] == {f.alias: f"v-{py}" for py, f in fields.items()}
    aliases = {f.alias for f in fields.values()}
    assert not (set(fields) & aliases - {py for py, f in fields.items() if f.alias == py})
    if slug == "names/invisible":
        assert fields["prompt"].alias == "prompt"  # the plain input keeps the plain name


def _sample(annotation: Any) -> Any:
    return {int: 1, float: 1.0, bool: True}.get(annotation, "x")


def test_hostile_values_survive_round_trip(hostile_tree: Tree, sys_path_guard: None) -> None:
    pkg = hostile_tree.import_all()[0]
    for model in hostile_tree.models:
        spec = pkg.REGISTRY[model.slug]
        fields = {f.alias: f for f in spec.input_model.model_fields.values()}
        for item in model.inputs:
            assert item.name in fields
            if item.kind == "text" and isinstance(item.default, str) and not item.required:
                assert fields[item.name].default == item.default


def test_hostile_reserved_names(hostile_tree: Tree, sys_path_guard: None) -> None:
    pkg = hostile_tree.import_all()[0]
    client = pkg.Wiro(api_key="k")
    assert client.class_.import_.spec.slug == "class/import"
    assert callable(client.run_model) and client.models_2.close.spec.slug == "models/close"
    fields = pkg.REGISTRY["collide/colliding-names"].input_model.model_fields
    assert sorted(f for f in fields if f.startswith("foo_bar")) == [
        "foo_bar", "foo_bar_2", "foo_bar_3", "foo_bar_4", "foo_bar_5"
    ]  # fmt: skip
    assert fields["foo_bar"].alias == "foo_bar"  # not fooBar's: that would send both


def test_main_module_lists_models(real_tree: Tree) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", real_tree.package, "models"],
        cwd=real_tree.out,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "reve/edit" in proc.stdout


def test_generated_pyproject_declares_only_runtime_deps(real_tree: Tree) -> None:
    import tomllib

    data = tomllib.loads((real_tree.out / "pyproject.toml").read_text())
    deps = sorted(d.split(">")[0] for d in data["project"]["dependencies"])
    assert deps == ["httpx", "pydantic", "websockets"]
    assert data["project"]["version"]


def test_readme_documents_every_model(real_tree: Tree) -> None:
    readme = (real_tree.out / "README.md").read_text()
    for model in real_tree.models:
        assert f"`{model.slug}`" in readme
    assert "client.reve.generate.run(" in readme


def test_no_spec_text_in_code_outside_literals(hostile_tree: Tree) -> None:
    """Every Name in generated modules is one the generator made (ASCII identifiers)."""
    for path in (hostile_tree.out / hostile_tree.package / "models").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Name | ast.arg | ast.FunctionDef | ast.ClassDef):
                name = getattr(node, "id", None) or getattr(node, "arg", None) or node.name  # type: ignore[union-attr]
                assert name.isascii() and name != "os", (path, name)
