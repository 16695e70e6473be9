"""Scoring a candidate pair field by field and deciding: merge automatically, ask a person, or
leave the two records apart.

The rule, in words (thresholds from `DedupSettings`):

* A field *agrees* (authors, year, journal, volume, issue, first page, DOI, PMID, abstract) or
  *contradicts* (all but the abstract, which databases cut and restructure); missing fields do
  neither. `support` = agreeing − contradicting. The title is the gate, not counted in `support`.
* **Automatic merge** needs a matching title plus `auto_min_support` agreeing fields (one more,
  and an identifier or volume and page, for a generic title such as 'Editorial'), one of them
  placing the record (journal, volume, issue, pages, DOI, PMID or abstract: authors and year alone
  do not), and no blocker. A title that is only similar needs two more, agreeing authors, no
  contradiction, and the same first page or identifier; a missing title needs a shared
  identifier. A title alone never merges: the support is counted without it.
* **Blockers** send an otherwise automatic pair to review: different DOIs or PMIDs, a year gap
  over `max_year_gap`, an erratum / retraction / reply / comment on either side, a protocol, thesis, book chapter or conference abstract against another kind of report (unless
  both have the same volume and first page: the same item, flagged by one database only),
  different numbers in the titles (Part 1 / Part 2, I / II), different volume, issue or first page
  (unless the DOI or PMID is shared: then these are numbering differences), a title that swaps a
  word for another when no identifier or volume and page pin the pair ('… invasives topic' /
  '… fire topic': reports of one series), or the same identifier on different titles.
* A shared DOI is strong but not blind evidence: it counts as one agreeing field and lets a title
  that is only similar merge, but a shared DOI on different titles goes to review, never merged.
* **Review** when the titles are similar and `support` reaches `review_min_support` (one more for
  a generic title), or when an identifier is shared, or when the title differs but authors,
  journal, volume and first page all agree, or when the title is related (`title_related`) and
  the authors (two or more), year and journal agree with nothing contradicting, or when one
  meeting abstract is printed in two journals' supplements (the same specific title word for
  word, the same authors, within a year: `printed_twice`). A thesis and its Dissertation
  Abstracts entry compare well once the thesis's page count and degree are not read as a page
  and a volume (see `normalise`); they are reviewed, never merged, as only the author agrees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from review.records.dedup.normalise import NormRecord
from review.records.dedup.settings import DedupSettings
from review.records.dedup.similarity import (
    abstract_similarity,
    author_similarity,
    journal_similarity,
    title_contained,
    title_similarity,
    titles_swap_a_word,
)

Decision = Literal["auto", "review", "distinct"]

#: Why a pair was not merged automatically, by code, as the app explains it.
REASONS: dict[str, str] = {
    "doi_conflict": "the DOIs differ",
    "pmid_conflict": "the PubMed ids differ",
    "year_gap": "the publication years are too far apart",
    "erratum": "one record is an erratum, correction or corrigendum",
    "retraction": "one record is a retraction, withdrawal or expression of concern",
    "reply": "one record is a reply, response, comment or letter in reply",
    "protocol": "a protocol against another kind of report",
    "thesis": "a thesis (or its Dissertation Abstracts entry) against another kind of publication",
    "chapter": "a book chapter against another kind of publication (a reprint?)",
    "conference": "a conference abstract or paper against a full publication",
    "printed_twice": "the same title and authors printed in two supplements or abstract books "
    "(one meeting abstract in two journals?), but the journal, volume or pages differ",
    "series_part": "the numbers in the titles differ (another part of a series?)",
    "volume_conflict": "the volumes differ",
    "issue_conflict": "the issues differ",
    "pages_conflict": "the first pages differ",
    "identifier_title_mismatch": "same DOI or PMID but different titles (a wrong identifier?)",
    "title_differs": "the titles differ although the other details agree",
    "title_word_swapped": "each title has a word the other lacks (another report in a series?)",
    "title_missing": "a title is missing",
    "weak_support": "too few other fields agree for an automatic merge",
    "not_duplicates": "merging would join records a person marked as not duplicates",
    "cluster_doi_conflict": "merging would join records with different DOIs into one group",
}

#: The fields a PairScore scores, in display order.
SCORED_FIELDS: tuple[str, ...] = (
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "abstract",
)


#: The kinds of report (`NormRecord.form`) that never merge automatically with another kind, in
#: the order their reason is given.
_FORMS = ("protocol", "thesis", "chapter", "conference")

#: Fields that place a record (venue, identifier, content); one must agree for an automatic merge.
_PLACING_FIELDS = frozenset({"journal", "volume", "issue", "pages", "doi", "pmid", "abstract"})


@dataclass(frozen=True, slots=True)
class PairScore:
    """Two records compared: each field's similarity (0-1, None when missing on either side), the
    decision and why. `id_a` < `id_b`, so a pair scores the same whichever way round it is given.

    `agreeing` and `conflicting` name the fields counted for and against; `blockers` holds the
    codes (keys of `REASONS`) that stopped an automatic merge.
    """

    id_a: int
    id_b: int
    title: float | None
    authors: float | None
    year: float | None
    journal: float | None
    volume: float | None
    issue: float | None
    pages: float | None
    doi: float | None
    pmid: float | None
    abstract: float | None
    decision: Decision
    agreeing: tuple[str, ...] = ()
    conflicting: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()

    @property
    def ids(self) -> frozenset[int]:
        return frozenset((self.id_a, self.id_b))

    @property
    def support(self) -> int:
        """Agreeing fields less contradicting ones (the title not counted)."""
        return len(self.agreeing) - len(self.conflicting)

    @property
    def strength(self) -> tuple[int, float]:
        """Sort key: stronger pairs first when sorted in reverse."""
        return (self.support, self.title if self.title is not None else 0.0)

    def field_scores(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in SCORED_FIELDS}

    def explain(self) -> list[str]:
        """Lines a person can read: the decision, each field's score, the reasons."""
        lines = [f"{self.decision}: records {self.id_a} and {self.id_b}"]
        for name, score in self.field_scores().items():
            mark = "agrees" if name in self.agreeing else "contradicts" if name in self.conflicting else ""
            shown = "missing" if score is None else f"{score:.2f}"
            lines.append(f"  {name}: {shown} {mark}".rstrip())
        lines.extend(f"  not merged automatically: {REASONS.get(code, code)}" for code in self.blockers)
        return lines

    def demoted(self, *codes: str) -> PairScore:
        """This pair sent to review with extra reasons (used by clustering)."""
        return replace(self, decision="review", blockers=(*self.blockers, *codes))


