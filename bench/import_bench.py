"""Import speed: 50,000 generated records as RIS and as BibTeX.

Prints, per format, the bare library parse (`rispy.load`, `bibtexparser.parse_string`) beside
ReviewMap's whole import (read, normalise, store in a new SQLite file) in records/second, their
ratio, and the peak memory of each (each measurement runs in its own process).

The machine's load average is printed with each run: on a shared machine the ratio within one
run is the figure to compare, and several runs give its median.

    python bench/import_bench.py [--records 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` is importable
WORDS = ["routine", "outcome", "monitoring", "clinical", "feedback", "psychotherapy", "counselling", "implementation", "barriers", "facilitators", "therapist", "client", "organisation", "policy", "measures", "training", "progress", "deterioration", "alliance", "session", "questionnaire", "trial", "qualitative", "survey", "meta-analysis", "adolescents", "adults"]
SURNAMES = (
    ["Lambert", "Boswell", "Miller", "Kraus", "Delgadillo", "Lutz", "Barkham", "Moltu", "Solstad", "Jong", "Brattland", "Hatfield"]
)


def generate(count: int, seed: int = 42) -> list[dict[str, object]]:
    rng = random.Random(seed)
    records = []
    for number in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200)))
        authors = [
            f"{rng.choice(SURNAMES)}, {chr(65 + rng.randint(0, 25))}." for _ in range(rng.randint(1, 6))
        ]
        start = rng.randint(1, 900)
        records.append(
            {
                "id": f"rec{number}",
                "title": title,
                "abstract": abstract,
                "authors": authors,
                "year": rng.randint(1990, 2025),
                "journal": f"Journal of {rng.choice(WORDS).capitalize()} Studies",
                "volume": str(rng.randint(1, 80)),
                "issue": str(rng.randint(1, 12)),
                "pages": f"{start}-{start + rng.randint(5, 30)}",
                "doi": f"10.{rng.randint(1000, 9999)}/bench.{number}",
                "keywords": [rng.choice(WORDS) for _ in range(4)],
            }
        )
    return records


def to_ris(records: list[dict[str, object]]) -> str:
    out: list[str] = []
    for r in records:
        start, end = str(r["pages"]).split("-")
        out += ["TY  - JOUR", f"ID  - {r['id']}", f"TI  - {r['title']}", f"AB  - {r['abstract']}"]
        out += [f"AU  - {a}" for a in r["authors"]]  # type: ignore[attr-defined]
        out += [f"PY  - {r['year']}", f"T2  - {r['journal']}", f"VL  - {r['volume']}", f"IS  - {r['issue']}"]
        out += [f"SP  - {start}", f"EP  - {end}", f"DO  - {r['doi']}"]
        out += [f"KW  - {k}" for k in r["keywords"]]  # type: ignore[attr-defined]
        out += ["ER  - ", ""]
    return "\n".join(out)


def to_bibtex(records: list[dict[str, object]]) -> str:
    out: list[str] = []
    for r in records:
        out.append(
            f"@article{{{r['id']},\n  title = {{{r['title']}}},\n  abstract = {{{r['abstract']}}},\n"
            f"  author = {{{' and '.join(r['authors'])}}},\n  year = {{{r['year']}}},\n"  # type: ignore[arg-type]
            f"  journal = {{{r['journal']}}},\n  volume = {{{r['volume']}}},\n  number = {{{r['issue']}}},\n"
            f"  pages = {{{r['pages']}}},\n  doi = {{{r['doi']}}},\n"
            f"  keywords = {{{', '.join(r['keywords'])}}}\n}}\n"  # type: ignore[arg-type]
        )
    return "\n".join(out)


def measure(kind: str, path: str) -> dict[str, float]:
    """One measurement in this process; run as a child so peak memory is its own."""
    import resource

    started = time.perf_counter()
    if kind == "rispy":
        import rispy

        # rispy.load reads the file itself, as our import does
        with Path(path).open(encoding="utf-8") as handle:
            count = len(rispy.load(handle))
    elif kind == "bibtexparser":
        import bibtexparser

        # parse_string takes the text: reading the file is timed too, as our import does
        count = len(bibtexparser.parse_string(Path(path).read_text(encoding="utf-8")).entries)
    else:
        from review.records.importing import commit_imports, load_source, read_file
        from review.store.engine import make_engine
        from review.store.migrate import upgrade

        db = Path(tempfile.mkdtemp()) / "bench.db"
        engine = make_engine(f"sqlite:///{db}")
        upgrade(engine)
        started = time.perf_counter()  # schema creation is not part of an import
        plan = read_file(load_source(path))
        parsed = time.perf_counter()
        count = commit_imports(engine, "bench", [plan])[0].imported
        stored = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "count": count,
            "seconds": stored - started,
            "read_seconds": parsed - started,
            "store_seconds": stored - parsed,
            "peak_mb": peak_mb,
        }
    seconds = time.perf_counter() - started
    return {
        "count": count,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(kind: str, path: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, metavar=("COUNT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    if args.write:
        records = generate(int(args.write[0]))
        (Path(args.write[1]) / "bench.ris").write_text(to_ris(records), encoding="utf-8")
        (Path(args.write[1]) / "bench.bib").write_text(to_bibtex(records), encoding="utf-8")
        return

    folder = Path(tempfile.mkdtemp())
    files = {"ris": (folder / "bench.ris", "rispy"), "bibtex": (folder / "bench.bib", "bibtexparser")}
    # Written by a child: a child's peak memory (ru_maxrss) counts this process's size when it
    # was started, so this process never holds the generated records.
    subprocess.run(
        [sys.executable, __file__, "--write", str(args.records), str(folder)], cwd=ROOT, check=True
    )
    print(f"{args.records:,} generated records per format; load average {_load()}\n")
    print(f"{'format':8} {'measure':34} {'records':>8} {'seconds':>8} {'rec/s':>9} {'peak MB':>8}")
    for name, (path, library) in files.items():
        bare = child(library, str(path))
        ours = child("reviewmap", str(path))
        for label, result in (
            (f"bare {library} parse", bare),
            ("ReviewMap import (read+normalise+store)", ours),
        ):
            print(
                f"{name:8} {label:34} {int(result['count']):>8,} {result['seconds']:>8.2f} "
                f"{result['count'] / result['seconds']:>9,.0f} {result['peak_mb']:>8.0f}"
            )
        print(
            f"{name:8} {'  of which read+normalise / store':34} {'':>8} "
            f"{ours['read_seconds']:>8.2f} / {ours['store_seconds']:.2f}"
        )
        print(
            f"{name:8} {'ratio ours / bare (target <= 3.0)':34} {ours['seconds'] / bare['seconds']:>17.2f}\n"
        )
    print(f"load average after: {_load()}")


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
