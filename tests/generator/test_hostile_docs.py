"""Hostile docs go through the parser intact: payloads stay data, names stay exact."""

from __future__ import annotations

from tests.generator.hostile import PAYLOADS
from tests.generator.hostile_docs import NAMES, _exact, hostile_doc_models


def test_payloads_survive_parsing_verbatim() -> None:
    """The parser keeps every payload as data (one line), so the generator sees it intact."""
    models = {m.slug: m for m in hostile_doc_models()}
    for index, raw in enumerate(PAYLOADS):
        payload = _exact(raw).strip()
        assert models[f"evil{index}/fields"].input("prompt").default == payload
        assert payload in models[f"evil{index}/options"].input("pick").option_values
        assert models[f"evil{index}/examples"].examples == ({"prompt": payload},)
    assert [i.name for i in models["names/reserved"].inputs] == list(NAMES)
