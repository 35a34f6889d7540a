"""`wirogen diff`: semantic changes, classed breaking or compatible."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from codegen.changes import diff
from codegen.parser import load_catalogue, parse_text
from codegen.parser.normalize import normalize
from codegen.schema import Model
from tests.changes import docs
from tests.paths import SPECS


def _model(text: str) -> Model:
    return normalize(parse_text("doc.md", text), sha256="0")


def _rows(changes: list[diff.Change]) -> set[tuple[str | None, str, bool]]:
    return {(c.input, c.change, c.breaking) for c in changes}


def test_reve_generate_changes_are_breaking() -> None:
    old = _model(docs.original("reve__generate.llms.md"))
    new = _model(docs.reve_generate_v2())
    changes = diff.diff({old.slug: old}, {new.slug: new})
    assert _rows(changes) == {
        ("aspectRatio", "option removed", True),
        ("style", "required input added", True),
    }
    assert next(c for c in changes if c.change == "option removed").old == "3:2"
    assert diff.has_breaking(changes)


def test_dreamomni2_changes_are_compatible() -> None:
    old = _model(docs.original("xiabs__dreamomni2.llms.md"))
    new = _model(docs.dreamomni2_v2())
    changes = diff.diff({old.slug: old}, {new.slug: new})
    assert _rows(changes) == {
        ("seed", "optional input added", False),
        ("steps", "default changed", False),
    }
    assert next(c for c in changes if c.input == "steps").new == "30"
    assert not diff.has_breaking(changes)


def test_rename_range_kind_and_required() -> None:
    base = docs.original("wiro__cartoonify.llms.md")
    old = _model(base)
    changed = (
        base.replace("name: seed", "name: randomSeed")
        .replace("type: select\n    default: jpeg", "type: text\n    default: jpeg")
        .replace(
            "name: aspectRatio\n    label: Aspect Ratio",
            "name: aspectRatio\n    label: Aspect Ratio\n    required: true",
        )
    )
    new = _model(changed)
    rows = _rows(diff.diff({old.slug: old}, {new.slug: new}))
    assert ("randomSeed", "input renamed (probable)", True) in rows
    assert ("outputFormat", "kind changed", True) in rows
    assert ("aspectRatio", "now required", True) in rows


def test_reformatting_is_not_a_change() -> None:
    """The flattened seed and its restored, line-structured form are the same model."""
    flat = _model(docs.original("reve__generate.llms.md"))
    lines = _model(
        docs.reve_generate_v2()
        .replace(docs.NEW_REQUIRED_INPUT, "")
        .replace(
            '      - value: "3:4"', '      - value: "3:2"\n        label: 3:2\n      - value: "3:4"'
        )
    )
    assert diff.diff({flat.slug: flat}, {lines.slug: lines}) == []


def test_model_added_and_removed() -> None:
    catalogue = load_catalogue(SPECS).by_slug()
    smaller = {k: v for k, v in catalogue.items() if k != "reve/edit"}
    assert _rows(diff.diff(catalogue, smaller)) == {(None, "model removed", True)}
    assert _rows(diff.diff(smaller, catalogue)) == {(None, "model added", False)}


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", "diff", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_cli_folders_json_and_exit_code(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(SPECS, new)
    (new / "reve__generate.llms.md").write_text(docs.reve_generate_v2())
    result = _cli(str(SPECS), str(new), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["breaking"] is True
    assert {c["change"] for c in report["changes"]} == {"option removed", "required input added"}
    table = _cli(str(SPECS), str(new)).stdout
    assert "breaking" in table and "2 change(s), 2 breaking" in table
    assert _cli(str(SPECS), str(SPECS)).returncode == 0


def test_cli_against_a_git_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SPECS, repo / "specs")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    (repo / "specs" / "xiabs__dreamomni2.llms.md").write_text(docs.dreamomni2_v2())
    result = _cli("HEAD", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "optional input added" in result.stdout and "default changed" in result.stdout
    assert (
        "bad revision" in _cli("no-such-rev", cwd=repo).stderr
        or _cli("no-such-rev", cwd=repo).returncode == 2
    )
