"""Adding or changing one model rewrites only its own files and a few registry lines.

Shared files carry no hash or count of the whole catalogue, so two branches that
each add a model touch different files or different lines (README.md's "Files a
model change rewrites" lists the same sets).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from codegen import catalogue_file
from codegen.render import generate
from tests.paths import copy_doc_specs

PKG = "wiro_client"
#: What changes with any model, by nature: the release files and the catalogue listings.
VERSIONED = {
    "CHANGELOG.md",
    "README.md",
    "pyproject.toml",
    "wirogen.lock.json",
    f"{PKG}/{catalogue_file.FILE_NAME}",
}
#: Shared Python files where adding a model may only insert lines, never rewrite any.
INSERT_ONLY = (f"{PKG}/_registry.py", f"{PKG}/_client.py")


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def _only_inserted(before: bytes, after: bytes) -> bool:
    matcher = difflib.SequenceMatcher(
        None, before.decode().splitlines(), after.decode().splitlines(), autojunk=False
    )
    return all(op in ("equal", "insert") for op, *_ in matcher.get_opcodes())


@pytest.mark.parametrize(
    ("doc", "own"),
    [
        # wiro already has models: its package gains lines, the client is untouched.
        ("wiro__cartoonify.llms.md", {"models/wiro/cartoonify.py", "models/wiro/__init__.py"}),
        # bytedance is a new owner: its package is new and the client gains a property.
        (
            "bytedance__image-to-image-seededit-v3.llms.md",
            {
                "models/bytedance/image_to_image_seededit_v3.py",
                "models/bytedance/__init__.py",
                "_client.py",
            },
        ),
    ],
)
def test_adding_one_model_rewrites_only_its_files(tmp_path: Path, doc: str, own: set[str]) -> None:
    specs = copy_doc_specs(tmp_path / "specs")
    added = (specs / doc).read_bytes()
    (specs / doc).unlink()
    out = tmp_path / "out"
    generate(specs, out)
    before = _files(out)
    (specs / doc).write_bytes(added)
    generate(specs, out)
    after = _files(out)
    assert _changed(before, after) == VERSIONED | {f"{PKG}/{p}" for p in own} | {
        f"{PKG}/_registry.py"
    }
    for path in INSERT_ONLY:
        assert _only_inserted(before.get(path, b""), after[path]), path


def test_changing_one_model_rewrites_only_its_files(tmp_path: Path) -> None:
    specs = copy_doc_specs(tmp_path / "specs")
    out = tmp_path / "out"
    generate(specs, out)
    before = _files(out)
    doc = specs / "wiro__cartoonify.llms.md"
    doc.write_text(doc.read_text().replace("Model description: ", "Model description: New. ", 1))
    generate(specs, out)
    own = {f"{PKG}/models/wiro/cartoonify.py", f"{PKG}/models/wiro/__init__.py"}
    # The registry holds names, not descriptions; a new description is no API change, so
    # the version (pyproject.toml) and CHANGELOG.md stay too.
    assert _changed(before, _files(out)) == VERSIONED - {"pyproject.toml", "CHANGELOG.md"} | own
