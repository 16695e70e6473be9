"""Scoring and deciding one pair: symmetric, explainable, and every blocker stops an automatic merge."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.dedup import REASONS, SCORED_FIELDS, DedupSettings, compare, normalise_record
from review.records.model import Record
from tests.records.dedup.helpers import SETTINGS, article, other_export, score

# -- symmetry ---------------------------------------------------------------------------------

TITLES = [
    "Routine outcome monitoring in psychotherapy",
    "ROUTINE OUTCOME MONITORING IN PSYCHOTHERAPY.",
    "Routine outcome monitoring in psychotherapy: part 2",
    "Erratum: Routine outcome monitoring in psychotherapy",
    "[Routine outcome monitoring in psychotherapy]. [German]",
    "Feedback and deterioration",
    "Editorial",
]
AUTHORS = [
    ["Lambert, Michael J.", "Whipple, Jason L."],
    ["Lambert MJ", "Whipple JL"],
    ["Lambert MJ"],
    ["Smith, A."],
]
JOURNALS = ["Journal of Clinical Psychology", "J Clin Psychol", "Psychotherapy Research", "Blood"]

records = st.builds(
    Record,
    title=st.one_of(st.none(), st.sampled_from(TITLES)),
    abstract=st.one_of(st.none(), st.sampled_from(["x" * 120, "Background: feedback works. " * 6])),
    authors=st.one_of(st.just([]), st.sampled_from(AUTHORS)),
    year=st.one_of(st.none(), st.integers(2015, 2019)),
    journal=st.one_of(st.none(), st.sampled_from(JOURNALS)),
    volume=st.one_of(st.none(), st.sampled_from(["74", "75", "74 Suppl 1", "Ph.D."])),
    issue=st.one_of(st.none(), st.sampled_from(["3", "4"])),
    pages=st.one_of(st.none(), st.sampled_from(["347-360", "347-60", "e12", "12", "S12", "215 p"])),
    doi=st.one_of(st.none(), st.sampled_from(["10.1002/jclp.1", "10.1002/jclp.2"])),
    pmid=st.one_of(st.none(), st.sampled_from(["123", "456"])),
    publication_type=st.one_of(
        st.none(), st.sampled_from(["Journal Article", "Conference Abstract", "Thesis", "Book Chapter"])
    ),
)


@settings(max_examples=300)
@given(records, records, st.integers(1, 1000), st.integers(1, 1000))
def test_pair_scores_are_symmetric(a: Record, b: Record, id_a: int, id_b: int) -> None:
    if id_a == id_b:
        id_b += 1000
    first, second = normalise_record(a, 0, id_a), normalise_record(b, 1, id_b)
    assert compare(first, second, SETTINGS) == compare(second, first, SETTINGS)


@settings(max_examples=200)
@given(records, records)
def test_scores_are_between_zero_and_one(a: Record, b: Record) -> None:
    scored = compare(normalise_record(a, 0, 1), normalise_record(b, 1, 2), SETTINGS)
    if scored is not None:
        assert scored.id_a < scored.id_b
        for value in scored.field_scores().values():
            assert value is None or 0.0 <= value <= 1.0
        assert set(scored.blockers) <= set(REASONS)
        if scored.decision == "auto":
            assert not scored.blockers


# -- the decision -----------------------------------------------------------------------------


def test_the_same_article_from_two_databases_merges_automatically() -> None:
    original = article()
    scored = score(original, other_export(original))
    assert scored is not None
    assert scored.decision == "auto", scored.explain()
    assert {"authors", "year", "journal", "volume", "issue", "pages", "doi"} <= set(scored.agreeing)
    assert scored.title == 1.0


def test_a_pair_explains_itself() -> None:
    original = article()
    scored = score(original, other_export(original, doi="10.1002/jclp.99999"))
    assert scored is not None and scored.decision == "review"
    lines = "\n".join(scored.explain())
    assert "the DOIs differ" in lines
    assert "journal: 1.00 agrees" in lines
    assert list(scored.field_scores()) == list(SCORED_FIELDS)


def test_a_title_alone_never_merges() -> None:
    scored = score(Record(title=article().title), Record(title=article().title))
    assert scored is None or scored.decision != "auto"


def test_title_authors_and_year_alone_never_merge() -> None:
    only = Record(title=article().title, authors=article().authors, year=2018)
    scored = score(only, replace(only))
    assert scored is not None and scored.decision == "review"
    assert "weak_support" in scored.blockers


def test_a_generic_title_needs_more() -> None:
    editorial = Record(title="Editorial", authors=["Smith, A."], year=2018, journal="Blood")
    scored = score(editorial, replace(editorial, volume="1"))
    assert scored is not None and scored.decision == "review"
    assert score(editorial, replace(editorial, authors=["Jones, B."], journal="Brain")) is None


def test_unrelated_records_are_not_scored() -> None:
    unrelated = Record(
        title="Deep brain stimulation in Parkinson's disease",
        authors=["Deuschl, G."],
        year=2018,
        journal="New England Journal of Medicine",
        volume="355",
        pages="896-908",
    )
    assert score(article(), unrelated) is None


def test_a_reworded_title_at_the_same_place_is_reviewed() -> None:
    reworded = article(title="Deep brain stimulation in Parkinson's disease", doi=None)
    scored = score(article(), reworded)
    assert scored is not None and scored.decision == "review"
    assert "title_differs" in scored.blockers


def test_same_doi_lets_a_reworded_title_merge() -> None:
    original = article()
    reworded = other_export(original, title="Routine outcome monitoring and feedback in psychotherapy")
    scored = score(original, reworded)
    assert scored is not None and scored.decision == "auto", scored.explain()


def test_same_doi_on_a_different_title_is_reviewed_not_merged() -> None:
    wrong = article(title="Deep brain stimulation in Parkinson's disease", abstract=None)
    scored = score(article(), wrong)
    assert scored is not None and scored.decision == "review"
    assert "identifier_title_mismatch" in scored.blockers


def test_a_missing_title_is_not_merged_without_an_identifier() -> None:
    original = article(doi=None)
    scored = score(original, replace(original, title=None))
    assert scored is not None and scored.decision == "review"
    assert "title_missing" in scored.blockers
    with_doi = score(article(), replace(article(), title=None))
    assert with_doi is not None and with_doi.decision == "auto"


def test_a_translated_title_in_brackets_matches() -> None:
    original = article(title="Routine outcome monitoring in psychotherapy: a randomised trial")
    translated = other_export(
        original, title="[Routine outcome monitoring in psychotherapy: a randomised trial]. [German]"
    )
    scored = score(original, translated)
    assert scored is not None and scored.decision == "auto" and scored.title == 1.0


def test_a_conference_abstract_flagged_by_one_database_only_merges_at_the_same_place() -> None:
    original = article(publication_type="Journal Article")
    flagged = replace(original, publication_type="Conference Abstract")
    scored = score(original, flagged)
    assert scored is not None and scored.decision == "auto"


# -- every blocker ----------------------------------------------------------------------------

BASE = article()


def _variant(**changes: object) -> Record:
    return other_export(BASE, **changes)


@pytest.mark.parametrize(
    ("one", "other", "reason"),
    [
        pytest.param(
            BASE,
            _variant(title="Erratum: " + (BASE.title or "")),
            "erratum",
            id="an erratum is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(publication_type="Published Erratum"),
            "erratum",
            id="a record typed as an erratum is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Corrigendum to " + (BASE.title or "")),
            "erratum",
            id="a corrigendum is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Correction: " + (BASE.title or "")),
            "erratum",
            id="a correction is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Retraction: " + (BASE.title or "")),
            "retraction",
            id="a retraction is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Reply: " + (BASE.title or "")),
            "reply",
            id="a reply is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title=(BASE.title or "") + " - authors' reply"),
            "reply",
            id="an authors' reply is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Re: " + (BASE.title or "")),
            "reply",
            id="a letter in reply is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Response to the letter on " + (BASE.title or "")),
            "reply",
            id="a response is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Comment on: " + (BASE.title or "")),
            "reply",
            id="a comment is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title="Commentary on " + (BASE.title or "")),
            "reply",
            id="a commentary is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(publication_type="Comment"),
            "reply",
            id="a record typed as a comment is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(title=(BASE.title or "") + ": study protocol", pages="12-20"),
            "protocol",
            id="a protocol is never merged automatically with the report",
        ),
        pytest.param(
            BASE,
            _variant(publication_type="Conference Abstract", volume="70", issue="S1", pages="S12"),
            "conference",
            id="a conference abstract is never merged automatically with the full article",
        ),
        pytest.param(
            BASE,
            _variant(
                journal="Annual Meeting of the Society for Psychotherapy Research",
                volume=None,
                issue=None,
                pages=None,
                doi=None,
            ),
            "conference",
            id="a conference paper is never merged automatically with the journal article",
        ),
        pytest.param(
            article(title="Feedback in psychotherapy, part 1"),
            _variant(title="Feedback in psychotherapy, part 2"),
            "series_part",
            id="part 1 and part 2 are never merged automatically",
        ),
        pytest.param(
            article(title="Feedback in psychotherapy I"),
            _variant(title="Feedback in psychotherapy II"),
            "series_part",
            id="I and II are never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(volume="75", doi=None),
            "volume_conflict",
            id="a different volume is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(issue="4", doi=None),
            "issue_conflict",
            id="a different issue is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(pages="361-370", doi=None),
            "pages_conflict",
            id="different pages are never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(doi="10.1002/jclp.99999"),
            "doi_conflict",
            id="a conflicting DOI is never merged automatically",
        ),
        pytest.param(
            article(pmid="111"),
            _variant(pmid="222"),
            "pmid_conflict",
            id="a conflicting PMID is never merged automatically",
        ),
        pytest.param(
            BASE,
            _variant(year=2020),
            "year_gap",
            id="a year gap over one is never merged automatically",
        ),
    ],
)
def test_each_blocker_stops_an_automatic_merge(one: Record, other: Record, reason: str) -> None:
    scored = score(one, other)
    assert scored is not None, "the pair should be shown to a person"
    assert scored.decision == "review", scored.explain()
    assert reason in scored.blockers, scored.explain()
    # Without the blocker's cause the same pair would merge: the blocker is what stopped it.
    assert score(BASE, other_export(BASE)).decision == "auto"  # type: ignore[union-attr]


def test_a_year_gap_of_one_still_merges() -> None:
    scored = score(BASE, _variant(year=2019))
    assert scored is not None and scored.decision == "auto", scored.explain()


def test_numbering_differences_do_not_block_when_the_doi_is_shared() -> None:
    scored = score(BASE, _variant(pages="e12"))
    assert scored is not None and scored.decision == "auto", scored.explain()


def test_thresholds_come_from_the_settings() -> None:
    original = article(volume=None, issue=None, pages=None, doi=None)
    typo = other_export(
        original, title="Routine outcome monitoring and feedbak in psychoterapy: a randomized trial"
    )
    assert score(original, typo).decision == "auto"  # type: ignore[union-attr]
    strict = DedupSettings(title_auto=0.99)
    assert score(original, typo, strict).decision != "auto"  # type: ignore[union-attr]