def _equal(x: str, y: str) -> float | None:
    if not x or not y:
        return None
    return 1.0 if x == y else 0.0


def _split_page(page: str) -> tuple[str, str]:
    digits = page.lstrip("abcdefghijklmnopqrstuvwxyz")
    return page[: len(page) - len(digits)], digits


def pages_score(x: str, y: str) -> float | None:
    """1 for the same first page, 0 for a different one, None when missing or not comparable
    (an e-locator against a printed page). 'S12' and '12' agree."""
    if not x or not y:
        return None
    if x == y:
        return 1.0
    prefix_x, digits_x = _split_page(x)
    prefix_y, digits_y = _split_page(y)
    if prefix_x == prefix_y:
        return 0.0
    if digits_x == digits_y:
        return 1.0
    return None


def compare(a: NormRecord, b: NormRecord, settings: DedupSettings) -> PairScore | None:
    """Score and decide one pair; None for a pair that is plainly distinct (titles far apart and
    nothing else pointing to a match), to save the work of scoring every field."""
    title = title_similarity(a, b)
    same_id = bool(a.doi and a.doi == b.doi) or bool(a.pmid and a.pmid == b.pmid)
    contained = False
    if title is not None and title < settings.title_review and not same_id:
        contained = title_contained(a, b)
        if (
            not contained
            and title < settings.title_related
            and not (a.page and a.page == b.page and a.volume and a.volume == b.volume)
        ):
            return None
    elif title is not None and title < settings.title_auto:
        contained = title_contained(a, b)

    year_gap = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    scores = {
        "title": title,
        "authors": author_similarity(a, b),
        "year": None if year_gap is None else 1.0 / (1 + year_gap),
        "journal": journal_similarity(a, b),
        "volume": _equal(a.volume, b.volume),
        "issue": _equal(a.issue, b.issue),
        "pages": pages_score(a.page, b.page),
        "doi": _equal(a.doi, b.doi),
        "pmid": _equal(a.pmid, b.pmid),
        "abstract": abstract_similarity(a, b),
    }
    agreeing, conflicting, blockers = _evidence(a, b, scores, year_gap, settings)

    if title is None:
        title_status = "missing"
    elif title >= settings.title_auto:
        title_status = "agree"
    elif title >= settings.title_review or contained:
        title_status = "partial"
    else:
        title_status = "conflict"
    if same_id and title_status == "conflict":
        blockers.append("identifier_title_mismatch")

    short = bool(a.title and b.title) and min(a.title_words, b.title_words) < settings.generic_title_words
    support = len(agreeing) - len(conflicting)
    required = settings.auto_min_support + (1 if short else 0)
    locator = "pages" in agreeing and "volume" in agreeing
    # Who and when (authors, year) are not enough: the venue, the identifier or the content too.
    placed = any(name in _PLACING_FIELDS for name in agreeing)
    if not placed:
        auto = False
    elif title_status == "agree":
        # A generic title ('Editorial') says nothing: it needs an identifier or a volume and page.
        auto = support >= required and (not short or same_id or locator)
    elif title_status == "partial":
        auto = (
            support >= required + 2
            and not conflicting
            and "authors" in agreeing
            and ("pages" in agreeing or same_id)
        )
    elif title_status == "missing":
        auto = same_id and support >= required + 1
    else:
        auto = False

    if auto and not same_id and not locator and titles_swap_a_word(a, b):
        blockers.append("title_word_swapped")
    decision: Decision
    if auto and not blockers:
        decision = "auto"
    else:
        if title_status in ("agree", "partial"):
            plausible = support - (1 if short else 0) >= settings.review_min_support
            if not plausible and _printed_twice(a, b, agreeing, year_gap, settings):
                plausible = True
                blockers.append("printed_twice")
        elif title_status == "missing":
            plausible = same_id or support >= required
        else:
            located = (
                locator
                and "authors" in agreeing
                and "journal" not in conflicting
                and (year_gap is None or year_gap <= settings.max_year_gap)
            )
            related = (
                title is not None
                and title >= settings.title_related
                and {"authors", "year", "journal"} <= set(agreeing)
                and min(len(a.authors), len(b.authors)) >= 2
                and not conflicting
            )
            plausible = same_id or located or related
        if not plausible:
            return None
        decision = "review"
        if not auto:
            if title_status == "conflict" and not same_id:
                blockers.append("title_differs")
            elif title_status == "missing":
                blockers.append("title_missing")
            elif not blockers:
                blockers.append("weak_support")

    first, second = (a, b) if a.id <= b.id else (b, a)
    return PairScore(
        id_a=first.id,
        id_b=second.id,
        decision=decision,
        agreeing=tuple(agreeing),
        conflicting=tuple(conflicting),
        blockers=tuple(blockers),
        **scores,
    )


