"""Records that print one work twice in places that do not match (one meeting abstract in two
journals' supplements, a thesis and its Dissertation Abstracts entry, an article reprinted as a
book chapter) are shown to a person, never merged automatically; look-alikes that are other
publications (two full papers with one title, reports of one series) are not merged either."""

from __future__ import annotations

from dataclasses import replace

from review.records.dedup import normalise_record
from review.records.dedup.normalise import first_page, is_supplement
from review.records.model import Record
from tests.records.dedup.helpers import article, other_export, score

TEAM = ["Lambert, Michael J.", "Whipple, Jason L.", "Kleinstauber, Maria"]
CONGRESS_TITLE = "Routine outcome monitoring reduces deterioration in outpatient psychotherapy"

#: One congress abstract, printed in the supplements of two journals (a joint meeting).
IN_ONE_JOURNAL = Record(
    title=CONGRESS_TITLE,
    authors=TEAM,
    year=2010,
    journal="Canadian Journal of Psychiatry",
    volume="55",
    issue="3",
    pages="S42",
)
IN_ANOTHER = Record(
    title=CONGRESS_TITLE.upper(),
    authors=["Lambert MJ", "Whipple JL", "Kleinstauber M"],
    year=2010,
    journal="Psychotherapy Research",
    volume="20",
    issue="Suppl. 2",
    pages="239-240",
)

THESIS = Record(
    title="Feedback to therapists on client progress: a multilevel study",
    authors=["Whipple, Jason Lee"],
    year=2011,
    volume="Ph.D.",
    pages="215 p",
    publication_type="Journal Article",  # what an EndNote library exported as 'article' says
)
DISSERTATION_ABSTRACT = Record(
    title="Feedback to therapists on client progress: a multilevel study",
    authors=["Whipple, J. L."],
    year=2012,
    journal="Dissertation Abstracts International: Section B: The Sciences and Engineering",
    volume="73",
    issue="3-B",
    pages="1524",
)


def test_one_meeting_abstract_in_two_supplements_is_queued_not_merged() -> None:
    # Journal, volume, issue and pages all differ, so the fields alone would keep them apart;
    # the same specific title word for word, the same authors and year, both printed as
    # abstracts, make the pair worth a person's look.
    scored = score(IN_ONE_JOURNAL, IN_ANOTHER)
    assert scored is not None, "the same abstract printed twice must reach the review queue"
    assert scored.decision == "review"
    assert "printed_twice" in scored.blockers
    assert {"journal", "volume"} <= set(scored.conflicting)


def test_the_same_title_in_two_regular_issues_is_left_apart() -> None:
    # Neither is printed as an abstract: two full papers with one title (a duplicate
    # publication, or a series) are not the same record, and would fill the queue.
    regular = replace(IN_ONE_JOURNAL, pages="142-150")
    other_regular = replace(IN_ANOTHER, issue="2", pages="77-85")
    assert score(regular, other_regular) is None


def test_an_abstract_and_a_full_paper_with_the_same_title_are_left_apart() -> None:
    paper = replace(IN_ANOTHER, issue="2", pages="77-85")
    assert score(IN_ONE_JOURNAL, paper) is None


def test_a_short_title_in_two_supplements_is_left_apart() -> None:
    # 'Feedback in psychotherapy' says too little to link two journals' abstracts.
    short_one = replace(IN_ONE_JOURNAL, title="Feedback in psychotherapy")
    short_other = replace(IN_ANOTHER, title="Feedback in psychotherapy")
    assert score(short_one, short_other) is None


def test_other_authors_in_two_supplements_are_left_apart() -> None:
    assert score(IN_ONE_JOURNAL, replace(IN_ANOTHER, authors=["Smith, A.", "Jones, B."])) is None


def test_supplement_prints_are_recognised() -> None:
    assert is_supplement("94", "Suppl. 2", "239")
    assert is_supplement("48", "14, Sp. Iss. SI", "1684")
    assert is_supplement("41", "7", "e505")
    assert not is_supplement("41", "7", "505")
    assert not is_supplement(None, None, "")
    assert normalise_record(IN_ONE_JOURNAL).supplement and normalise_record(IN_ANOTHER).supplement


def test_a_thesis_and_its_dissertation_abstracts_entry_are_queued() -> None:
    # The thesis's '215 p' counts pages and its 'Ph.D.' is a degree: neither contradicts the
    # abstract journal's volume 73, page 1524. Only the author agrees (the years are a year
    # apart), so a person decides.
    thesis, entry = normalise_record(THESIS), normalise_record(DISSERTATION_ABSTRACT)
    assert thesis.form == entry.form == "thesis"
    assert thesis.page == "" and thesis.volume == ""
    scored = score(THESIS, DISSERTATION_ABSTRACT)
    assert scored is not None and scored.decision == "review"
    assert not scored.conflicting
    assert "conference" not in scored.blockers


