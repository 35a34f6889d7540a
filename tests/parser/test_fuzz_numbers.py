"""Numbers in help texts, fields, page samples and overrides: SpecError or a sound model.

Issue 16, items 3 and 4, as properties (`fuzz_numbers`); `bench/fuzz_parser.py` runs the
same strategies far longer.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.parser.fuzz_numbers import llms_doc, override, page_doc, parse

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(llms_doc())
def test_numbers_in_help_texts_and_fields(doc: str) -> None:
    parse(doc)


@FAST
@given(page_doc())
def test_numbers_and_nesting_in_page_samples(doc: str) -> None:
    parse(doc)


@FAST
@given(llms_doc(), override())
def test_numbers_in_overrides(doc: str, toml: str) -> None:
    parse(doc, toml)
