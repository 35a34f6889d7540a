"""The one typed value <-> wire text rule (`codegen.wire`), per input kind and round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen import wire
from codegen.numbers import BoundError
from codegen.schema import Default, Input, InputKind

K = InputKind


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("5", K.INTEGER, 5),
        ("5.0", K.INTEGER, 5),
        (" 7 ", K.INTEGER, 7),
        ("5.5", K.INTEGER, None),
        ("lots", K.INTEGER, None),
        ("4.0", K.NUMBER, 4.0),
        ("0.75", K.NUMBER, 0.75),
        ("", K.NUMBER, None),
        ("TRUE", K.BOOLEAN, True),
        ("0", K.BOOLEAN, False),
        ("yes", K.BOOLEAN, None),
        ('"61", "62"', K.MULTISELECT, ["61", "62"]),
        ("a,,b ,", K.FILES, ["a", "b"]),
        ('"16:9"', K.SELECT, '"16:9"'),
        (" as written ", K.TEXT, " as written "),
    ],
)
def test_parse_types_wire_text_by_kind(text: str, kind: InputKind, value: Default) -> None:
    assert wire.parse(text, kind) == value
    assert type(wire.parse(text, kind)) is type(value)


@pytest.mark.parametrize("text", ["nan", "inf", "1e400", "9" * 41])
@pytest.mark.parametrize("kind", [K.INTEGER, K.NUMBER])
def test_parse_refuses_numbers_beyond_the_doc_bounds(text: str, kind: InputKind) -> None:
    with pytest.raises(BoundError):
        wire.parse(text, kind)


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (True, K.BOOLEAN, "true"),
        (False, None, "false"),
        (5, K.INTEGER, "5"),
        (5.0, K.INTEGER, "5"),
        (4.0, K.NUMBER, "4.0"),
        (4.0, None, "4.0"),
        (0.1, K.NUMBER, "0.1"),
        (["a", "b"], K.MULTISELECT, "a,b"),
        ("", K.TEXT, ""),
        (None, K.TEXT, None),
    ],
)
def test_text_is_how_wiro_writes_a_value(
    value: Default, kind: InputKind | None, text: str | None
) -> None:
    assert wire.text(value, kind) == text


def test_texts_keeps_list_items_apart() -> None:
    assert wire.texts(["a", "b"], K.MULTISELECT) == ["a", "b"]
    assert wire.texts(None) == []
    assert wire.texts("") == [""]


def test_number_text_drops_a_whole_numbers_fraction() -> None:
    assert [wire.number_text(v) for v in (1.0, 10, 0.75, -2.0, 1e-7)] == [
        "1", "10", "0.75", "-2", "1e-07"
    ]  # fmt: skip


def test_scalar_text_refuses_what_has_no_text() -> None:
    assert [wire.scalar_text(v) for v in (True, 3, 2.5, "x")] == ["true", "3", "2.5", "x"]
    assert [wire.scalar_text(v) for v in (None, {}, [1])] == [None, None, None]


def test_default_text_treats_an_empty_default_as_none() -> None:
    def item(kind: InputKind, default: Default) -> Input:
        return Input(name="x", label="x", kind=kind, default=default)

    assert wire.default_text(item(K.TEXT, "")) is None
    assert wire.default_text(item(K.INTEGER, 5.0)) == "5"
    assert wire.default_text(item(K.FILES, ["u1", "u2"])) == "u1,u2"


@pytest.mark.parametrize(
    ("value", "kind", "typed"),
    [
        ("5", K.INTEGER, 5),
        (5.0, K.INTEGER, 5),
        (True, K.INTEGER, None),
        (5, K.NUMBER, 5.0),
        (float("nan"), K.NUMBER, None),
        ("nan", K.NUMBER, None),
        (1, K.BOOLEAN, True),
        ("a, b", K.MULTISELECT, ["a", "b"]),
        (["x"], K.FILES, ["x"]),
        (4.0, K.TEXT, "4.0"),
        (["a", "b"], K.SELECT, "a,b"),
        (None, K.TEXT, None),
    ],
)
def test_coerce_types_a_value_for_its_kind(value: Default, kind: InputKind, typed: Default) -> None:
    assert wire.coerce(value, kind) == typed
    assert type(wire.coerce(value, kind)) is type(typed)


_FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
_ITEMS = st.lists(
    st.text(
        st.characters(blacklist_characters=",\"'", blacklist_categories=["Z", "C"]), min_size=1
    ),
    max_size=4,
)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_round_trip(value: int) -> None:
    assert wire.parse(wire.text(value, K.INTEGER), K.INTEGER) == value


@given(_FINITE)
def test_floats_round_trip(value: float) -> None:
    assert wire.parse(wire.text(value, K.NUMBER), K.NUMBER) == value


@given(st.booleans())
def test_booleans_round_trip(value: bool) -> None:
    assert wire.parse(wire.text(value, K.BOOLEAN), K.BOOLEAN) is value


@given(_ITEMS, st.sampled_from([K.MULTISELECT, K.FILES]))
def test_lists_round_trip(values: list[str], kind: InputKind) -> None:
    assert wire.parse(wire.text(values, kind), kind) == values


@given(st.text(), st.sampled_from([K.TEXT, K.TEXTAREA, K.SELECT]))
def test_text_round_trips(value: str, kind: InputKind) -> None:
    assert wire.parse(wire.text(value, kind), kind) == value
