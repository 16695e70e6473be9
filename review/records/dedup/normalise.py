"""Normalising: every field of a Record turned into the form the blocker and the scorer compare.

All functions here are pure and idempotent on their own output (`normalise_text(normalise_text(x))
== normalise_text(x)`), so a value may be normalised twice without harm.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from review.records.model import Record, normalise_doi, parse_year

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

#: Combining marks left by NFKD decomposition (accents, cedillas, dots above…).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Letters that NFKD does not split into a base letter and a mark, and Greek letters spelled out
#: ("TNF-α" and "TNF-alpha" must compare equal).
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "ζ": "zeta",
        "η": "eta",
        "θ": "theta",
        "ι": "iota",
        "κ": "kappa",
        "λ": "lambda",
        "μ": "mu",
        "ν": "nu",
        "ξ": "xi",
        "π": "pi",
        "ρ": "rho",
        "σ": "sigma",
        "ς": "sigma",
        "τ": "tau",
        "υ": "upsilon",
        "φ": "phi",
        "χ": "chi",
        "ψ": "psi",
        "ω": "omega",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2019": "'",
        "\u2018": "'",
    }
)
#: Inline formatting tags vanish without a trace ("PM<sub>2.5</sub>" = "PM2.5"); other tags
#: (<br>, <p>…) separate words.
_INLINE_TAG = re.compile(
    r"</?(?:i|b|u|em|strong|sub|sup|inf|span|small|sc|scp|smallcaps|italic|bold|mml:[a-z]+)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:]*(?:\s[^<>]*)?/?>")
_LATEX_ACCENT = re.compile(r"\\[`'^\"~=.]\s*\{?\s*([A-Za-z])\s*\}?")
_LATEX_LETTER_ACCENT = re.compile(r"\\[uvHckbdrt](?:\s*\{\s*([A-Za-z])\s*\}|\s+([A-Za-z]))")
_LATEX_SPECIAL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])")
_LATEX_LETTERS = {"ss": "ss", "ae": "ae", "AE": "AE", "oe": "oe", "OE": "OE", "aa": "a", "AA": "A"}
_LATEX_LETTERS.update({letter: letter for letter in "oOlLij"})
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")
_BRACES = re.compile(r"[{}$]")
_NON_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")


def strip_markup(text: str) -> str:
    r"""HTML tags and entities and LaTeX commands removed, the letters they wrap kept.

    >>> strip_markup(r'The <i>in vivo</i> effect of caf&eacute; on G{\"o}del, {\em et al}')
    'The in vivo effect of café on Godel,   et al'
    """
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", _INLINE_TAG.sub("", text))
    if "\\" in text:
        text = _LATEX_ACCENT.sub(r"\1", text)
        text = _LATEX_LETTER_ACCENT.sub(lambda m: m.group(1) or m.group(2), text)
        text = _LATEX_SPECIAL.sub(lambda m: _LATEX_LETTERS[m.group(1)], text)
        text = _LATEX_COMMAND.sub(" ", text)
    if "{" in text or "}" in text or "$" in text:
        text = _BRACES.sub("", text)
    return text


def fold(text: str) -> str:
    """Lower case without accents (NFKD, combining marks dropped); other scripts are kept.

    >>> fold("Ærøskøbing Müller-Lüdenscheidt")
    'aeroskobing muller-ludenscheidt'
    """
    if text.isascii():
        return text.lower()
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    text = text.casefold().translate(_SPECIAL)
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> str:
    """Punctuation to single spaces, trimmed (the text is expected folded already)."""
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalise_text(value: str | None) -> str:
    """Markup removed, folded, punctuation stripped: the form fuzzy comparison works on.

    >>> normalise_text("  The <b>Röle</b> of TNF-α: a {R}eview. ")
    'the role of tnf alpha a review'
    """
    if not value:
        return ""
    return words(fold(strip_markup(value)))


# ---------------------------------------------------------------------------------------------
# Titles
# ---------------------------------------------------------------------------------------------

#: A trailing tag that a database adds: "[Chinese]", "[Article in Spanish]", "[Review]".
_TRAILING_TAG = re.compile(
    r"\s*\[\s*(?:article in [a-z ]+|abstract in [a-z ]+|(?!(?:[ivxlc]+)\s*\])[a-z][a-z-]*)\s*\]\s*[.]?\s*$"
)
#: A note a database appends to a title: "[Erratum appears in …]", "[corrected]", "[Comment in: …]".
#: It describes other records, so it is dropped (to the end of the title, as notes come last and
#: are often cut off).
_DATABASE_NOTE = re.compile(
    r"\s*\[\s*(?:published\s+)?(?:erratum|errata|corrected|comments?|retraction|retracted|updated?|"
    r"republished|reprinted|expression of concern|summary for patients)\b"
    r"(?:\s*\]|\s+(?:appears|in|of|from|see|for|and|on)\b).*$"
)
_WRAPPED = re.compile(r"^\s*\[(?P<inner>[^\[\]]+)\]\s*[.]?\s*$")
_BRACKETED = re.compile(r"\[(?P<inner>[^\[\]]+)\]")
_DIGITS = re.compile(r"\d+")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "first": 1, "second": 2}
#: Words after which a roman numeral or number word counts as a number: "part II", "phase iii".
_ORDINAL_CONTEXT = frozenset({"part", "phase", "type", "stage", "grade", "study", "trial", "series", "paper"})
_ORDINAL_WORDS = frozenset(_ROMAN) | frozenset(_NUMBER_WORDS)


def pre_title(value: str) -> str:
    """Folded, markup removed, database tags dropped and a wrapping [translated title] unwrapped."""
    text = fold(strip_markup(value)).strip()
    if "[" in text:
        noted = _DATABASE_NOTE.sub("", text)
        if noted.strip():
            text = noted
    for _ in range(3):
        if "]" not in text[-40:]:
            break
        stripped = _TRAILING_TAG.sub("", text)
        if stripped == text or not stripped.strip():
            break
        text = stripped
    wrapped = _WRAPPED.match(text)
    if wrapped:
        text = wrapped.group("inner")
    return text.strip()


def normalise_title(value: str | None) -> tuple[str, ...]:
    """The normalised title and its variants: a bracketed part of three words or more may be a
    translation, so the text outside and inside the brackets are variants too. Empty when absent.

    >>> normalise_title("[Clinical aspects of the complement system]. [Japanese]")
    ('clinical aspects of the complement system',)
    >>> normalise_title("Über Krebs [On cancer in the young]")
    ('uber krebs on cancer in the young', 'uber krebs', 'on cancer in the young')
    """
    if not value:
        return ()
    return title_variants(pre_title(value))


def title_variants(pre: str) -> tuple[str, ...]:
    """`normalise_title` of a title already through `pre_title`."""
    full = words(pre)
    if not full:
        return ()
    variants = [full]
    if "[" in pre:
        inner = " ".join(m.group("inner") for m in _BRACKETED.finditer(pre))
        outer = words(_BRACKETED.sub(" ", pre))
        inner = words(inner)
        for part in (outer, inner):
            if part.count(" ") >= 1 and part not in variants:
                variants.append(part)
    return tuple(variants)


#: Words that carry no topic: a title made only of them and one or two others is generic.
TITLE_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "with",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "its",
        "his",
        "her",
        "their",
        "our",
        "your",
        "this",
        "that",
        "de",
        "la",
        "le",
        "les",
        "des",
        "du",
        "et",
        "der",
        "die",
        "das",
        "und",
    ]
)


def content_words(title: str) -> int:
    """How many words of a normalised title are not stop words ('letter to the editor' -> 2)."""
    return sum(1 for word in title.split() if word not in TITLE_STOPWORDS)


def title_numbers(title: str) -> tuple[int, ...]:
    """The numbers in a normalised title, roman numerals and number words after 'part', 'phase'…
    (and a roman numeral ending the title) read as numbers; sorted. 'Part II' and 'Part 2' agree.

    >>> title_numbers("outcome study part ii 12 month follow up")
    (2, 12)
    """
    numbers = [int(digits[:9]) for digits in _DIGITS.findall(title)]
    tokens = title.split()
    if _ORDINAL_WORDS.isdisjoint(tokens):
        return tuple(sorted(numbers))
    last = len(tokens) - 1
    for position, word in enumerate(tokens):
        previous = tokens[position - 1] if position else ""
        if word in _ROMAN and (previous in _ORDINAL_CONTEXT or (position == last and position > 2)):
            if word == "i" and previous not in _ORDINAL_CONTEXT and position != last:  # "what i did"
                continue
            numbers.append(_ROMAN[word])
        elif word in _NUMBER_WORDS and previous in _ORDINAL_CONTEXT:
            numbers.append(_NUMBER_WORDS[word])
    return tuple(sorted(numbers))


# ---------------------------------------------------------------------------------------------
# Kinds of record that must never merge automatically
# ---------------------------------------------------------------------------------------------

_ERRATUM = re.compile(
    r"^\W*(?:published\s+)?(?:errat(?:um|a)|corrigend(?:um|a))\b"
    r"|^\W*(?:corrections?|addend(?:um|a))\s*(?::|\bto\b|\bnotice\b|$)"
    r"|\b(?:erratum|corrigendum)\b|\bcorrection (?:to|notice)\b"
)
_RETRACTION = re.compile(
    r"^\W*(?:retraction|retracted|withdrawn|notice of retraction|expression of concern)\b"
    r"|\bretraction (?:note|notice|of|statement)\b"
)
_REPLY = re.compile(
    r"^\W*(?:in reply|reply|authors?'? reply|authors?'? response|response from the authors?|rejoinder)\b"
    r"|^\W*re\s*:"
    r"|^\W*(?:response|reply) to (?:the |a |an )?(?:letter|comment|commentary|editor|correspondence|"
    r"critique|criticism|authors?|dr|drs|reviewers?)\b"
    r"|^\W*comment(?:ary)?\s*(?:on|to|:)"
    r"|^\W*in response to\b|\b(?:a )?comment on\b|\bcommentary on\b|\bletter to the editor\b"
    r"|\b(?:authors?'?\s+)?reply\s*\W*$"
)
_PROTOCOL = re.compile(
    r"\b(?:study|trial|review|research|evaluation) protocol\b|\bprotocol (?:for|of) (?:a|an|the)\b"
    r"|^\W*protocol\b|:\s*(?:a |the )?protocol\b|\bprotocol\W*$"
)
_CONFERENCE_TYPE = re.compile(
    r"conf|proceeding|meeting|congress|symposium|poster|cpaper|abstract|presentation"
)
_CONFERENCE_JOURNAL = re.compile(
    r"\b(?:conference|congress|meeting|symposium|workshop|abstracts?|annual scientific|"
    r"proceedings of the (?:\d+|annual|international|[a-z]+ (?:conference|workshop|symposium)))\b"
)


_ERRATUM_WORDS = ("errat", "corrig", "correction", "addend")
_RETRACTION_WORDS = ("retract", "withdrawn", "concern")
_REPLY_WORDS = ("repl", "respon", "comment", "letter", "rejoinder")
_CONFERENCE_WORDS = (
    "conferen",
    "congress",
    "meeting",
    "symposi",
    "workshop",
    "abstract",
    "proceedings",
    "annual",
)


def notice_kind(title: str, publication_type: str) -> str:
    """'erratum', 'retraction', 'reply' (reply, response, comment, letter in reply) or ''.

    Works on the folded, not yet punctuation-stripped title.

    >>> notice_kind("erratum: severe deficiency of adamts13", "")
    'erratum'
    >>> notice_kind("response to treatment in children", "")
    ''
    """
    kind_text = publication_type
    if "errat" in kind_text or "correct" in kind_text or "corrigend" in kind_text:
        return "erratum"
    if "retract" in kind_text:
        return "retraction"
    if "comment" in kind_text:
        return "reply"
    # Cheap word tests first: the patterns run only on the few titles that could match.
    if any(word in title for word in _ERRATUM_WORDS) and _ERRATUM.search(title):
        return "erratum"
    if any(word in title for word in _RETRACTION_WORDS) and _RETRACTION.search(title):
        return "retraction"
    could_reply = any(word in title for word in _REPLY_WORDS) or title.lstrip("[( ").startswith("re")
    if could_reply and _REPLY.search(title):
        return "reply"
    return ""


#: A thesis by its type: RIS 'THES', BibTeX 'phdthesis', CSL 'thesis', PubMed 'Academic Dissertation'.
_THESIS_TYPE = re.compile(r"^thes$|thesis|dissertation")
#: A book chapter by its type: RIS 'CHAP', BibTeX 'inbook' / 'incollection', CSL 'chapter',
#: EndNote 'Book Section', Scopus 'Book Chapter'. A chapter that reprints an article is another
#: publication, like a conference abstract against the paper.
_CHAPTER_TYPE = re.compile(r"^chap$|chapter|^inbook$|^incollection$|book section")
#: A degree where a volume would be: EndNote exports a thesis's degree in that field ('Ph.D.').
_DEGREES = frozenset(
    {"phd", "dphil", "psyd", "edd", "drph", "dsc", "md", "ma", "ms", "msc", "mphil", "med", "mas", "masters"}
    | {"master", "doctoral", "doctorate", "thesis", "dissertation"}
)


def form_of(title: str, publication_type: str, journal: str, volume: str = "") -> str:
    """'protocol', 'thesis' (a thesis, or its entry in Dissertation Abstracts International),
    'chapter' (a book chapter), 'conference' (abstract or paper) or '' for an ordinary
    publication. `volume` is the folded volume field, where EndNote puts a thesis's degree.

    A Dissertation Abstracts entry is a thesis, not a conference abstract: it is the same work as
    the thesis record, whose 'pages' count the pages rather than place it.

    >>> form_of("x", "conference abstract", "blood")
    'conference'
    >>> form_of("x", "", "proceedings of the national academy of sciences")
    ''
    >>> form_of("x", "", "dissertation abstracts international: section b"), form_of("x", "", "", "ph.d.")
    ('thesis', 'thesis')
    """
    if "protocol" in publication_type or ("protocol" in title and _PROTOCOL.search(title)):
        return "protocol"
    if (
        (publication_type and _THESIS_TYPE.search(publication_type))
        or "dissertation" in journal
        or (volume and _NON_WORD.sub("", volume) in _DEGREES)
    ):
        return "thesis"
    if publication_type and _CHAPTER_TYPE.search(publication_type):
        return "chapter"
    if (publication_type and _CONFERENCE_TYPE.search(publication_type)) or (
        any(word in journal for word in _CONFERENCE_WORDS) and _CONFERENCE_JOURNAL.search(journal)
    ):
        return "conference"
    return ""


# ---------------------------------------------------------------------------------------------
# Authors
# ---------------------------------------------------------------------------------------------

_LETTERS = re.compile(r"[^\w]+|[\d_]+")
#: How many authors are compared: long consortium lists add nothing after the first few.
MAX_AUTHORS = 20


def author_name(value: str) -> tuple[str, str]:
    """(surname, initials) of 'Surname, Given', 'Surname GI', or 'Given Surname'.

    >>> author_name("Lambert, Michael J."), author_name("Lambert MJ"), author_name("Le Quintrec, M")
    (('lambert', 'mj'), ('lambert', 'mj'), ('lequintrec', 'm'))
    """
    text = strip_markup(value).strip()
    if "," in text:
        surname, _, given = text.partition(",")
    else:
        parts = text.split()
        if len(parts) >= 2 and parts[-1].replace(".", "").isupper() and len(parts[-1].replace(".", "")) <= 3:
            surname, given = " ".join(parts[:-1]), parts[-1]
        elif len(parts) >= 2:
            surname, given = parts[-1], " ".join(parts[:-1])
        else:
            surname, given = text, ""
    surname_key = _LETTERS.sub("", fold(surname))
    given = given.strip()
    compact = given.replace(".", "").replace(" ", "")
    if compact.isupper() and len(compact) <= 3:
        initials = compact
    else:
        initials = "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())
    return surname_key, fold(initials)


_NOT_AUTHORS = frozenset({"et al", "et al.", "anonymous", "[anonymous]"})


@lru_cache(maxsize=131_072)
def surname(value: str) -> str:
    """The folded surname of one author, without spaces or punctuation ('' when none or when the
    'author' is 'et al.' or 'Anonymous')."""
    value = value.strip()
    if value.lower() in _NOT_AUTHORS:
        return ""
    if "," in value:
        name = value.partition(",")[0]
    else:
        parts = value.split()
        if len(parts) >= 2:
            last = parts[-1].replace(".", "")
            name = " ".join(parts[:-1]) if last.isupper() and len(last) <= 3 else parts[-1]
        else:
            name = value
    if "&" in name or "<" in name or "\\" in name or "{" in name:
        name = strip_markup(name)
    return _LETTERS.sub("", fold(name))


def normalise_authors(authors: list[str]) -> tuple[str, ...]:
    """The surnames of the first MAX_AUTHORS authors, folded, without spaces or punctuation."""
    return tuple(name for name in map(surname, authors[:MAX_AUTHORS]) if name)


# ---------------------------------------------------------------------------------------------
# Journals, numbers, identifiers
# ---------------------------------------------------------------------------------------------

_JOURNAL_STOPWORDS = frozenset(
    ("of", "the", "and", "for", "in", "on", "at", "a", "an", "de", "la", "le", "les", "des", "du")
).union(("di", "del", "der", "die", "das", "und", "et", "y", "e"))
_JOURNAL_PARTS = re.compile(r"\s*(?::|;|\s-\s|\||\.(?=\s*[a-z]))\s*")
_PARENTHESISED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _journal_tokens(text: str) -> tuple[str, ...]:
    tokens = []
    for word in words(text).split():
        while "ae" in word or "oe" in word:
            word = word.replace("ae", "e").replace("oe", "e")
        if word in _JOURNAL_STOPWORDS or word.isdigit():
            continue
        tokens.append(word)
    return tuple(tokens)


@lru_cache(maxsize=65_536)
def normalise_journal(value: str | None) -> tuple[tuple[str, ...], ...]:
    """Token variants of a journal name: the whole name, the name without parenthesised parts,
    its main title before ':' ';' ' - ' or '.', and a bracketed translation. Stop words and
    numbers dropped, British spellings (ae, oe) folded.

    >>> normalise_journal("Stroke; a journal of cerebral circulation")
    (('stroke', 'journal', 'cerebral', 'circulation'), ('stroke',))
    >>> normalise_journal("Journal of Applied Physiology (Bethesda, Md. : 1985)")
    (('journal', 'applied', 'physiology', 'bethesda', 'md'), ('journal', 'applied', 'physiology'))
    """
    if not value:
        return ()
    pre = fold(strip_markup(value)).strip()
    candidates = [pre]
    bare = _PARENTHESISED.sub(" ", pre).strip()
    candidates.append(bare)
    head = _JOURNAL_PARTS.split(bare, maxsplit=1)[0]
    candidates.append(head)
    candidates.extend(m.group(0)[1:-1] for m in _PARENTHESISED.finditer(pre) if m.group(0).startswith("["))
    variants: list[tuple[str, ...]] = []
    for candidate in candidates:
        tokens = _journal_tokens(candidate)
        if tokens and tokens not in variants:
            variants.append(tokens)
    return tuple(variants)


_FIRST_NUMBER = re.compile(r"\d+")
_FIRST_PAGE = re.compile(r"([a-z]*)0*(\d+)")
#: A page count ('215 p', '62 pp.', '300 pages'), as thesis and book records give it: it says how
#: long the work is, not where it starts.
_PAGE_COUNT = re.compile(r"^\s*\d+\s*(?:p|pp|pages?)\s*\.?\s*$")
#: Volume or issue of a supplement or special issue ('94 Suppl. 2', '16, Sp. Iss. SI').
_SUPPLEMENT = re.compile(r"\bsuppl|\bsupplement|\bsp(?:ec)?\W*iss|\bspecial issue|\babstracts?\b")


def normalise_number(value: str | None) -> str:
    """The first number in a volume or issue ('7 Suppl 1' -> '7', '03' -> '3'), '' when none."""
    if not value:
        return ""
    match = _FIRST_NUMBER.search(value)
    return str(int(match.group(0)[:9])) if match else ""


def first_page(value: str | None) -> str:
    """The first page with its letter prefix ('e1234', 's12', '23'), '' when none.

    >>> first_page("1325-9"), first_page("E8-e9"), first_page("S012"), first_page("215 p")
    ('1325', 'e8', 's12', '')
    """
    if not value:
        return ""
    folded = fold(value)
    if _PAGE_COUNT.match(folded):
        return ""
    match = _FIRST_PAGE.search(folded)
    return (match.group(1)[-2:] + match.group(2)) if match else ""


def normalise_pmid(value: str | None) -> str:
    """The digits of a PubMed id without leading zeros, '' when none."""
    if not value:
        return ""
    match = _FIRST_NUMBER.search(value)
    return str(int(match.group(0)[:12])) if match else ""


def is_supplement(volume: str | None, issue: str | None, page: str) -> bool:
    """True for a record printed in a supplement or special issue, or on a page numbered 'S12' or
    'e12': where meeting abstracts are printed, and where one abstract is often printed twice.

    >>> is_supplement("94", "Suppl. 2", "239"), is_supplement("37", "3", "s42"), is_supplement("12", "3", "45")
    (True, True, False)
    """
    if page[:1] in ("s", "e") and page[1:2].isdigit():
        return True
    numbering = f"{volume or ''} {issue or ''}"
    return numbering != " " and bool(_SUPPLEMENT.search(fold(numbering)))


_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dxX])\b")


def normalise_issn(value: str | None) -> frozenset[str]:
    """Every ISSN in the field as eight characters ('0039-2499' -> '00392499')."""
    if not value:
        return frozenset()
    return frozenset((a + b).upper() for a, b in _ISSN.findall(value))


#: Abstracts are compared on their opening: databases cut, restructure and append copyright.
ABSTRACT_CHARS = 500
#: A shorter abstract ('No abstract available') says nothing.
MIN_ABSTRACT_CHARS = 100


# ---------------------------------------------------------------------------------------------
# The normalised record
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NormRecord:
    """A Record in comparable form. `index` is its position in the input, `id` its database id.

    Empty strings (never None) stand for missing values so that comparisons stay simple.
    `form` is the kind of report (`form_of`); `supplement` says it is printed as an abstract
    (`is_supplement`, or a conference source).
    """

    index: int
    id: int
    titles: tuple[str, ...]
    title: str
    title_words: int
    title_numbers: tuple[int, ...]
    notice: str
    form: str
    supplement: bool
    authors: tuple[str, ...]
    authors_key: str
    year: int | None
    journal: tuple[tuple[str, ...], ...]
    volume: str
    issue: str
    page: str
    doi: str
    pmid: str
    issn: frozenset[str]
    abstract: str


def normalise_record(record: Record, index: int = 0, id: int = 0) -> NormRecord:
    """Everything the blocker and the scorer need from one record, normalised once."""
    pre = pre_title(record.title) if record.title else ""
    titles = title_variants(pre) if pre else ()
    publication_type = fold(record.publication_type or "")
    journal_text = fold(record.journal or "")
    authors = normalise_authors(record.authors or [])
    # Markup and punctuation shrink a text: a generous cut before normalising is enough.
    abstract = ""
    if record.abstract:
        abstract = normalise_text(record.abstract[: 3 * ABSTRACT_CHARS // 2])[:ABSTRACT_CHARS]
    if len(abstract) < MIN_ABSTRACT_CHARS:
        abstract = ""
    title = titles[0] if titles else ""
    form = form_of(pre, publication_type, journal_text, fold(record.volume or ""))
    page = first_page(record.pages)
    return NormRecord(
        index=index,
        id=id,
        titles=titles,
        title=title,
        title_words=content_words(title),
        title_numbers=title_numbers(title),
        notice=notice_kind(pre, publication_type),
        form=form,
        supplement=form == "conference" or is_supplement(record.volume, record.issue, page),
        authors=authors,
        authors_key=" ".join(authors),
        year=parse_year(record.year),
        journal=normalise_journal(record.journal),
        volume=normalise_number(record.volume),
        issue=normalise_number(record.issue),
        page=page,
        doi=normalise_doi(record.doi) or "",
        pmid=normalise_pmid(record.pmid),
        issn=normalise_issn(record.issn),
        abstract=abstract,
    )
