"""Deduplication benchmark: ReviewMap against bib-dedupe on labelled sets, and speed on
generated data. Prints figures; asserts nothing.

    .venv/bin/python bench/dedup_bench.py            # labelled sets, multi-database set, 10k/25k/50k
    .venv/bin/python bench/dedup_bench.py --quick    # the same, generated data up to 10k only
    .venv/bin/python bench/dedup_bench.py --no-bibdedupe --sizes 10000,50000

The fixtures are read from `../shared/fixtures` beside the repository (or $REVIEW_FIXTURES).
Labelled sets: `dedup/*/records_pre_merged.csv` + `merged_record_ids.csv`, and any
`screening/*/*.csv` with a `duplicate_record_id` column, and a silver standard made from the
multi-database exports in `pipelines/*/` (records with a DOI; the DOI hidden from both tools and
used as the truth). Both tools get the same rows; bib-dedupe's
'maybe' pairs are its review queue (it exports them for a person to check). Everything is
counted over pairs of records, the same way for both tools (see DEFINITIONS).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import os
import random
import re
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.records.dedup import DedupSettings, find_duplicates
from review.records.model import Record, normalise_doi, parse_year

IdPair = frozenset[str]

DEFINITIONS = """\
Definitions (pairs of records; the same for both tools):
  P          precision of automatic merges: true pairs inside automatic clusters / all pairs inside them
  R          recall, merged or queued: true pairs in one automatic cluster, or whose two groups are
             linked by a pair in the review queue / all true pairs
  F1         2PR/(P+R): issue #3's measure, the result once a person has decided the queue correctly
             (a wrong automatic merge stays wrong; a queued pair costs the person's time, see queue)
  R auto     recall of automatic merges only; F1 auto = 2P(R auto)/(P+R auto): the result with no person
  queue %    review links between different groups (repeats and links inside a group not counted)
             / records
"""


def fixtures_dir() -> Path:
    """$REVIEW_FIXTURES, else `shared/fixtures` beside the repository."""
    override = os.environ.get("REVIEW_FIXTURES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


# ---------------------------------------------------------------------------------------------
# Labelled sets
# ---------------------------------------------------------------------------------------------


@dataclass
class LabelledSet:
    name: str
    rows: list[dict[str, str]]
    records: list[Record]
    keys: list[str]
    true_pairs: set[IdPair]


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def record_from_row(row: dict[str, str]) -> Record:
    """A bib-dedupe style CSV row (BibTeX field names) as a Record."""
    authors = [a.strip() for a in re.split(r"\s+and\s+", row.get("author") or "") if a.strip()]
    journal = _clean(row.get("journal")) or _clean(row.get("booktitle")) or _clean(row.get("container_title"))
    return Record(
        title=_clean(row.get("title")),
        abstract=_clean(row.get("abstract")),
        authors=authors,
        year=parse_year(row.get("year")),
        journal=journal,
        volume=_clean(row.get("volume")),
        issue=_clean(row.get("number")) or _clean(row.get("issue")),
        pages=_clean(row.get("pages")),
        doi=normalise_doi(row.get("doi")),
        publication_type=_clean(row.get("ENTRYTYPE")),
        source_key=row.get("ID"),
    )


def load_labelled(folder: Path) -> LabelledSet:
    with (folder / "records_pre_merged.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    true_pairs: set[IdPair] = set()
    with (folder / "merged_record_ids.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            ids = [x.strip() for x in row["merged_ids"].split(";") if x.strip()]
            true_pairs.update(frozenset(p) for p in itertools.combinations(ids, 2))
    return LabelledSet(
        name=folder.name,
        rows=rows,
        records=[record_from_row(row) for row in rows],
        keys=[row["ID"] for row in rows],
        true_pairs=true_pairs,
    )


def load_duplicate_column(path: Path) -> LabelledSet | None:
    """A screening set whose `duplicate_record_id` column points each duplicate at the record it
    repeats (asreview's systematic-review-datasets): None when the file has no such column."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        table = list(csv.DictReader(handle))
    if not table or "duplicate_record_id" not in table[0]:
        return None
    rows = [
        {
            "ID": row["record_id"],
            "ENTRYTYPE": "article",
            "title": row.get("title") or "",
            "abstract": row.get("abstract") or "",
            "year": row.get("year") or "",
            "author": " and ".join(a.strip() for a in (row.get("authors") or "").split(";") if a.strip()),
        }
        for row in table
    ]
    true_pairs = {
        frozenset((row["record_id"], str(int(float(row["duplicate_record_id"])))))
        for row in table
        if (row.get("duplicate_record_id") or "").strip()
    }
    return LabelledSet(
        name=f"{path.parent.name} (duplicate_record_id)",
        rows=rows,
        records=[record_from_row(row) for row in rows],
        keys=[row["ID"] for row in rows],
        true_pairs=true_pairs,
    )


def labelled_sets(root: Path) -> list[LabelledSet]:
    """Every labelled set under the fixtures folder."""
    found = [
        load_labelled(folder)
        for folder in sorted((root / "dedup").glob("*"))
        if (folder / "records_pre_merged.csv").exists()
    ]
    for path in sorted((root / "screening").glob("*/*.csv")):
        data = load_duplicate_column(path)
        if data is not None:
            found.append(data)
    for folder in sorted((root / "pipelines").glob("*")):
        silver = doi_silver_set(folder)
        if silver is not None:
            found.append(silver)
    return found


@dataclass
class Outcome:
    tool: str
    precision: float
    recall: float
    auto_recall: float
    review_share: float
    seconds: float
    clusters: int
    note: str = ""

    @property
    def f1(self) -> float:
        """Automatic precision with merged-or-queued recall (issue #3's measure)."""
        return _harmonic(self.precision, self.recall)

    @property
    def auto_f1(self) -> float:
        """Automatic precision with automatic recall: what a tool achieves with no person."""
        return _harmonic(self.precision, self.auto_recall)


def _harmonic(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def evaluate(
    clusters: Iterable[Iterable[str]],
    review_pairs: Iterable[tuple[str, str]],
    true_pairs: set[IdPair],
    n_records: int,
    tool: str,
    seconds: float,
) -> Outcome:
    """Precision of automatic clusters, recall through clusters plus review links."""
    cluster_list = [sorted(set(c)) for c in clusters]
    cluster_list = [c for c in cluster_list if len(c) >= 2]
    group: dict[str, int] = {}
    for number, cluster in enumerate(cluster_list):
        for key in cluster:
            group[key] = number
    auto_pairs = {frozenset(p) for c in cluster_list for p in itertools.combinations(c, 2)}
    true_auto = len(auto_pairs & true_pairs)
    precision = true_auto / len(auto_pairs) if auto_pairs else 1.0

    def gid(key: str) -> tuple[int, str]:
        return (group[key], "") if key in group else (-1, key)

    # A queue entry is a link between two different groups; repeats and links inside one
    # automatic cluster ask a person nothing and are not counted.
    linked = {frozenset((gid(a), gid(b))) for a, b in review_pairs if gid(a) != gid(b)}
    found = 0
    for pair in true_pairs:
        a, b = tuple(pair)
        if gid(a) == gid(b) or frozenset((gid(a), gid(b))) in linked:
            found += 1
    recall = found / len(true_pairs) if true_pairs else 1.0
    auto_recall = true_auto / len(true_pairs) if true_pairs else 1.0
    return Outcome(
        tool=tool,
        precision=precision,
        recall=recall,
        auto_recall=auto_recall,
        review_share=len(linked) / n_records if n_records else 0.0,
        seconds=seconds,
        clusters=len(cluster_list),
    )


def run_ours(data: LabelledSet, settings: DedupSettings) -> tuple[Outcome, object]:
    ids = list(range(len(data.records)))
    started = time.perf_counter()
    result = find_duplicates(data.records, ids, settings)
    seconds = time.perf_counter() - started
    key = data.keys
    outcome = evaluate(
        ([key[i] for i in cluster] for cluster in result.clusters),
        ((key[p.id_a], key[p.id_b]) for p in result.review_pairs),
        data.true_pairs,
        len(data.records),
        "ReviewMap",
        seconds,
    )
    return outcome, result


def run_bibdedupe(data: LabelledSet) -> Outcome:
    """bib-dedupe's prep → block → match → cluster on the same rows; 'maybe' pairs count as review."""
    started = time.perf_counter()
    try:
        import pandas as pd
        from bib_dedupe.bib_dedupe import block, cluster, match, prep
    except Exception as error:  # not installed
        return Outcome("bib-dedupe", 0, 0, 0, 0, 0, 0, note=f"not available: {error}")
    if not any((row.get("author") or "").strip() for row in data.rows):
        # bib-dedupe requires the author field, and an author column left empty throughout
        # makes its preparation fail (pandas turns the column into floats).
        return Outcome("bib-dedupe", 0, 0, 0, 0, 0, 0, note="cannot run: no record has authors")
    try:
        frame = pd.DataFrame(data.rows).fillna("")
        for column in ("title", "author", "year", "ENTRYTYPE"):
            if column not in frame:
                frame[column] = ""
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            prepared = prep(frame, verbosity_level=0, cpu=2)
            blocked = block(prepared, verbosity_level=0, cpu=2)
            matched = match(blocked, verbosity_level=0, cpu=2)
            clusters = cluster(matched, verbosity_level=0)
            seconds = time.perf_counter() - started
        maybe = matched[matched["duplicate_label"] == "maybe"][["ID_1", "ID_2"]].itertuples(index=False)
        return evaluate(
            clusters,
            [(str(a), str(b)) for a, b in maybe],
            data.true_pairs,
            len(data.rows),
            "bib-dedupe",
            seconds,
        )
    except Exception as error:
        return Outcome(
            "bib-dedupe",
            0,
            0,
            0,
            0,
            time.perf_counter() - started,
            0,
            note=f"crashed: {type(error).__name__}: {error}",
        )


def print_outcomes(name: str, n_records: int, n_true: int, outcomes: Sequence[Outcome]) -> None:
    print(f"\n{name}: {n_records} records, {n_true} true duplicate pairs")
    print(
        f"  {'tool':<11} {'P':>6} {'R':>6} {'F1':>6} {'R auto':>6} {'F1 auto':>7} {'queue %':>7} "
        f"{'clusters':>8} {'seconds':>8}"
    )
    for o in outcomes:
        if o.note:
            print(f"  {o.tool:<11} {o.note}")
            continue
        print(
            f"  {o.tool:<11} {o.precision:>6.4f} {o.recall:>6.4f} {o.f1:>6.4f} {o.auto_recall:>6.4f} "
            f"{o.auto_f1:>7.4f} {100 * o.review_share:>6.2f}% {o.clusters:>8} {o.seconds:>8.2f}"
        )


def print_summary(results: Sequence[tuple[str, Sequence[Outcome]]]) -> None:
    """One line per set: our F1 against bib-dedupe's, and whether the targets hold."""
    print("\nSummary: ours against bib-dedupe (targets for ours: P >= 0.995, R >= 0.95, queue < 5%)")
    print(f"  {'set':<34} {'targets':<14} {'F1 ours/peer':<19} {'F1 auto ours/peer':<19} {'s ours/peer':<11}")
    for name, outcomes in results:
        ours = outcomes[0]
        missed = [
            label
            for label, met in (
                ("P", ours.precision >= 0.995),
                ("R", ours.recall >= 0.95),
                ("queue", ours.review_share < 0.05),
            )
            if not met
        ]
        targets = "met" if not missed else "missed " + ",".join(missed)
        peer = next((o for o in outcomes[1:] if not o.note), None)
        if peer is None:
            versus = auto = seconds = "-"
        else:
            versus = f"{ours.f1:.4f}/{peer.f1:.4f} {_verdict(ours.f1, peer.f1)}"
            auto = f"{ours.auto_f1:.4f}/{peer.auto_f1:.4f} {_verdict(ours.auto_f1, peer.auto_f1)}"
            seconds = f"{ours.seconds:.2f}/{peer.seconds:.1f}"
        print(f"  {name[:34]:<34} {targets:<14} {versus:<19} {auto:<19} {seconds:<11}")


def _verdict(ours: float, peer: float) -> str:
    if round(ours, 4) == round(peer, 4):
        return "tie"
    return "win" if ours > peer else "LOSE"


def show_errors(data: LabelledSet, result: object, limit: int) -> None:
    """Print false automatic pairs and missed true pairs (for inspection, --errors N)."""
    from review.records.dedup import DedupResult

    assert isinstance(result, DedupResult)
    key = data.keys
    index = {k: i for i, k in enumerate(key)}
    cluster_of = result.cluster_of()
    auto_pairs = {
        frozenset((key[a], key[b])) for c in result.clusters for a, b in itertools.combinations(sorted(c), 2)
    }

    def show(i: int) -> str:
        r = data.records[i]
        return (
            f"{key[i]} | {' '.join((r.title or '').split())[:80]} | {r.year} | {'; '.join(r.authors[:3])[:40]} | "
            f"{(r.journal or '')[:30]} | {r.volume} {r.issue} {r.pages} | {r.doi or ''}"
        )

    false = sorted(auto_pairs - data.true_pairs, key=sorted)
    print(f"  false automatic pairs: {len(false)}")
    for pair in false[:limit]:
        key_a, key_b = sorted(pair)
        print("   -", show(index[key_a]), "\n    ", show(index[key_b]))
    by_ids = {p.ids: p for p in result.review_pairs}
    missed: list[tuple[int, int]] = []
    for pair in sorted(data.true_pairs, key=sorted):
        first, second = (index[k] for k in sorted(pair))
        if first in cluster_of and cluster_of.get(first) == cluster_of.get(second):
            continue
        missed.append((first, second))
    print(f"  true pairs not merged automatically: {len(missed)}")
    for first, second in missed[:limit]:
        pair_score = by_ids.get(frozenset((first, second)))
        status = f"review {pair_score.blockers}" if pair_score else "not proposed"
        print(f"   - {status}\n     ", show(first), "\n     ", show(second))


# ---------------------------------------------------------------------------------------------
# The multi-database set (no labels): cluster counts
# ---------------------------------------------------------------------------------------------

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -\s?(.*)$")
_RIS_FIELDS = {
    "TI": "title",
    "T1": "title",
    "AB": "abstract",
    "N2": "abstract",
    "PY": "year",
    "Y1": "year",
    "DA": "year",
    "JO": "journal",
    "JF": "journal",
    "T2": "journal",
    "J2": "journal2",
    "VL": "volume",
    "IS": "issue",
    "SP": "start",
    "EP": "end",
    "DO": "doi",
    "SN": "issn",
    "TY": "type",
}


def read_ris_simply(path: Path) -> list[Record]:
    """A minimal RIS parser, used when the project's reader is not available."""
    records: list[Record] = []
    entry: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        match = _RIS_TAG.match(line.strip("\ufeff"))
        if not match:
            continue
        tag, value = match.groups()
        if tag == "ER":
            records.append(_ris_record(entry, path.stem))
            entry = {}
        elif tag in ("AU", "A1"):
            entry.setdefault("authors", []).append(value.strip())
        elif tag == "KW":
            entry.setdefault("keywords", []).append(value.strip())
        elif tag in _RIS_FIELDS and value.strip():
            entry.setdefault(_RIS_FIELDS[tag], []).append(value.strip())
    return records


def _ris_record(entry: dict[str, list[str]], source: str) -> Record:
    def one(name: str) -> str | None:
        values = entry.get(name)
        return values[0] if values else None

    start, end = one("start"), one("end")
    pages = f"{start}-{end}" if start and end else start
    return Record(
        title=one("title"),
        abstract=one("abstract"),
        authors=entry.get("authors", []),
        year=parse_year(one("year")),
        journal=one("journal") or one("journal2"),
        volume=one("volume"),
        issue=one("issue"),
        pages=pages,
        doi=normalise_doi(one("doi")),
        issn=one("issn"),
        publication_type=one("type"),
        keywords=entry.get("keywords", []),
        source_database=source,
    ).normalised()


def read_ris(path: Path) -> tuple[list[Record], str]:
    """The project's reader when it is importable, else the simple parser."""
    try:
        from review.records.readers import SourceFile, read_source

        result = read_source(SourceFile(path.name, path.read_bytes()))
        records = [replace(r, source_database=r.source_database or path.stem) for r in result.records]
        return records, "project reader"
    except Exception:
        return read_ris_simply(path), "simple RIS parser"


def row_from_record(key: str, record: Record) -> dict[str, str]:
    """A Record as a bib-dedupe row (BibTeX field names)."""
    return {
        "ID": key,
        "ENTRYTYPE": "article",
        "title": record.title or "",
        "author": " and ".join(record.authors),
        "year": str(record.year or ""),
        "journal": record.journal or "",
        "volume": record.volume or "",
        "number": record.issue or "",
        "pages": record.pages or "",
        "abstract": record.abstract or "",
    }


def doi_silver_set(folder: Path) -> LabelledSet | None:
    """The multi-database exports as a labelled set: the records that have a DOI, with the DOI
    hidden from both tools and used as the truth (records sharing a DOI are duplicates). A silver
    standard: a work given two DOIs, or one DOI given to two works, counts wrongly."""
    files = sorted(p for p in folder.glob("*.ris") if not p.name.startswith(("screened", "final")))
    if not files:
        return None
    records: list[Record] = []
    for path in files:
        records.extend(r for r in read_ris(path)[0] if normalise_doi(r.doi) and r.title)
    keys = [str(number) for number in range(len(records))]
    by_doi: dict[str, list[str]] = {}
    for key, record in zip(keys, records, strict=True):
        by_doi.setdefault(normalise_doi(record.doi) or "", []).append(key)
    hidden = [replace(record, doi=None) for record in records]
    return LabelledSet(
        name=f"{folder.name[:26]} (DOIs hidden; truth: same DOI)",
        rows=[row_from_record(key, record) for key, record in zip(keys, hidden, strict=True)],
        records=hidden,
        keys=keys,
        true_pairs={frozenset(p) for group in by_doi.values() for p in itertools.combinations(group, 2)},
    )


def run_multidb(folder: Path, settings: DedupSettings) -> None:
    files = sorted(p for p in folder.glob("*.ris") if not p.name.startswith(("screened", "final")))
    records: list[Record] = []
    how = set()
    for path in files:
        found, reader = read_ris(path)
        how.add(reader)
        records.extend(found)
    started = time.perf_counter()
    result = find_duplicates(records, list(range(len(records))), settings)
    seconds = time.perf_counter() - started
    sources = {i: records[i].source_database or "?" for i in range(len(records))}
    cross = sum(1 for c in result.clusters if len({sources[i] for i in c}) > 1)
    print(f"\n{folder.name} ({', '.join(sorted(how))}): {len(records)} records from {len(files)} exports")
    print(
        f"  clusters {len(result.clusters)} (across databases {cross}), records removed "
        f"{result.duplicates_removed}, distinct after automatic merge "
        f"{len(records) - result.duplicates_removed}, review pairs {len(result.review_pairs)} "
        f"({100 * len(result.review_pairs) / max(1, len(records)):.2f}%), {seconds:.2f} s"
    )
    print("  (CiteSource/ASySD reported 1,051 distinct records within sources; no ground truth)")


# ---------------------------------------------------------------------------------------------
# Generated data for speed
# ---------------------------------------------------------------------------------------------

_TYPO_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def base_pool(root: Path) -> list[Record]:
    """Real records from the fixtures: the labelled sets (one per true cluster), the multi-database
    exports and the screening sets."""
    pool: list[Record] = []
    for folder in sorted((root / "dedup").glob("*")):
        if not (folder / "records_pre_merged.csv").exists():
            continue
        data = load_labelled(folder)
        seen: set[str] = set()
        for key, record in zip(data.keys, data.records, strict=True):
            partners = {k for pair in data.true_pairs if key in pair for k in pair}
            if partners & seen:
                continue
            seen.add(key)
            pool.append(record)
    multidb = root / "pipelines" / "citesource_wildfire_multidb_with_phases"
    for path in sorted(multidb.glob("*.ris")):
        pool.extend(read_ris_simply(path))
    for path in sorted((root / "screening").glob("*/*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.DictReader(handle):
                authors = [a.strip() for a in (row.get("authors") or "").split(";") if a.strip()]
                pool.append(
                    Record(
                        title=_clean(row.get("title")),
                        abstract=_clean(row.get("abstract")),
                        authors=authors,
                        year=parse_year(row.get("year")),
                        pmid=_clean(row.get("pubmedID")),
                    )
                )
    return [r for r in pool if r.title]


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 10:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.33:
        return text[:i] + text[i + 1 :]
    if kind < 0.66:
        return text[:i] + rng.choice(_TYPO_LETTERS) + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _abbreviate_journal(journal: str) -> str:
    out = []
    for word in re.split(r"\s+", journal):
        if word.lower() in {"of", "the", "and", "&", "in", "for", "on"}:
            continue
        out.append(word if len(word) <= 5 else word[: max(3, len(word) // 2)])
    return " ".join(out)


def _initials_form(author: str) -> str:
    surname, _, given = author.partition(",")
    initials = "".join(p[0] for p in re.split(r"[\s.\-]+", given.strip()) if p)
    return f"{surname.strip()} {initials.upper()}".strip()


def new_work(pool: Sequence[Record], rng: random.Random, number: int) -> Record:
    """A distinct 'work' made of real parts: two halves of real titles, real authors and journals,
    random but plausible year, volume, issue and pages."""
    a, b, c, d = (rng.choice(pool) for _ in range(4))
    words_a = (a.title or "").split()
    words_b = (b.title or "").split()
    title = " ".join(words_a[: max(2, len(words_a) // 2)] + words_b[len(words_b) // 2 :])
    year = rng.randint(1990, 2024)
    first_page = rng.randint(1, 2500)
    return Record(
        title=title,
        abstract=(c.abstract if rng.random() < 0.6 else None),
        authors=list(c.authors[:8]) or list(d.authors[:8]),
        year=year,
        journal=d.journal or a.journal or "Journal of Generated Studies",
        volume=str(rng.randint(1, 120)),
        issue=str(rng.randint(1, 12)) if rng.random() < 0.8 else None,
        pages=f"{first_page}-{first_page + rng.randint(3, 20)}",
        doi=f"10.{rng.randint(1000, 9999)}/gen.{number}" if rng.random() < 0.7 else None,
    )


def export_variant(work: Record, rng: random.Random) -> Record:
    """The work as another database exports it."""
    title = work.title or ""
    r = rng.random()
    if r < 0.15:
        title = title.upper() if rng.random() < 0.3 else title.lower()
    elif r < 0.3:
        title = _typo(title, rng)
    elif r < 0.4:
        title = title.rstrip(".") + "."
    authors = list(work.authors)
    if authors and rng.random() < 0.4:
        authors = [_initials_form(x) for x in authors]
    if len(authors) > 3 and rng.random() < 0.1:
        authors = authors[:3]
    journal = work.journal
    if journal and rng.random() < 0.4:
        journal = _abbreviate_journal(journal)
    pages = work.pages
    if pages and rng.random() < 0.2:
        start, _, end = pages.partition("-")
        pages = f"{start}-{end[-2:]}" if end else start
    return replace(
        work,
        title=title,
        authors=authors,
        journal=journal,
        pages=pages if rng.random() > 0.05 else None,
        doi=work.doi if rng.random() > 0.3 else None,
        year=(work.year + 1) if (work.year and rng.random() < 0.05) else work.year,
        abstract=work.abstract if rng.random() > 0.3 else None,
        issue=work.issue if rng.random() > 0.1 else None,
    )


def generate(pool: Sequence[Record], size: int, rng: random.Random) -> tuple[list[Record], list[int]]:
    """`size` records: works exported 1-4 times (about 1.6 records a work); returns the records and
    the work number of each (the truth)."""
    records: list[Record] = []
    truth: list[int] = []
    number = 0
    while len(records) < size:
        work = new_work(pool, rng, number)
        copies = rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0]
        for _ in range(min(copies, size - len(records))):
            records.append(export_variant(work, rng))
            truth.append(number)
        number += 1
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[i] for i in order], [truth[i] for i in order]


def run_speed(root: Path, sizes: Sequence[int], settings: DedupSettings) -> None:
    """Time per size on generated data; 'cpu s' counts both cores (rapidfuzz uses two threads),
    and wall seconds above cpu seconds mean the machine was busy with something else."""
    rng = random.Random(42)
    pool = base_pool(root)
    print(f"\nGenerated data (seeded random.Random(42), {len(pool)} real records recombined and perturbed):")
    print(
        f"  {'records':>8} {'seconds':>8} {'cpu s':>6} {'µs/record':>10} {'candidates':>11} {'precision':>9} "
        f"{'recall':>7} {'review %':>8}  stages (s)"
    )
    largest = max(sizes)
    all_records, all_truth = generate(pool, largest, rng)
    for size in sizes:
        records, truth = all_records[:size], all_truth[:size]
        started, cpu = time.perf_counter(), time.process_time()
        result = find_duplicates(records, list(range(size)), settings)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        groups: dict[int, list[str]] = {}
        for i, work in enumerate(truth):
            groups.setdefault(work, []).append(str(i))
        true_pairs = {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}
        outcome = evaluate(
            ([str(i) for i in c] for c in result.clusters),
            ((str(p.id_a), str(p.id_b)) for p in result.review_pairs),
            true_pairs,
            size,
            "ReviewMap",
            seconds,
        )
        stages = " ".join(f"{k} {v:.2f}" for k, v in result.timings.items() if k != "total")
        print(
            f"  {size:>8} {seconds:>8.2f} {cpu:>6.2f} {1e6 * seconds / size:>10.1f} {result.candidates:>11} "
            f"{outcome.precision:>9.4f} {outcome.recall:>7.4f} {100 * outcome.review_share:>7.2f}%  {stages}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="generated data up to 10k records only")
    parser.add_argument("--sizes", help="comma-separated generated sizes (default 10000,25000,50000)")
    parser.add_argument("--no-bibdedupe", action="store_true", help="skip bib-dedupe")
    parser.add_argument("--no-speed", action="store_true", help="skip the generated-data timings")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per labelled set")
    args = parser.parse_args(argv)

    root = fixtures_dir()
    if not (root / "dedup").is_dir():
        print(f"SKIPPED: fixtures not found at {root} (set REVIEW_FIXTURES to the shared fixtures folder)")
        return 0
    settings = DedupSettings()
    print(f"Fixtures: {root}")
    print(DEFINITIONS, end="")
    results: list[tuple[str, list[Outcome]]] = []
    for data in labelled_sets(root):
        ours, result = run_ours(data, settings)
        outcomes = [ours]
        if not args.no_bibdedupe:
            outcomes.append(run_bibdedupe(data))
        print_outcomes(data.name, len(data.records), len(data.true_pairs), outcomes)
        results.append((data.name, outcomes))
        if args.errors:
            show_errors(data, result, args.errors)
    print_summary(results)

    multidb = root / "pipelines" / "citesource_wildfire_multidb_with_phases"
    if multidb.is_dir():
        run_multidb(multidb, settings)

    if not args.no_speed:
        if args.sizes:
            sizes = [int(s) for s in args.sizes.split(",")]
        else:
            sizes = [10_000] if args.quick else [10_000, 25_000, 50_000]
        run_speed(root, sizes, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
