"""`python -m review`: the same functions as the app, from a shell.

The command names, options and outputs are a contract (DESIGN.md, "Command line"): scripts and
tests outside the project rely on them.
"""

from __future__ import annotations

import argparse
import getpass
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
NOT_YET: dict[str, str] = {
    "dedup": "deduplication",
    "screen": "dual screening",
    "agreement": "dual screening",
    "prisma": "dual screening and the PRISMA-ScR diagram",
    "findings": "extraction",
    "map": "the evidence map",
    "simulate": "screening prioritisation",
}
EXPORT_WHAT = ("records", "included", "decisions", "findings")
EXPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".ris": "ris", ".bib": "bibtex"}


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
    screen.add_parser("import", help="import decisions from a CSV").add_argument("csv", metavar="CSV")

    p = commands.add_parser("agreement", help="agreement between reviewers (kappa, PABAK)")
    p.add_argument("--stage", choices=["title_abstract", "full_text"])
    p.add_argument("--json", action="store_true")

    p = commands.add_parser("prisma", help="the PRISMA-ScR flow diagram")
    p.add_argument("--out", required=True, metavar="FILE.svg|FILE.png|FILE.json")

    p = commands.add_parser("findings", help="extracted findings")
    findings = p.add_subparsers(dest="findings_command", required=True, metavar="SUBCOMMAND")
    findings.add_parser("import", help="import findings from a CSV").add_argument("csv", metavar="CSV")

    p = commands.add_parser("map", help="the evidence map")
    p.add_argument("--out", required=True, metavar="FILE.html|FILE.svg|FILE.png|FILE.graphml")
    p.add_argument("--type")
    p.add_argument("--level")

    p = commands.add_parser("export", help="export records, decisions or findings")
    p.add_argument("--what", required=True, choices=EXPORT_WHAT)
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx|FILE.ris|FILE.bib")

    p = commands.add_parser("simulate", help="replay a labelled set with prioritised screening")
    p.add_argument("labelled", metavar="LABELLED.csv")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", metavar="ORDER.csv")

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


def run_export(args: argparse.Namespace) -> int:
    from review.exports import ExportError, export_project

    suffix = Path(args.out).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        print(f"{args.out}: choose .csv, .xlsx, .ris or .bib", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        count = export_project(get_engine(args.db), args.project, args.what, EXPORT_FORMATS[suffix], args.out)
    except ExportError as error:
        print(f"export: {error}", file=sys.stderr)
        return EXIT_NOT_AVAILABLE if error.not_available else EXIT_FAILED
    print(f"exported {count} {args.what} to {args.out}")
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
    "export": run_export,
    "backup": run_backup,
    "restore": run_restore,
}
