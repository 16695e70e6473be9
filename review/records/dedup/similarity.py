"""Field similarities between two normalised records, each between 0 and 1 and symmetric.

Journal names are compared word by word with abbreviation matching: a word matches another when
it is equal, or it starts with the same letter and its letters appear in order in the other word
('clin' ~ 'clinical', 'natl' ~ 'national', 'psychol' ~ 'psychology'), or it is the acronym of
several consecutive words ('jama' ~ 'journal american medical association'). The score is the
share of words on both sides covered by the best in-order alignment. No lookup table is needed.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from review.records.dedup.normalise import TITLE_STOPWORDS, NormRecord


def title_similarity(a: NormRecord, b: NormRecord, cutoff: float = 0.0) -> float | None:
    """Best normalised Indel similarity over the title variants; None when a title is missing.

    Scores below `cutoff` may be returned as 0 (rapidfuzz stops early).
    """
    if not a.titles or not b.titles:
        return None
    if a.title == b.title:
        return 1.0
    best = Indel.normalized_similarity(a.title, b.title, score_cutoff=cutoff)
    if len(a.titles) > 1 or len(b.titles) > 1:
        for x in a.titles:
            for y in b.titles:
                score = Indel.normalized_similarity(x, y, score_cutoff=cutoff)
                if score > best:
                    best = score
    return best


def title_contained(a: NormRecord, b: NormRecord, min_words: int = 4) -> bool:
    """True when the shorter title (of at least `min_words` words) starts the longer one or is a
    whole-word part of it: a subtitle or a section heading was dropped or glued on
    ('MEDICAL PROGRESS Atypical HUS', 'chronic inflammatory statesthe examples of…')."""
    if not a.title or not b.title:
        return False
    short, long = (a.title, b.title) if len(a.title) <= len(b.title) else (b.title, a.title)
    if short.count(" ") + 1 < min_words:
        return False
    return long.startswith(short) or f" {short} " in f" {long} "


#: Two title words this similar are one word spelled two ways ('haemolytic' / 'hemolytic').
WORD_VARIANT_MIN = 0.75


def titles_swap_a_word(a: NormRecord, b: NormRecord) -> bool:
    """True when each title has a word that resembles no word of the other: a word replaced, not
    a typo, a spelling or a subtitle dropped ('… assessment: invasives topic' / '… assessment:
    fire topic', 'in adult patients' / 'in adolescent patients'). Stop words, numbers (compared
    elsewhere) and words of one or two letters are not counted.

    >>> from review.records.model import Record
    >>> from review.records.dedup.normalise import normalise_record
    >>> one = normalise_record(Record(title="Science plan assessment: invasives topic"))
    >>> titles_swap_a_word(one, normalise_record(Record(title="Science plan assessment: fire topic")))
    True
    >>> titles_swap_a_word(one, normalise_record(Record(title="Science plan assessment - invasive topic")))
    False
    """
    if not a.title or not b.title or a.title == b.title:
        return False
    words_a, words_b = Counter(a.title.split()), Counter(b.title.split())
    # Counted, not as sets: 'fire management … fire topic' has one 'fire' more than '… invasives topic'.
    only_a, only_b = words_a - words_b, words_b - words_a
    return _unmatched_word(only_a, only_b) and _unmatched_word(only_b, only_a)


def _unmatched_word(words: Counter[str], others: Counter[str]) -> bool:
    """True when one of `words` that carries meaning is like none of `others` (a typo or a
    spelling variant would be like one of them)."""
    for word in words:
        if len(word) <= 2 or word in TITLE_STOPWORDS or word.isdigit():
            continue
        if all(Indel.normalized_similarity(word, other) < WORD_VARIANT_MIN for other in others):
            return True
    return False


def author_similarity(a: NormRecord, b: NormRecord) -> float | None:
    """Token-set similarity of the surname lists (a truncated list matches its full form, order
    does not matter); None when either record has no authors."""
    if not a.authors or not b.authors:
        return None
    if a.authors_key == b.authors_key:
        return 1.0
    return float(fuzz.token_set_ratio(a.authors_key, b.authors_key)) / 100.0


def abstract_similarity(a: NormRecord, b: NormRecord) -> float | None:
    """Indel similarity of the openings of the abstracts, cut to the shorter one's length."""
    if not a.abstract or not b.abstract:
        return None
    size = min(len(a.abstract), len(b.abstract))
    return float(Indel.normalized_similarity(a.abstract[:size], b.abstract[:size]))


def journal_similarity(a: NormRecord, b: NormRecord) -> float | None:
    """Best abbreviation-aware similarity over the journal name variants; 1 when an ISSN is
    shared; None when a journal is missing."""
    if a.issn and b.issn and a.issn & b.issn:
        return 1.0
    if not a.journal or not b.journal:
        return None
    best = 0.0
    for x in a.journal:
        for y in b.journal:
            score = journal_tokens_similarity(x, y) if x <= y else journal_tokens_similarity(y, x)
            if score > best:
                best = score
                if best == 1.0:
                    return best
    return best


#: Letter-level similarity of two journal names written without spaces that counts on its own.
SPELLED_MIN = 0.9


def _abbreviates(short: str, long: str) -> bool:
    """'clin' abbreviates 'clinical': same first letter, letters in order, and shorter."""
    if short[0] != long[0] or len(short) >= len(long):
        return False
    position = 1
    for letter in short[1:]:
        position = long.find(letter, position) + 1
        if position == 0:
            return False
    return True


def _words_match(x: str, y: str) -> bool:
    return x == y or _abbreviates(x, y) or _abbreviates(y, x)


def _acronym(token: str, run: tuple[str, ...]) -> bool:
    return len(token) == len(run) and all(word[0] == letter for letter, word in zip(token, run, strict=True))


@lru_cache(maxsize=262_144)
def journal_tokens_similarity(x: tuple[str, ...], y: tuple[str, ...]) -> float:
    """Share of the words of both names covered by the best in-order abbreviation alignment.

    >>> journal_tokens_similarity(("j", "clin", "psychol"), ("journal", "clinical", "psychology"))
    1.0
    >>> journal_tokens_similarity(("jama",), ("journal", "american", "medical", "association"))
    1.0
    >>> round(journal_tokens_similarity(("stroke",), ("stroke", "research")), 2)
    0.67
    """
    if x == y:
        return 1.0
    if not x or not y:
        return 0.0
    joined_x, joined_y = "".join(x), "".join(y)
    if joined_x == joined_y:
        return 1.0
    n, m = len(x), len(y)
    # best[i][j]: most words covered aligning x[:i] with y[:j]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        xi = x[i - 1]
        row, previous = best[i], best[i - 1]
        for j in range(1, m + 1):
            value = max(previous[j], row[j - 1])
            yj = y[j - 1]
            if _words_match(xi, yj):
                value = max(value, previous[j - 1] + 2)
            if 2 <= len(xi) <= j and len(xi) <= 8 and _acronym(xi, y[j - len(xi) : j]):
                value = max(value, best[i - 1][j - len(xi)] + 1 + len(xi))
            if 2 <= len(yj) <= i and len(yj) <= 8 and _acronym(yj, x[i - len(yj) : i]):
                value = max(value, best[i - len(yj)][j - 1] + 1 + len(yj))
            row[j] = value
    aligned = best[n][m] / (n + m)
    # Spelling variants and split words ('zhen jiu' / 'zhenjiu') count only when nearly equal.
    spelled = Indel.normalized_similarity(joined_x, joined_y, score_cutoff=SPELLED_MIN)
    return max(aligned, spelled)
