"""The client tag in a create's note: format, room left for the caller's note, parsing back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import threecommas_hedge as th
from threecommas_hedge._writes.client_tag import (
    MAX_USER_NOTE_LENGTH,
    client_tag_of,
    new_client_tag,
    tag_note,
)

TAG = "0123456789ab"


def test_new_tags_are_12_hex_digits_and_random() -> None:
    tags = {new_client_tag() for _ in range(200)}
    assert len(tags) == 200
    assert all(re.fullmatch(r"[0-9a-f]{12}", tag) for tag in tags)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (None, "[tch:0123456789ab]"),
        ("", "[tch:0123456789ab]"),
        ("hedge BTC", "hedge BTC [tch:0123456789ab]"),
        ("  spaced  ", "spaced [tch:0123456789ab]"),
        ("copied [tch:ffffffffffff]", "copied [tch:0123456789ab]"),
        ("[tch:ffffffffffff] first", "first [tch:0123456789ab]"),
        ("not a tag [tch:XYZ]", "not a tag [tch:XYZ] [tch:0123456789ab]"),
    ],
)
def test_tag_note(note: str | None, expected: str) -> None:
    assert tag_note(note, TAG) == expected
    assert client_tag_of(expected) == TAG


def test_room_for_the_callers_note() -> None:
    assert MAX_USER_NOTE_LENGTH == 300 - len(" [tch:0123456789ab]") == 281
    assert len(tag_note("x" * 281, TAG)) == 300
    with pytest.raises(th.HedgeValidationError) as info:
        tag_note("x" * 282, TAG)
    assert info.value.field == "note"
    assert "281" in info.value.rule


@pytest.mark.parametrize("tag", ["", "0123456789AB", "0123456789a", "0123456789abc", "g" * 12])
def test_a_malformed_tag_is_refused(tag: str) -> None:
    with pytest.raises(ValueError, match="12 lowercase hex"):
        tag_note("n", tag)


def test_client_tag_of() -> None:
    assert client_tag_of(None) is None
    assert client_tag_of("") is None
    assert client_tag_of("[tch:0123]") is None
    assert client_tag_of("a [tch:aaaaaaaaaaaa] edited [tch:bbbbbbbbbbbb] x") == "bbbbbbbbbbbb"


@settings(max_examples=150, deadline=None)
@given(
    note=st.text(max_size=MAX_USER_NOTE_LENGTH), tag=st.from_regex(r"[0-9a-f]{12}", fullmatch=True)
)
def test_any_note_that_fits_keeps_its_text_and_parses_back(note: str, tag: str) -> None:
    sent = tag_note(note, tag)
    assert len(sent) <= 300
    assert client_tag_of(sent) == tag
    if "[tch:" not in note:
        assert sent.startswith(note.strip())


def test_the_room_models_keep_for_the_tag_is_what_tag_note_adds() -> None:
    """The note limit in models (CLIENT_TAG_LENGTH) matches the suffix ``tag_note`` appends."""
    from threecommas_hedge.models.requests import CLIENT_TAG_LENGTH

    note = "x" * 5
    assert len(tag_note(note, new_client_tag())) - len(note) == CLIENT_TAG_LENGTH
