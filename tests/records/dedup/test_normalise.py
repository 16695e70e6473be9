"""Normalising: idempotent, and each kind of variation real exports show is folded away."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.records.dedup.normalise import (
    first_page,
    fold,
    form_of,
    normalise_authors,
    normalise_issn,
    normalise_journal,
    normalise_number,
    normalise_pmid,
    normalise_record,
    normalise_text,
    normalise_title,
    notice_kind,
    pre_title,
    surname,
    title_numbers,
)
from review.records.dedup.similarity import journal_tokens_similarity
from review.records.model import Record, normalise_doi

# Text with the characters that matter: accents, markup, brackets, punctuation, other scripts.
messy_text = st.lists(
    st.sampled_from(
        [
            *"abcXYZ019 .,;:-–—()[]{}<>/&;#\\'\"$_éÉøßæÆİıµαΩ中文ﬁ\u0301\u00a0\t",
            *("<i>", "</i>", "&amp;", "&eacute;", "\\'e", "{\\o}", "[Chinese]", "[Erratum appears in x]"),
        ]
    ),
    max_size=30,
).map("".join)


@given(st.text(max_size=80))
def test_normalise_text_is_idempotent_on_any_text(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(messy_text)
def test_normalise_text_is_idempotent_on_messy_text(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == once.strip() and "  " not in once


@given(messy_text)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(messy_text)
def test_normalised_title_is_a_fixed_point(text: str) -> None:
    titles = normalise_title(text)
    if titles:
        assert normalise_title(titles[0]) == (titles[0],)


@given(messy_text)
def test_journal_tokens_are_a_fixed_point(text: str) -> None:
    variants = normalise_journal(text)
    if variants:
        assert normalise_journal(" ".join(variants[0]))[0] == variants[0]


@given(st.text(alphabet=st.sampled_from(list("0123456789eEsS-–, pP.")), max_size=12))
def test_numbers_and_pages_are_idempotent(text: str) -> None:
    assert first_page(first_page(text)) == first_page(text)
    assert normalise_number(normalise_number(text)) == normalise_number(text)
    assert normalise_pmid(normalise_pmid(text)) == normalise_pmid(text)


@given(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.()/_;:-]{0,30}", fullmatch=True),
    st.sampled_from(["", "doi:", "https://doi.org/"]),
)
def test_doi_normalising_is_idempotent(suffix: str, prefix: str) -> None:
    # (The model's normalise_doi is not idempotent on a DOI whose suffix is only punctuation,
    # '10.1037/.' -> '10.1037/' -> None; real DOIs do not look like that.)
    once = normalise_doi(prefix + "10.1037/" + suffix)
    assert normalise_doi(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("The <i>in vivo</i> Effect", "the in vivo effect", id="HTML tags"),
        pytest.param(
            "PM<sub>2.5</sub> &amp; asthma", "pm2 5 asthma", id="inline tags join, entities decoded"
        ),
        pytest.param("Caf\\'{e} and G{\\\"o}del", "cafe and godel", id="LaTeX accents"),
        pytest.param("Müller–Lüdenscheidt: Œuvre", "muller ludenscheidt oeuvre", id="accents and dashes"),
        pytest.param("TNF-α and IL-1β", "tnf alpha and il 1beta", id="Greek letters spelled out"),
        pytest.param("  Lots   of\tspace. ", "lots of space", id="white space and punctuation"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "[Clinical aspects of the complement system]. [Japanese]",
            ("clinical aspects of the complement system",),
            id="bracketed translated title and language tag",
        ),
        pytest.param(
            "Efficacy of batroxobin for vascular cognitive impairment. [Chinese]",
            ("efficacy of batroxobin for vascular cognitive impairment",),
            id="language tag",
        ),
        pytest.param(
            "Eculizumab for atypical HUS.[Erratum appears in N Engl J Med. 2009 Jun 4;360(23):2487]",
            ("eculizumab for atypical hus",),
            id="database note about an erratum",
        ),
        pytest.param(
            "Memory training... [corrected][published erratum appears in Brain Inj. 2013",
            ("memory training",),
            id="cut-off database note",
        ),
        pytest.param(
            "Zur Therapie der Depression [On the treatment of depression]",
            (
                "zur therapie der depression on the treatment of depression",
                "zur therapie der depression",
                "on the treatment of depression",
            ),
            id="original title with translation",
        ),
        pytest.param("", (), id="no title"),
    ],
)
def test_normalise_title(raw: str, expected: tuple[str, ...]) -> None:
    assert normalise_title(raw) == expected


@pytest.mark.parametrize(
    ("title", "numbers"),
    [
        ("outcome monitoring part 1", (1,)),
        ("outcome monitoring part i", (1,)),
        ("outcome monitoring part ii", (2,)),
        ("outcome monitoring part two", (2,)),
        ("type i diabetes in adults", (1,)),
        ("what i learned about feedback", ()),
        ("pm2 5 exposure and covid 19", (2, 5, 19)),
        ("a review of outcome measures ii", (2,)),
    ],
)
def test_title_numbers(title: str, numbers: tuple[int, ...]) -> None:
    assert title_numbers(title) == numbers


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Lambert, Michael J.", "lambert"),
        ("Lambert MJ", "lambert"),
        ("Lambert M.J.", "lambert"),
        ("Michael J Lambert", "lambert"),
        ("Le Quintrec, M", "lequintrec"),
        ("Kleinstäuber, Maria", "kleinstauber"),
        ("Sberro-Soussan, R.", "sberrosoussan"),
        ("et al.", ""),
    ],
)
def test_surname(author: str, expected: str) -> None:
    assert surname(author) == expected


def test_authors_keep_order_and_drop_et_al() -> None:
    assert normalise_authors(["Zuber, J", "Le Quintrec, M", "et al"]) == ("zuber", "lequintrec")


@pytest.mark.parametrize(
    ("short", "full"),
    [
        pytest.param("J Clin Psychol", "Journal of Clinical Psychology", id="initial-letter abbreviation"),
        pytest.param("Nat Rev Nephrol", "Nature Reviews Nephrology", id="prefixes"),
        pytest.param(
            "Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences USA", id="natl"
        ),
        pytest.param("JAMA", "Journal of the American Medical Association", id="acronym"),
        pytest.param("Br J Haematol", "British Journal of Hematology", id="British spelling"),
        pytest.param("Stroke", "Stroke; a journal of cerebral circulation", id="subtitle"),
        pytest.param("Diabetes & Metabolism", "Diabetes and metabolism", id="ampersand"),
        pytest.param(
            "Zhongguo Zhenjiu", "Zhongguo zhen jiu [Chinese acupuncture & moxibustion]", id="split words"
        ),
        pytest.param("Psychotherapy (Chic)", "Psychotherapy", id="parenthesised place"),
    ],
)
def test_journal_abbreviations_match(short: str, full: str) -> None:
    a, b = normalise_journal(short), normalise_journal(full)
    best = max(journal_tokens_similarity(*sorted((x, y))) for x in a for y in b)
    assert best >= 0.75


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Journal of Clinical Psychology", "Journal of Counseling Psychology"),
        ("Stroke", "Stroke Research and Treatment"),
        ("Blood", "Brain"),
    ],
)
def test_different_journals_do_not_match(one: str, other: str) -> None:
    a, b = normalise_journal(one), normalise_journal(other)
    best = max(journal_tokens_similarity(*sorted((x, y))) for x in a for y in b)
    assert best < 0.75


def test_identifiers_and_numbers() -> None:
    assert normalise_doi("https://doi.org/10.1002/JCLP.22541.") == "10.1002/jclp.22541"
    assert normalise_pmid("PMID: 0012345") == "12345"
    assert normalise_issn("0039-2499 (Print); 1524-4628 (Linking)") == frozenset({"00392499", "15244628"})
    assert normalise_issn("1234-567x") == frozenset({"1234567X"})
    assert first_page("1325-9") == "1325"
    assert first_page("e1234") == "e1234"
    assert first_page("S012-S019") == "s12"
    assert normalise_number("7 Suppl 1") == "7"
    assert normalise_number("Ph.D.") == ""


@pytest.mark.parametrize(
    ("title", "publication_type", "kind"),
    [
        ("Erratum: Severe deficiency of ADAMTS13", "", "erratum"),
        ("Correction to: Feedback in psychotherapy", "", "erratum"),
        ("Corrigendum to 'Feedback in psychotherapy'", "", "erratum"),
        ("Feedback in psychotherapy", "Published Erratum", "erratum"),
        ("Correction of post-stroke cognitive impairments", "", ""),
        ("Retracted: Feedback in psychotherapy", "", "retraction"),
        ("Notice of retraction: feedback", "", "retraction"),
        ("Reply to the letter by Smith", "", "reply"),
        ("Re: Feedback in psychotherapy", "", "reply"),
        ("In reply", "", "reply"),
        ("Thrombomodulin in atypical HUS AUTHORS REPLY", "", "reply"),
        ("Comment on: Feedback in psychotherapy", "", "reply"),
        ("Commentary: the feedback effect", "", "reply"),
        ("Response to the commentary by Jones", "", "reply"),
        ("Response to treatment in children with ADHD", "", ""),
        ("Soil carbon storage in response to forest disturbance", "", ""),
        ("Feedback in psychotherapy", "Comment", "reply"),
    ],
)
def test_notice_kinds(title: str, publication_type: str, kind: str) -> None:
    assert notice_kind(pre_title(title), fold(publication_type)) == kind


@pytest.mark.parametrize(
    ("title", "publication_type", "journal", "form"),
    [
        ("Feedback: study protocol for a randomised controlled trial", "", "Trials", "protocol"),
        ("Feedback trial", "Protocol", "", "protocol"),
        ("A new treatment protocol was effective", "", "", ""),
        ("Feedback trial", "Conference Abstract", "Blood", "conference"),
        ("Feedback trial", "inproceedings", "", "conference"),
        ("Feedback trial", "", "Pediatric Nephrology.Conference: 45th Annual Meeting", "conference"),
        ("Feedback trial", "", "Proceedings of the National Academy of Sciences", ""),
        ("Feedback trial", "Journal Article", "Journal of Clinical Psychology", ""),
    ],
)
def test_forms(title: str, publication_type: str, journal: str, form: str) -> None:
    assert form_of(pre_title(title), fold(publication_type), fold(journal)) == form


def test_normalise_record_collects_everything() -> None:
    record = Record(
        title="<i>Feedback</i> in Psychotherapy, Part II [German]",
        authors=["Lambert MJ"],
        year=2018,
        journal="J Clin Psychol",
        volume="74 Suppl 2",
        pages="e1-e9",
        doi="10.1002/JCLP.1",
        pmid="PMID 99",
        issn="0021-9762",
    )
    norm = normalise_record(record, index=3, id=42)
    assert (norm.index, norm.id) == (3, 42)
    assert norm.title == "feedback in psychotherapy part ii"
    assert norm.title_numbers == (2,)
    assert norm.authors == ("lambert",)
    assert (norm.volume, norm.page, norm.doi, norm.pmid) == ("74", "e1", "10.1002/jclp.1", "99")
    assert norm.issn == frozenset({"00219762"})
    assert norm.notice == "" and norm.form == ""
