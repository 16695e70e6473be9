"""Records: search, filter and page through the project's records; open one to see where it came from."""

import math

import pandas as pd
import streamlit as st

from app_pages.common import current_project, engine, md_escape
from review.records.model import CANONICAL_FIELDS
from review.store.engine import session_scope
from review.store.records import RecordQuery, count_records, page_records, year_bounds
from review.store.sources import RecordDetail, record_detail, source_summary

PAGE_SIZES = (25, 50, 100)
TABLE_HEIGHT = 600
TABLE_COLUMNS = ["title", "authors", "year", "journal", "doi", "source_database", "file_name"]

FIELD_COLUMNS = {
    "field": st.column_config.TextColumn("Field", width="medium"),
    "value": st.column_config.TextColumn("Value", width="large"),
}


def filters(
    project_id: int, sources: list[dict[str, object]], years: tuple[int | None, int | None]
) -> RecordQuery:
    """The search box, source and year filters; widgets are keyed per project (their options differ)."""
    text_column, source_column, year_column = st.columns([2, 2, 2])
    text = text_column.text_input(
        "Search", placeholder="words in title, abstract, authors, journal or DOI", key=f"search_{project_id}"
    )
    labels = {
        source[
            "id"
        ]: f"{source['file_name']} ({source['source_database'] or source['format']}, {source['records']:,})"
        for source in sources
    }
    source_ids = source_column.multiselect(
        "Sources",
        list(labels),
        format_func=labels.__getitem__,
        placeholder="all",
        key=f"sources_{project_id}",
    )
    low, high = years
    year_from, year_to = low, high
    if low is not None and high is not None and low < high:
        year_from, year_to = year_column.slider("Year", low, high, (low, high), key=f"years_{project_id}")
    elif low is not None:
        year_column.caption(f"Every dated record is from {low}.")
    include_missing = year_column.checkbox(
        "include records without a year", value=True, key=f"undated_{project_id}"
    )
    return RecordQuery(text.strip(), tuple(source_ids), year_from, year_to, include_missing)


def page_controls(total: int, query: RecordQuery) -> tuple[int, int, int]:
    """Rows per page and the page number (back to page 1 whenever the filters change)."""
    caption_column, size_column, number_column = st.columns([4, 1, 1], vertical_alignment="bottom")
    size = size_column.selectbox("Rows per page", PAGE_SIZES, index=1, key="records_page_size")
    last_page = max(1, math.ceil(total / size))
    if st.session_state.get("records_view") != (query, size):
        st.session_state["records_view"] = (query, size)
        st.session_state["records_page"] = 1
    st.session_state["records_page"] = min(st.session_state.get("records_page", 1), last_page)
    number = number_column.number_input("Page", min_value=1, max_value=last_page, step=1, key="records_page")
    offset = (number - 1) * size
    if total:
        caption_column.markdown(f"records {offset + 1:,}–{min(offset + size, total):,} of **{total:,}**")
    else:
        caption_column.markdown("No record matches these filters.")
    return number, offset, size


def records_table(rows: list[dict[str, object]], view: tuple[RecordQuery, int, int]) -> int | None:
    """The page of records; returns the id of the selected record, if any.

    A new view (filters, page size or page) gets a new table widget, so that a selection never
    jumps to whatever record now stands in the selected row.
    """
    if st.session_state.get("records_selection_view") != view:
        st.session_state["records_selection_view"] = view
        st.session_state["records_selection_round"] = st.session_state.get("records_selection_round", 0) + 1
    table = pd.DataFrame(rows, columns=["id", *TABLE_COLUMNS])
    table["authors"] = table["authors"].map(lambda authors: "; ".join(authors or []))
    event = st.dataframe(
        table,
        hide_index=True,
        column_order=TABLE_COLUMNS,
        column_config={
            "title": st.column_config.TextColumn("Title", width="large"),
            "authors": st.column_config.TextColumn("Authors", width="medium"),
            "year": st.column_config.NumberColumn("Year", format="%d"),
            "journal": "Journal",
            "doi": "DOI",
            "source_database": "Database",
            "file_name": "File",
        },
        height=min(40 + 35 * len(table), TABLE_HEIGHT),
        on_select="rerun",
        selection_mode="single-row",
        key=f"records_table_{st.session_state['records_selection_round']}",
    )
    selected = [row for row in event.selection.rows if row < len(table)]
    return int(table.iloc[selected[0]]["id"]) if selected else None


def show_record(detail: RecordDetail) -> None:
    """All canonical fields and the provenance, as data (titles may hold markup: never render it)."""
    record = detail.record
    st.subheader("Record", divider="gray")
    st.text(record.title or "(no title)")
    fields_column, provenance_column = st.columns(2)
    fields_column.dataframe(
        field_table({name: getattr(record, name) for name in CANONICAL_FIELDS if name != "abstract"}),
        hide_index=True,
        height="content",
        column_config=FIELD_COLUMNS,
    )
    provenance_column.dataframe(
        field_table(
            {
                "file": detail.file_name,
                "format": detail.format,
                "line": record.source_line,
                "key in the file": record.source_key,
                "source database": record.source_database,
                "imported by": detail.imported_by,
                "imported at": f"{detail.imported_at:%Y-%m-%d %H:%M}",
            }
        ),
        hide_index=True,
        height="content",
        column_config=FIELD_COLUMNS,
    )
    st.caption("Abstract")
    st.text(record.abstract or "(no abstract)")
    st.caption(f"The entry as it stands in {md_escape(detail.file_name)}")
    st.code(record.raw or "", language=None, wrap_lines=True)


def field_table(values: dict[str, object]) -> pd.DataFrame:
    def shown(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(str(item) for item in value)
        return str(value)

    return pd.DataFrame(
        {"field": [name.replace("_", " ") for name in values], "value": [shown(v) for v in values.values()]}
    )


project = current_project()
st.title("Records")
with session_scope(engine()) as session:
    sources = source_summary(session, project.id)
    years = year_bounds(session, project.id)
if not sources:
    st.info("This project has no records yet.")
    st.page_link("app_pages/import_records.py", label="Import search exports", icon=":material/upload_file:")
    st.stop()

query = filters(project.id, sources, years)
with session_scope(engine()) as session:
    total = count_records(session, project.id, query)
number, offset, size = page_controls(total, query)
with session_scope(engine()) as session:
    rows = page_records(session, project.id, query, offset, size)
record_id = records_table(rows, (query, size, number))
if record_id is None:
    st.caption("Select a row to see the whole record and where it came from.")
else:
    with session_scope(engine()) as session:
        detail = record_detail(session, project.id, record_id)
    if detail is not None:
        show_record(detail)
