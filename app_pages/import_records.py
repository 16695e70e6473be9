"""Import: upload search exports, check what was read, then store every file (or none)."""

import hashlib

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app_pages.common import current_project, current_user, engine, md_escape, plural
from review.records import importing
from review.records.importing import (
    FileImport,
    ImportSummary,
    check_problems,
    commit_imports,
    mark_already_imported,
    read_file,
    too_large,
)
from review.records.readers import FORMATS, BadInput, ReadResult, SourceFile
from review.records.readers.table import MAPPABLE_FIELDS, guess_columns, table_headers
from review.store.engine import session_scope
from review.store.sources import source_summary

TABLE_FORMATS = ("csv", "xlsx")
PREVIEW_ROWS = 5
UNMAPPED = ""
PREVIEW_COLUMNS = {
    # Widths that fit the page together, so the DOI column is not cut off.
    "title": st.column_config.TextColumn("Title", width=300),
    "authors": st.column_config.TextColumn("Authors", width=140),
    "year": st.column_config.NumberColumn("Year", format="%d", width=60),
    "journal": st.column_config.TextColumn("Journal", width=140),
    "doi": st.column_config.TextColumn("DOI", width=190),
}


@st.cache_data(max_entries=10, ttl="1h", show_spinner="Reading the file…")
def read_cached(
    sha256: str,
    name: str,
    _data: bytes,
    format: str,
    source_database: str,
    column_map: tuple[tuple[str, str], ...],
) -> tuple[ReadResult | None, str | None]:
    # Keyed on the content's hash, not the bytes (hashing 200 MB per rerun is what we avoid).
    # The result is cached without the bytes, and a whole-file error is cached too.
    try:
        plan = read_file(SourceFile(name, _data), format, source_database or None, dict(column_map) or None)
    except BadInput as error:
        return None, str(error)
    return plan.result, None


@st.cache_data(max_entries=10, ttl="1h", show_spinner=False)
def headers_cached(sha256: str, name: str, _data: bytes) -> list[str]:
    try:
        return table_headers(SourceFile(name, _data))
    except BadInput:
        return []


def content_hash(upload: UploadedFile) -> str:
    """The SHA-256 of an upload, computed once per upload (not on every rerun)."""
    hashes: dict[str, str] = st.session_state.setdefault("upload_hashes", {})
    if upload.file_id not in hashes:
        hashes[upload.file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return hashes[upload.file_id]


def read_upload(
    upload: UploadedFile, format: str, source_database: str, column_map: dict[str, str]
) -> FileImport | str:
    """The file read with the user's choices, or the reason it cannot be read at all."""
    data = upload.getvalue()
    sha256 = content_hash(upload)
    result, error = read_cached(
        sha256, upload.name, data, format, source_database, tuple(sorted(column_map.items()))
    )
    if result is None:
        return error or f"{upload.name}: cannot be read"
    return FileImport(SourceFile(upload.name, data), result, sha256, result.source_database)


def preview_table(plan: FileImport) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "title": record.title,
                "authors": "; ".join(record.authors),
                "year": record.year,
                "journal": record.journal,
                "doi": record.doi or "",
            }
            for record in plan.records[:PREVIEW_ROWS]
        ],
        columns=["title", "authors", "year", "journal", "doi"],
    )


def column_map_form(upload: UploadedFile, format: str) -> dict[str, str]:
    """Selectboxes field → column, starting from the guess; returns only what the user changed."""
    headers = headers_cached(content_hash(upload), upload.name, upload.getvalue())
    if not headers:
        return {}
    guessed = guess_columns(headers)
    overrides: dict[str, str] = {}
    with st.expander("Column mapping"):
        st.caption("Which column holds each field. Guessed from the header row; change any that are wrong.")
        grid = st.columns(4)
        for index, field in enumerate(MAPPABLE_FIELDS):
            options = [UNMAPPED, *headers]
            chosen = grid[index % 4].selectbox(
                field.replace("_", " "),
                options,
                index=options.index(guessed.get(field, UNMAPPED)),
                format_func=lambda header: header or "—",
                key=f"column_{upload.file_id}_{format}_{field}",
            )
            if chosen != guessed.get(field, UNMAPPED):
                overrides[field] = chosen
    return overrides