def _printed_twice(
    a: NormRecord, b: NormRecord, agreeing: list[str], year_gap: int | None, settings: DedupSettings
) -> bool:
    """One meeting abstract printed in two journals' supplements (a joint congress): the same
    specific title word for word and the same authors, within a year, both printed as abstracts
    (a supplement, an 'S' or 'e' page, or a conference source). Journal, volume and pages then
    all differ, which leaves too little support to show the pair, but a person should see it."""
    return (
        a.supplement
        and b.supplement
        and a.title == b.title
        and min(a.title_words, b.title_words) >= settings.specific_title_words
        and "authors" in agreeing
        and year_gap is not None
        and year_gap <= settings.max_year_gap
    )


def _evidence(
    a: NormRecord,
    b: NormRecord,
    scores: dict[str, float | None],
    year_gap: int | None,
    settings: DedupSettings,
) -> tuple[list[str], list[str], list[str]]:
    """Fields that agree, fields that contradict, and blockers (in a fixed order)."""
    agreeing: list[str] = []
    conflicting: list[str] = []
    blockers: list[str] = []
    authors, journal, abstract = scores["authors"], scores["journal"], scores["abstract"]
    if authors is not None:
        if authors >= settings.author_agree:
            agreeing.append("authors")
        elif authors < settings.author_conflict:
            conflicting.append("authors")
    if year_gap is not None:
        if year_gap == 0:
            agreeing.append("year")
        elif year_gap > settings.max_year_gap:
            conflicting.append("year")
            blockers.append("year_gap")
    if journal is not None:
        if journal >= settings.journal_agree:
            agreeing.append("journal")
        elif journal < settings.journal_conflict:
            conflicting.append("journal")
    # A shared identifier says which item this is: then different volume, issue or page numbers
    # are numbering noise (article number against page range, supplement issues), not another
    # part of a series. They still count against the pair.
    same_id = scores["doi"] == 1.0 or scores["pmid"] == 1.0
    for name, blocker in (
        ("volume", "volume_conflict"),
        ("issue", "issue_conflict"),
        ("pages", "pages_conflict"),
        ("doi", "doi_conflict"),
        ("pmid", "pmid_conflict"),
    ):
        score = scores[name]
        if score == 1.0:
            agreeing.append(name)
        elif score == 0.0:
            conflicting.append(name)
            if not (same_id and name in ("volume", "issue", "pages")):
                blockers.append(blocker)
    if abstract is not None and abstract >= settings.abstract_agree:
        agreeing.append("abstract")
    # An erratum, reply or comment on either side: even two exports of one notice wait for a
    # person, as a notice that names its article is easily taken for it.
    blockers.extend(sorted({a.notice, b.notice} - {""}))
    # A protocol, thesis, book chapter or conference abstract against another kind of report,
    # unless both sit at the same place (volume and first page): then one database flagged it
    # and the other did not.
    same_place = scores["volume"] == 1.0 and scores["pages"] == 1.0
    if a.form != b.form and not same_place:
        blockers.append(next(form for form in _FORMS if form in (a.form, b.form)))
    if a.title_numbers and b.title_numbers and a.title_numbers != b.title_numbers:
        blockers.append("series_part")
    return agreeing, conflicting, blockers
