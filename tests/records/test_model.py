"""The canonical Record's text cleaning: fast paths must agree with the plain rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from review.records.model import Record, clean_text


def plain_rule(text: str) -> str | None:
    return " ".join(text.replace("\x00", "").split()) or None


@given(st.text())
def test_clean_text_collapses_every_kind_of_white_space(text: str) -> None:
    assert clean_text(text) == plain_rule(text)


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text, keep_newlines=True)
    assert clean_text(once, keep_newlines=True) == once


def test_clean_text_keeps_words_that_look_like_missing_values() -> None:
    assert clean_text("none") == "none"
    assert clean_text(" NaN ") == "NaN"


def test_normalised_keeps_provenance_and_cleans_fields() -> None:
    record = Record(
        title="  Routine\toutcome  monitoring ",
        authors=[" Lambert,  M. J. ", "  "],
        year=None,
        doi="https://doi.org/10.1037/A0022238",
        abstract="Line one.\n\n  Line   two. ",
        source_key="k1",
        source_line=7,
        raw="TY  - JOUR",
    )
    normal = record.normalised()
    assert normal.title == "Routine outcome monitoring"
    assert normal.authors == ["Lambert, M. J."]
    assert normal.doi == "10.1037/a0022238"
    assert normal.abstract == "Line one.\nLine two."
    assert (normal.source_key, normal.source_line, normal.raw) == ("k1", 7, "TY  - JOUR")