def file_panel(upload: UploadedFile) -> tuple[FileImport | None, bool]:
    """Everything the user should see and may change about one file before it is stored.

    Returns the file as read (None if it cannot be read at all) and whether to import it again
    if this project has it already.
    """
    st.subheader(md_escape(upload.name), divider="gray")
    refusal = too_large(upload.name, upload.size)
    if refusal is not None:  # refused before its bytes are read, hashed or cached
        st.error(md_escape(str(refusal)))
        return None, False
    left, right = st.columns(2)
    format = left.selectbox(
        "Format",
        ["auto", *FORMATS],
        format_func=lambda name: "auto (detect from content)" if name == "auto" else FORMATS[name].label,
        key=f"format_{upload.file_id}",
    )
    plan = read_upload(upload, format, "", {})
    read_as = plan.result.format if isinstance(plan, FileImport) else format
    column_map = column_map_form(upload, read_as) if read_as in TABLE_FORMATS else {}
    if column_map:
        plan = read_upload(upload, format, "", column_map)
    if isinstance(plan, str):
        st.error(md_escape(plan))
        return None, False

    detected_database = plan.source_database or ""
    source_database = right.text_input(
        "Source database",
        value=detected_database,
        placeholder="e.g. PubMed, Scopus, Web of Science",
        key=f"database_{upload.file_id}_{plan.result.format}",
    ).strip()
    if source_database and source_database != detected_database:
        named = read_upload(upload, format, source_database, column_map)
        plan = named if isinstance(named, FileImport) else plan
    mark_already_imported(engine(), current_project().name, [plan])

    counts = [f"**{len(plan.records):,}** {plural(len(plan.records), 'record', 'records')}"]
    if plan.problems:
        counts.append(
            f"**{len(plan.problems):,}** {plural(len(plan.problems), 'entry', 'entries')} that cannot be read"
        )
    st.markdown(
        f"Detected format: **{md_escape(FORMATS[plan.result.format].label)}** · " + " · ".join(counts)
    )
    if plan.records:
        st.dataframe(preview_table(plan), hide_index=True, column_config=PREVIEW_COLUMNS)
    if plan.problems:
        st.caption("Entries that cannot be read")
        st.code(
            "\n".join(plan.problem_lines()),
            language=None,
            wrap_lines=True,
            height=min(40 + 24 * len(plan.problems), 240),
        )

    force = False
    if plan.already_imported:
        name, when = plan.already_imported
        st.warning(f"This file was already imported into this project on {when} (as {md_escape(name)}).")
        force = st.checkbox("Import again anyway", key=f"force_{upload.file_id}")
    return plan, force


def blocking_reasons(plans: list[FileImport | None], forced: list[bool], skip_bad: bool) -> list[str]:
    reasons = []
    if any(plan is None for plan in plans):
        reasons.append("A file cannot be read at all (see above): remove it, or choose its format.")
    readable = [plan for plan in plans if plan is not None]
    try:
        check_problems(readable, skip_bad)
    except BadInput as error:
        advice = "" if skip_bad else " — tick “Skip bad entries” to import the rest, or fix the file."
        reasons.append(f"{error}{advice}")
    for plan, force in zip(plans, forced, strict=True):
        if plan is not None and plan.already_imported and not force:
            reasons.append(
                f"{plan.source.name} was imported before: tick “Import again anyway” to import it again."
            )
    return reasons


