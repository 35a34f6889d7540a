"""Mutated and truncated real docs never raise anything but SpecError (the property tests
assert that by letting anything else escape), and a mangled endpoint URL still yields the
doc's model and Run path."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.errors import SpecError
from codegen.parser import parse_text
from codegen.parser.normalize import normalize
from tests.paths import SPECS

DOCS = [p.read_text() for p in sorted(SPECS.iterdir()) if p.suffix in (".md", ".txt")]
NOISE = [
    "\n",
    " ",
    "- ",
    "## ",
    "```",
    ":",
    '"',
    "name: ",
    "type: ",
    "default: ",
    "options:",
    "\x00",
    "{{",
    "é",
]


def _parse(text: str) -> None:
    with contextlib.suppress(SpecError):
        normalize(parse_text("fuzz.md", text), sha256="0")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(DOCS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "delete", "insert", "duplicate"]))
        if action == "cut":
            text = text[:at]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)) :]
        elif action == "insert":
            text = text[:at] + draw(st.sampled_from(NOISE) | st.text(max_size=20)) + text[at:]
        else:
            end = at + draw(st.integers(1, 400))
            text = text[:end] + text[at:end] + text[end:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_docs_raise_only_spec_error(text: str) -> None:
    _parse(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DOCS), st.data())
def test_every_prefix_parses_or_fails_cleanly(text: str, data: st.DataObject) -> None:
    _parse(text[: data.draw(st.integers(0, len(text)))])


def test_mangled_endpoint_url_is_not_a_crash() -> None:
    """Found by the atheris run (bench/fuzz_parser.py): `urlparse` raises ValueError on a
    bracket in the host; the Run path is then read from the raw text or guessed."""
    docs = [d for d in DOCS if "Run Task Endpoint (POST): https://api.wiro.ai/v1/" in d]
    assert docs  # the specs still hold docs of that shape
    for doc in docs:
        intact = normalize(parse_text("intact.md", doc), sha256="0")
        for mangled in ("https://api.wiro.ai[/v1/", "https://[api.wiro.ai/v1/", "http://]/v1/"):
            text = doc.replace("https://api.wiro.ai/v1/", mangled, 1)
            model = normalize(parse_text("mangled.md", text), sha256="0")
            assert (model.slug, model.run_path) == (intact.slug, intact.run_path)
