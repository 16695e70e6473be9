"""`python -m review`: the same functions as the app, from a shell.

The command names, options and outputs are a contract (DESIGN.md, "Command line"): scripts and
tests outside the project rely on them.

Whoever runs the command line is the project's operator: it acts as the project's owner
(`review.people.Actor.operator`), so `agreement`, `prisma` and `export --what decisions` see every
decision, blinding or not. It never screens in anyone's name: `screen import` records each
decision under the reviewer its row names.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from review.records.readers import FORMATS, BadInput
from review.store.engine import database_url, get_engine
from review.store.projects import DEFAULT_PROJECT

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_AVAILABLE = 3

#: Commands whose issue has not landed yet, with the capability that will bring them.
NOT_YET: dict[str, str] = {}
EXPORT_WHAT = ("records", "included", "decisions", "findings")
EXPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".ris": "ris", ".bib": "bibtex"}
PRISMA_SUFFIXES = (".svg", ".png", ".json")
MAP_SUFFIXES = (".html", ".svg", ".png", ".graphml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m review",
        description="ReviewMap: scoping reviews from search exports to the evidence map.",
    )
    parser.add_argument("--db", help="database URL (default: $REVIEW_DATABASE_URL, else sqlite:///data/review.db)")
    parser.add_argument("--project", help='project name (default: $REVIEW_PROJECT, else "default")')
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("import", help="import bibliographic records from export files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    p.add_argument("--source-db", help="the database the export came from (PubMed, Scopus, ...)")
    p.add_argument("--skip-bad", action="store_true", help="import the good entries, list the bad ones")
    p.add_argument("--force", action="store_true", help="import a file again that this project has already")

    p = commands.add_parser("dedup", help="find and merge duplicate records")
    p.add_argument("--report", metavar="CSV")

    p = commands.add_parser("screen", help="screening decisions")
    screen = p.add_subparsers(dest="screen_command", required=True, metavar="SUBCOMMAND")
    screen.add_parser(
        "import",
        help="import decisions from a CSV (columns reviewer,source_key,stage,decision[,reason,note]); "
        "reviewers are created as needed",
    ).add_argument("csv", metavar="CSV")

    p = commands.add_parser(
        "agreement", help="agreement between reviewers (kappa, PABAK), as the owner sees it"
    )
    p.add_argument("--stage", choices=["title_abstract", "full_text"])
    p.add_argument("--json", action="store_true")

    p = commands.add_parser("prisma", help="the PRISMA-ScR flow diagram")
    p.add_argument("--out", required=True, metavar="FILE.svg|FILE.png|FILE.json")

    p = commands.add_parser("findings", help="extracted findings")
    findings = p.add_subparsers(dest="findings_command", required=True, metavar="SUBCOMMAND")
    p = findings.add_parser(
        "import", help="import findings from a CSV (columns source_key,type,level,theme[,finding,quote,page])"
    )
    p.add_argument("csv", metavar="CSV")
    p.add_argument(
        "--wide",
        action="store_true",
        help="the table is wide: one row per study, a column per 'type: level: theme' (as export --wide writes it)",
    )
    p.add_argument(
        "--only-included",
        action="store_true",
        help="refuse rows for studies not included by screening (by default the CSV charts them, "
        "recorded as imported coding)",
    )
    p.add_argument(
        "--no-new-themes",
        action="store_true",
        help="refuse themes the codebook lacks (by default they are added, with a codebook event)",
    )

    p = commands.add_parser("map", help="the evidence map")
    p.add_argument("--out", required=True, metavar="FILE.html|FILE.svg|FILE.png|FILE.graphml")
    p.add_argument("--type", help="only findings of this type (barrier, facilitator, mechanism...)")
    p.add_argument("--level", help="only findings at this level")

    p = commands.add_parser("export", help="export records, decisions or findings")
    p.add_argument("--what", required=True, choices=EXPORT_WHAT)
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx|FILE.ris|FILE.bib")
    p.add_argument(
        "--wide",
        action="store_true",
        help="findings only: one row per study, a column per 'type: level: theme' (cells #1, #2 group a finding)",
    )

    p = commands.add_parser(
        "simulate",
        help="replay a labelled set (title, abstract, a 0/1 label) with prioritised screening; "
        "prints WSS@95, recall after 10%% and 25%% screened, records screened to 95%% and 100%% of includes",
    )
    p.add_argument("labelled", metavar="LABELLED.csv")
    p.add_argument("--seed", type=int, default=42, help="draws the prior (one include, one exclude)")
    p.add_argument("--out", metavar="ORDER.csv", help="write the screening order: source_key,rank")

    p = commands.add_parser("backup", help="write a whole project to one file")
    p.add_argument("--out", required=True, metavar="FILE")

    p = commands.add_parser("restore", help="restore a project from a backup file")
    p.add_argument("file", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.db = database_url(args.db)
    args.project_given = args.project or os.environ.get("REVIEW_PROJECT")
    args.project = args.project_given or DEFAULT_PROJECT
    if args.command in NOT_YET:
        print(
            f"{args.command}: not available yet (it comes with {NOT_YET[args.command]})",
            file=sys.stderr,
        )
        return EXIT_NOT_AVAILABLE
    handler = HANDLERS[args.command]
    try:
        return handler(args)
    except BadInput as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT


def run_import(args: argparse.Namespace) -> int:
    from review.records.importing import import_paths

    summaries = import_paths(
        get_engine(args.db),
        args.project,
        args.files,
        format=args.format,
        source_database=args.source_db,
        skip_bad=args.skip_bad,
        force=args.force,
        imported_by=_current_user(),
    )
    for summary in summaries:
        print(summary.message())
        for line in summary.skipped:
            print(f"skipped {line}", file=sys.stderr)
    return EXIT_OK


def run_dedup(args: argparse.Namespace) -> int:
    """Deduplicate, print the counts (a fixed form scripts parse), optionally write the report."""
    import csv

    from review.records.dedup_store import run_dedup as deduplicate
    from review.records.dedup_views import REPORT_COLUMNS, dedup_report_rows, dedup_summary
    from review.store.projects import ensure_project

    engine = get_engine(args.db)
    project_id = ensure_project(engine, args.project)
    deduplicate(engine, project_id, decided_by=_current_user())
    summary = dedup_summary(engine, project_id)
    print(f"records: {summary.records}")
    print(f"clusters: {summary.clusters}")
    print(f"merged automatically: {summary.merged_automatically}")
    print(f"pairs left for review: {summary.pairs_waiting}")
    if args.report:
        rows = dedup_report_rows(engine, project_id)
        out = Path(args.report)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote the report of {len(rows)} records to {args.report}")
    return EXIT_OK


def run_screen(args: argparse.Namespace) -> int:
    from review.screening.csv_import import import_decisions_file
    from review.store.projects import ensure_project

    engine = get_engine(args.db)
    summary = import_decisions_file(engine, ensure_project(engine, args.project), args.csv)
    print(summary.message())
    if summary.reviewers_created:
        print(
            f"created reviewer accounts: {', '.join(summary.reviewers_created)} "
            "(they sign in once an owner sets their password)",
            file=sys.stderr,
        )
    return EXIT_OK


def run_agreement(args: argparse.Namespace) -> int:
    from review.people import Actor
    from review.screening.service import agreement_report
    from review.store.projects import ensure_project

    engine = get_engine(args.db)
    project_id = ensure_project(engine, args.project)
    report = agreement_report(engine, project_id, Actor.operator(project_id), args.stage)
    rows = report.rows()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("no reviewer pair has decided records yet")
        return EXIT_OK
    print(_agreement_table(rows))
    return EXIT_OK


def _agreement_table(rows: list[dict[str, object]]) -> str:
    def number(value: object, percent: bool = False) -> str:
        if not isinstance(value, float | int):
            return "n/a"
        return f"{value * 100:.1f}%" if percent else f"{value:.3f}"

    header = ("stage", "reviewer_a", "reviewer_b", "n", "agreement", "kappa", "PABAK", "prevalence")
    table = [header] + [
        (
            str(row["stage"]),
            str(row["reviewer_a"]),
            str(row["reviewer_b"]),
            str(row["n"]),
            number(row["agreement"], percent=True),
            number(row["kappa"]),
            number(row["pabak"]),
            number(row["prevalence"]),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for line in table:
        cells = zip(line, widths, strict=True)
        lines.append("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(cells)))
    return "\n".join(lines)


def run_prisma(args: argparse.Namespace) -> int:
    from review.screening.prisma import render_prisma_png, render_prisma_svg
    from review.screening.service import prisma_counts
    from review.store.projects import ensure_project

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in PRISMA_SUFFIXES:
        print(f"{args.out}: choose .svg, .png or .json", file=sys.stderr)
        return EXIT_BAD_INPUT
    engine = get_engine(args.db)
    counts = prisma_counts(engine, ensure_project(engine, args.project))
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        out.write_text(json.dumps(counts.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        svg = render_prisma_svg(counts, title=args.project)
        if suffix == ".svg":
            out.write_text(svg, encoding="utf-8")
        else:
            out.write_bytes(render_prisma_png(svg))
    print(
        f"wrote the PRISMA-ScR flow diagram of project {args.project!r} to {args.out} "
        f"({counts.identified_total} records identified, {counts.included} included)"
    )
    return EXIT_OK


def run_findings(args: argparse.Namespace) -> int:
    from review.extraction.long_table import import_findings
    from review.extraction.wide_findings import import_wide_findings
    from review.records.importing import load_source
    from review.store.projects import ensure_project

    engine = get_engine(args.db)
    summary = (import_wide_findings if args.wide else import_findings)(
        engine,
        ensure_project(engine, args.project),
        load_source(args.csv),
        imported_by=_current_user(),
        include_unscreened=not args.only_included,
        add_themes=not args.no_new_themes,
    )
    print(summary.message())
    return EXIT_OK


def run_map(args: argparse.Namespace) -> int:
    """The evidence map of the project's consensus findings: .html the offline network, .svg/.png
    the evidence-gap matrix (themes x levels), .graphml the graph; --type/--level filter first."""
    from review.mapping.export import write_graphml
    from review.mapping.from_store import map_findings
    from review.mapping.graph import build_graph
    from review.mapping.matrix import chart_png, chart_svg, matrix_chart, matrix_counts
    from review.mapping.model import MapFilter, apply_filter
    from review.mapping.render import render_html
    from review.store.projects import ensure_project

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in MAP_SUFFIXES:
        print(f"{args.out}: choose .html, .svg, .png or .graphml", file=sys.stderr)
        return EXIT_BAD_INPUT
    engine = get_engine(args.db)
    findings = map_findings(engine, ensure_project(engine, args.project))
    if not findings:
        print(
            f"map: project {args.project!r} has no findings yet (chart the included studies, "
            "or `findings import` a CSV)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    wanted = MapFilter(
        types={args.type} if args.type else None, levels={args.level} if args.level else None
    )
    kept = apply_filter(findings, wanted)
    if not kept:
        chosen = ", ".join(f"{name} {value!r}" for name, value in (("type", args.type), ("level", args.level)) if value)
        print(f"map: no finding of project {args.project!r} matches {chosen}", file=sys.stderr)
        return EXIT_FAILED
    title = f"Evidence map: {args.project}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        out.write_text(render_html(build_graph(kept), title=title), encoding="utf-8")
    elif suffix == ".graphml":
        write_graphml(build_graph(kept), out)
    else:
        chart = matrix_chart(matrix_counts(kept), title=title)
        if suffix == ".svg":
            out.write_text(chart_svg(chart), encoding="utf-8")
        else:
            out.write_bytes(chart_png(chart))
    studies = len({finding.study_id for finding in kept})
    print(f"wrote the evidence map of {studies} {'study' if studies == 1 else 'studies'} "
          f"({len(kept)} {'finding' if len(kept) == 1 else 'findings'}) to {args.out}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from review.exports import ExportError, export_project

    suffix = Path(args.out).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        print(f"{args.out}: choose .csv, .xlsx, .ris or .bib", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.wide and args.what != "findings":
        print("export: --wide is for --what findings", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        count = export_project(get_engine(args.db), args.project, args.what, EXPORT_FORMATS[suffix], args.out,
                               wide=args.wide)
    except ExportError as error:
        print(f"export: {error}", file=sys.stderr)
        return EXIT_NOT_AVAILABLE if error.not_available else EXIT_FAILED
    print(f"exported {count} {'studies with findings' if args.wide else args.what} to {args.out}")
    return EXIT_OK


def run_simulate(args: argparse.Namespace) -> int:
    """Replay a labelled set; print one figure a line (names stable), optionally write the order."""
    from review.records.importing import load_source
    from review.screening.simulate import read_labelled, simulate_order, simulation_metrics, write_order

    labelled = read_labelled(load_source(args.labelled))
    order = simulate_order(labelled.texts, labelled.labels, seed=args.seed)
    for line in simulation_metrics([labelled.labels[row] for row in order]).lines():
        print(line)
    if args.out:
        write_order(Path(args.out), labelled.source_keys, order)
        print(f"wrote the screening order of {len(order)} records to {args.out}")
    return EXIT_OK


def run_backup(args: argparse.Namespace) -> int:
    from review.store.backup import BackupError, write_backup

    try:
        counts = write_backup(get_engine(args.db), args.project, args.out)
    except BackupError as error:
        print(f"backup: {error}", file=sys.stderr)
        return EXIT_FAILED
    rows = sum(counts.values())
    print(f"backed up project {args.project!r} ({rows} rows in {len(counts)} tables) to {args.out}")
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    from review.store.backup import BackupError, read_backup, restore_project

    try:
        name = restore_project(get_engine(args.db), read_backup(args.file), args.project_given)
    except BackupError as error:
        print(f"restore: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"restored project {name!r} from {args.file}")
    return EXIT_OK


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "import": run_import,
    "dedup": run_dedup,
    "screen": run_screen,
    "agreement": run_agreement,
    "prisma": run_prisma,
    "findings": run_findings,
    "map": run_map,
    "export": run_export,
    "simulate": run_simulate,
    "backup": run_backup,
    "restore": run_restore,
}