def store(plans: list[FileImport], skip_bad: bool, force: bool) -> list[ImportSummary] | None:
    bar = st.progress(0.0, text="Storing records…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Storing records… {done:,} of {total:,}")

    try:
        return commit_imports(
            engine(),
            current_project().name,
            plans,
            skip_bad=skip_bad,
            force=force,
            imported_by=current_user(),
            progress=progress,
        )
    except BadInput as error:
        bar.empty()
        st.error(f"Nothing was imported. {md_escape(str(error))}")
        return None


def show_outcome(outcome: list[tuple[str, list[str]]]) -> None:
    for message, skipped in outcome:
        st.success(md_escape(message))
        if skipped:
            st.caption(f"{len(skipped):,} {plural(len(skipped), 'entry', 'entries')} skipped")
            st.code("\n".join(skipped), language=None, wrap_lines=True)


def sources_table() -> None:
    st.header("Sources in this project")
    with session_scope(engine()) as session:
        sources = source_summary(session, current_project().id)
    if not sources:
        st.info("No file has been imported into this project yet.")
        return
    table = pd.DataFrame(sources)
    table["skipped"] = table["skipped"].map(len)
    table["format"] = table["format"].map(lambda name: FORMATS[name].label if name in FORMATS else name)
    st.dataframe(
        table,
        hide_index=True,
        column_order=[
            "file_name",
            "format",
            "source_database",
            "records",
            "skipped",
            "imported_by",
            "imported_at",
        ],
        column_config={
            "file_name": "File",
            "format": "Format",
            "source_database": "Database",
            "records": st.column_config.NumberColumn("Records", format="localized"),
            "skipped": st.column_config.NumberColumn("Skipped entries"),
            "imported_by": "Imported by",
            "imported_at": st.column_config.DatetimeColumn("Imported at", format="YYYY-MM-DD HH:mm"),
        },
    )
    skipped = [line for source in sources for line in source["skipped"]]
    if skipped:
        with st.expander(f"Skipped entries ({len(skipped):,})"):
            st.code("\n".join(skipped), language=None, wrap_lines=True)


st.title("Import records")
st.caption(
    f"Into project {md_escape(current_project().name)}. Upload search exports (BibTeX, RIS, PubMed/MEDLINE, "
    "Web of Science, CSV/TSV/XLSX, EndNote XML, CSL-JSON): nothing is stored until you press Import."
)
show_outcome(st.session_state.pop("import_outcome", []))

uploads = st.file_uploader(
    "Search exports",
    accept_multiple_files=True,
    # The browser refuses larger files itself; `file_panel` refuses them too, naming each one.
    max_upload_size=max(1, round(importing.MAX_FILE_BYTES / 1024 / 1024)),
    key=f"uploads_{st.session_state.setdefault('uploader_round', 0)}",
)
# Forget the hashes of files no longer in the uploader.
st.session_state["upload_hashes"] = {
    upload.file_id: digest
    for upload in uploads or []
    if (digest := st.session_state.get("upload_hashes", {}).get(upload.file_id))
}
if uploads:
    panels = [file_panel(upload) for upload in uploads]
    plans = [plan for plan, _ in panels]
    forced = [force for _, force in panels]
    st.divider()
    skip_bad = st.checkbox(
        "Skip bad entries",
        help="Import the entries that can be read and list the others. "
        "Otherwise a file with a bad entry is refused.",
    )
    reasons = blocking_reasons(plans, forced, skip_bad)
    for reason in reasons:
        st.error(md_escape(reason))
    ready = [plan for plan in plans if plan is not None]
    total = sum(len(plan.records) for plan in ready)
    if st.button(f"Import {total:,} records", type="primary", disabled=bool(reasons), key="import"):
        # Not blocked, so every file imported before has "Import again anyway" ticked.
        summaries = store(ready, skip_bad, force=any(forced))
        if summaries is not None:
            st.session_state["import_outcome"] = [
                (summary.message(), summary.skipped) for summary in summaries
            ]
            st.session_state["uploader_round"] += 1
            st.rerun()

sources_table()
