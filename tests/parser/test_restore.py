"""A doc that lost its newlines parses to the same schema as the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from codegen.schema import Model
from tests.paths import SPECS

LINE_DOCS = sorted(p for p in SPECS.glob("wiro__*.llms.md"))


def _model(text: str) -> Model:
    return normalize(parse_text("doc", text), sha256="0")


def _facts(model: Model) -> dict[str, object]:
    dumped = model.model_dump(mode="json", exclude={"warnings", "source"})
    return dumped


@pytest.mark.parametrize("path", LINE_DOCS, ids=lambda p: p.name)
def test_flattened_copy_parses_the_same(path: Path) -> None:
    text = path.read_text()
    body = text[text.index("## Basic tool info") :]  # the 'source:' line stays on its own
    flattened = text[: text.index("## Basic tool info")] + " ".join(body.split())
    original, restored = _model(text), _model(flattened)
    assert _facts(restored) == _facts(original)
    assert "restored_newlines" in {w.code for w in restored.warnings}


def test_help_text_with_key_like_words_is_not_split() -> None:
    text = (
        "## Basic tool info Model name: a/b "
        "Run Task Endpoint (POST): https://api.wiro.ai/v1/Run/a/b "
        "## Model Inputs: - name: x label: X help: Output type: mp4 label: y default: z type: text "
        "default: hi ## Integration Header Prepare"
    )
    item = _model(text).input("x")
    assert item.help == "Output type: mp4 label: y default: z"
    assert item.default == "hi"