def test_a_page_count_is_not_a_first_page() -> None:
    assert first_page("215 p") == first_page("62 pp.") == first_page("300 pages") == ""
    assert first_page("215-230") == "215"


def test_a_thesis_against_the_article_it_became_is_never_merged_automatically() -> None:
    thesis = article(publication_type="Thesis", pages="215 p", doi=None, journal=None)
    scored = score(article(), thesis)
    assert scored is None or scored.decision != "auto"
    typed = replace(article(), publication_type="Thesis", pages="1-215")
    blocked = score(article(), typed)
    assert blocked is not None and blocked.decision == "review"
    assert "thesis" in blocked.blockers


def test_one_reply_exported_twice_still_waits_for_a_person() -> None:
    # Issue #3: a reply, comment or erratum on either side blocks an automatic merge, even when
    # both records are the same notice at the same place.
    reply = article(title=(article().title or "") + " - Reply", doi=None)
    scored = score(reply, other_export(reply))
    assert scored is not None and scored.decision == "review", scored.explain()
    assert "reply" in scored.blockers


def test_a_reply_and_the_letter_it_answers_on_one_page_are_not_merged() -> None:
    letter = article(title=article().title, doi=None, authors=["Edey, M. M."])
    reply = article(title=(article().title or "") + " - Reply", doi=None)
    scored = score(letter, reply)
    assert scored is None or scored.decision != "auto"
    if scored is not None:
        assert "reply" in scored.blockers


def test_a_reply_and_the_article_it_answers_are_not_merged_even_by_the_same_authors() -> None:
    reply = article(title=(article().title or "") + " - Reply", doi=None, pages="361-362")
    scored = score(article(doi=None), reply)
    assert scored is not None and scored.decision == "review"
    assert "reply" in scored.blockers


# -- one report of a series against another -----------------------------------------------------

SERIES = Record(
    title="Rangeland fire strategy science plan completion assessment: invasives topic, 2015-20",
    authors=["Anthony, Christopher R.", "Holloran, Matthew J."],
    year=2023,
    journal="Open-File Report",
)


def test_reports_of_a_series_that_swap_one_word_are_not_merged_automatically() -> None:
    # Same authors, year and series, titles 96% alike: but 'invasives' became 'fire', so these
    # are two reports of one series (real USGS reports with three different DOIs).
    other_topic = replace(SERIES, title=(SERIES.title or "").replace("invasives", "fire"))
    scored = score(SERIES, other_topic)
    assert scored is not None and scored.decision == "review"
    assert "title_word_swapped" in scored.blockers


def test_a_typo_or_a_spelling_variant_is_not_a_swapped_word() -> None:
    for variant in ("invasive", "invasivs", "invasives topics"):
        retyped = replace(SERIES, title=(SERIES.title or "").replace("invasives", variant))
        scored = score(SERIES, retyped)
        assert scored is not None and scored.decision == "auto", (variant, scored.explain())


def test_the_same_volume_and_page_outweigh_a_translated_word() -> None:
    # 'donations' / 'transplantation': one article, its title translated twice; the volume and
    # first page in the same journal say which article it is.
    original = article(title="Indications and contraindications for living kidney donations", doi=None)
    translated = other_export(
        original, title="Indications and contraindications of living-donor kidney transplantation"
    )
    scored = score(original, translated)
    assert scored is not None and scored.decision == "auto", scored.explain()


def test_a_book_chapter_reprinting_an_article_is_not_merged_automatically() -> None:
    # Same title, authors and abstract a year later in an edited collection: another
    # publication of the article, shown to a person (a real case had its own DOI).
    original = article(doi=None)
    chapter = replace(
        original,
        year=2019,
        journal="Prime Archives in Psychology",
        volume=None,
        issue=None,
        pages=None,
        publication_type="CHAP",
    )
    assert normalise_record(chapter).form == "chapter"
    scored = score(original, chapter)
    assert scored is not None and scored.decision == "review"
    assert "chapter" in scored.blockers
    # Typed as a chapter by one database, at the same volume and first page: the same item.
    same_place = replace(original, publication_type="Book Chapter")
    merged = score(original, same_place)
    assert merged is not None and merged.decision == "auto"
