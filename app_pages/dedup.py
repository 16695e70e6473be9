"""Deduplicate: find duplicates (sure ones merged, the rest queued), decide the queued pairs side
by side, and undo any merge.

Every imported text shown here is escaped: titles and abstracts can hold markup (`<script>`).
"""

import html
import math

import pandas as pd
import streamlit as st

from app_pages.common import current_project, current_user, engine, md_escape, plural
from review.records.dedup import DedupSettings, describe_settings
from review.records.dedup_store import (
    DedupError,
    dedup_settings,
    mark_distinct,
    merge_pair,
    run_dedup,
    save_dedup_settings,
    undo_merge,
)
from review.records.dedup_views import (
    ClusterView,
    DedupSummary,
    ReviewItem,
    clusters,
    dedup_summary,
    review_queue,
)
from review.records.model import CANONICAL_FIELDS, Record

CLUSTERS_PER_PAGE = 10
FILTER_LABELS = {"all": "All", "auto": "Merged automatically", "manual": "Merged by a person"}
METHOD_LABELS = {"auto": "automatically", "manual": "by a person"}
FIELD_LABELS = {"doi": "DOI", "pmid": "PMID", "isbn": "ISBN", "issn": "ISSN", "url": "URL"}
VERDICT_LABELS = {"": "—"}
MEMBER_COLUMNS = {
    "record": st.column_config.NumberColumn("Record", format="%d", width="small"),
    "linked": st.column_config.TextColumn("Linked", width="medium"),
    "database": st.column_config.TextColumn("Database", width="medium"),
    "file": st.column_config.TextColumn("File", width="medium"),
    "key": st.column_config.TextColumn("Key in the file", width="medium"),
    "title": st.column_config.TextColumn("Title", width="large"),
}
COMPARE_STYLE = """
<style>
.rm-compare { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.9rem; }
.rm-compare th, .rm-compare td { border-bottom: 1px solid rgba(49, 51, 63, 0.12); padding: 0.35rem 0.5rem;
  vertical-align: top; text-align: left; overflow-wrap: anywhere; }
.rm-compare th { font-weight: 600; }
.rm-compare col.rm-field { width: 9rem; }
.rm-compare tr.rm-differs td { background: rgba(255, 189, 69, 0.25); }
.rm-compare tr.rm-differs td.rm-name::after { content: " ≠"; color: #b45309; font-weight: 600; }
.rm-compare td.rm-missing { color: rgba(49, 51, 63, 0.45); font-style: italic; }
.rm-compare div.rm-long { max-height: 9rem; overflow-y: auto; white-space: pre-wrap; }
</style>
"""


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def comparable(value: object) -> str:
    """What two values are compared on: their letters and digits, case-folded. A trailing full
    stop or "Lambert M.J." against "Lambert, MJ" is how two databases write the same value, not a
    difference worth the reviewer's eye (the field scores below agree)."""
    return "".join(character for character in shown(value).casefold() if character.isalnum())


def fields_html(records: list[Record], headings: list[str], keys: bool = True) -> str:
    """Records field by field as an HTML table, one column each; with two records, the rows that
    differ are highlighted. Every value is escaped (`html.escape`): imported markup shows as text.
    `keys`: show each record's key in its file (not for a merged record, which has many)."""
    rows = []
    for name in (*CANONICAL_FIELDS, "source_database", *(["source_key"] if keys else [])):
        values = [getattr(record, name) for record in records]
        if not any(shown(value) for value in values):
            continue
        # Provenance always differs between two files: only bibliographic fields are highlighted.
        # A value missing on one side shows as "missing", not as a difference (nor does it score).
        differs = name in CANONICAL_FIELDS and len({comparable(v) for v in values if shown(v)}) > 1
        cells = []
        for value in values:
            text = html.escape(shown(value))
            if not text:
                cells.append('<td class="rm-missing">missing</td>')
            elif name == "abstract":
                cells.append(f'<td><div class="rm-long">{text}</div></td>')
            else:
                cells.append(f"<td>{text}</td>")
        row_class = ' class="rm-differs"' if differs else ""
        name_cell = f'<td class="rm-name">{html.escape(label(name))}</td>'
        rows.append(f"<tr{row_class}>{name_cell}{''.join(cells)}</tr>")
    columns = "<col>" * len(records)
    kind = "rm-compare rm-pair" if len(records) > 1 else "rm-compare"
    head = "".join(f"<th>{html.escape(heading)}</th>" for heading in headings)
    return (
        f"{COMPARE_STYLE}<table class='{kind}'><colgroup><col class='rm-field'>{columns}</colgroup>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def flash(kind: str, text: str) -> None:
    st.session_state["dedup_message"] = (kind, text)


def show_flash() -> None:
    message = st.session_state.pop("dedup_message", None)
    if message:
        kind, text = message
        {"ok": st.success, "error": st.error, "info": st.info}[kind](text)


# -- actions (widget callbacks: they run before the page, so the page shows the new state) --------


def merge(project_id: int, pair_id: int) -> None:
    try:
        primary = merge_pair(engine(), project_id, pair_id, current_user())
    except DedupError as error:
        flash("error", md_escape(str(error)))
        return
    flash("ok", f"Merged: the records are now one group, known as record {primary}.")


def not_duplicates(project_id: int, pair_id: int) -> None:
    try:
        mark_distinct(engine(), project_id, pair_id, current_user())
    except DedupError as error:
        flash("error", md_escape(str(error)))
        return
    flash("ok", "Marked as not duplicates: this pair will not be proposed again.")


def skip(project_id: int, pair_id: int) -> None:
    skipped_pairs(project_id).add(pair_id)


def skipped_pairs(project_id: int) -> set[int]:
    skipped: dict[int, set[int]] = st.session_state.setdefault("dedup_skipped", {})
    return skipped.setdefault(project_id, set())


def undo(project_id: int, record_id: int, only_this_record: bool) -> None:
    try:
        freed = undo_merge(engine(), project_id, record_id, current_user(), only_this_record=only_this_record)
    except DedupError as error:
        flash("error", md_escape(str(error)))
        return
    names = ", ".join(str(r) for r in freed)
    flash("ok", f"Undone: {plural(len(freed), 'record', 'records')} {names} stand alone again.")


def setting_key(project_id: int, name: str) -> str:
    """Threshold widgets are kept per project: switching projects shows that project's values."""
    return f"dedup_setting_{project_id}_{name}"


def save_thresholds(project_id: int, names: list[str]) -> None:
    values = {name: st.session_state[setting_key(project_id, name)] for name in names}
    try:
        settings = DedupSettings(**values)
    except ValueError as error:
        flash("error", f"Not saved: {md_escape(str(error))}.")
        return
    save_dedup_settings(engine(), project_id, settings)
    flash("ok", "Thresholds saved. The next run compares every record with these.")


def reset_thresholds(project_id: int) -> None:
    save_dedup_settings(engine(), project_id, DedupSettings())
    for info in describe_settings():
        st.session_state.pop(setting_key(project_id, info.name), None)
    flash("ok", "Thresholds back to their defaults.")


# -- sections -------------------------------------------------------------------------------------


def summary_metrics(summary: DedupSummary) -> None:
    columns = st.columns(5)
    columns[0].metric("Records", f"{summary.records:,}")
    columns[1].metric("Clusters", f"{summary.clusters:,}", help="Groups of two or more duplicate records")
    columns[2].metric("Merged automatically", f"{summary.merged_automatically:,}")
    columns[3].metric("Merged by a person", f"{summary.merged_manually:,}")
    columns[4].metric("Pairs waiting", f"{summary.pairs_waiting:,}")
    notes = [f"{summary.unique_records:,} records remain once duplicates are set aside."]
    if summary.last_run:
        run = summary.last_run
        who = f" by {run.get('by')}" if run.get("by") else ""
        notes.append(f"Last run {str(run.get('at', ''))[:16].replace('T', ' ')} UTC{who}.")
    else:
        notes.append("Not run yet.")
    if summary.settings_changed:
        notes.append("The thresholds changed since: the next run compares every record.")
    elif summary.last_run and summary.not_compared:
        notes.append(f"{summary.not_compared:,} newly imported records are not compared yet.")
    st.caption(md_escape(" ".join(notes)))


def run_section(project_id: int) -> None:
    run_column, option_column = st.columns([1, 3], vertical_alignment="center")
    again = option_column.checkbox(
        "Compare every record again",
        key="dedup_full",
        help="Normally a run compares only records imported since the last run with all the others.",
    )
    if run_column.button("Find duplicates", type="primary", icon=":material/join:", key="dedup_run"):
        bar = st.progress(0.0, text="Starting")

        def show_progress(fraction: float, text: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=text)

        outcome = run_dedup(
            engine(), project_id, decided_by=current_user(), progress=show_progress, full=again
        )
        if not outcome.full and not outcome.compared:
            flash("info", "No records were imported since the last run: there was nothing new to compare.")
        else:
            compared = (
                "every record"
                if outcome.full
                else f"{outcome.compared:,} new {plural(outcome.compared, 'record', 'records')}"
            )
            flash(
                "ok",
                f"Compared {compared} in {outcome.seconds:.1f} s: "
                f"{outcome.merged:,} merged automatically, {outcome.review_pairs_added:,} new "
                f"{plural(outcome.review_pairs_added, 'pair', 'pairs')} for review.",
            )
        st.rerun()


def thresholds_section(project_id: int) -> None:
    current = dedup_settings(engine(), project_id)
    infos = describe_settings(current)
    with st.expander("Thresholds"):
        st.caption(
            "A pair is merged automatically only on strong evidence from several fields; anything "
            "less certain waits for a person. Changing a threshold makes the next run compare every "
            "record; merges already made stay until someone undoes them."
        )
        with st.form("dedup_thresholds", border=False):
            columns = st.columns(2)
            for index, info in enumerate(infos):
                column = columns[index % 2]
                key = setting_key(project_id, info.name)
                title = f"{label(info.name)} (default {info.default})"
                if isinstance(info.default, float):
                    column.number_input(
                        title, 0.0, 1.0, float(info.value), step=0.01, format="%.2f", help=info.help, key=key
                    )
                else:
                    column.number_input(title, 0, 1000, int(info.value), step=1, help=info.help, key=key)
            st.form_submit_button(
                "Save thresholds", on_click=save_thresholds, args=(project_id, [i.name for i in infos])
            )
        changed = [i for i in infos if i.value != i.default]
        if changed:
            st.caption(md_escape("Changed from the default: " + ", ".join(label(i.name) for i in changed)))
            st.button(
                "Restore the defaults", on_click=reset_thresholds, args=(project_id,), key="dedup_reset"
            )


def review_section(project_id: int, waiting: int) -> None:
    st.subheader("Pairs waiting for a person", divider="gray")
    if not waiting:
        st.success("No pair is waiting: every candidate pair has been decided.")
        return
    skipped = skipped_pairs(project_id)
    items = review_queue(engine(), project_id, limit=1, exclude=skipped)
    if not items:
        st.info(f"You skipped every waiting pair ({waiting:,}).")
        if st.button("Show the skipped pairs again", key="dedup_unskip"):
            skipped.clear()
            st.rerun()
        return
    show_pair(project_id, items[0], waiting, len(skipped))


def show_pair(project_id: int, item: ReviewItem, waiting: int, skipped: int) -> None:
    position = f"{waiting:,} {plural(waiting, 'pair', 'pairs')} waiting"
    if skipped:
        position += f" ({skipped:,} skipped for now)"
    st.caption(f"{position}. Strongest first; similarity of this pair {item.score:.2f}.")

    def heading(record_id: int, size: int, record: Record) -> str:
        where = record.source_database or "record"
        group = f", in a group of {size}" if size > 1 else ""
        return f"{where} · record {record_id}{group}"

    st.html(
        fields_html(
            [item.record_a, item.record_b],
            [
                heading(item.record_a_id, item.group_a_size, item.record_a),
                heading(item.record_b_id, item.group_b_size, item.record_b),
            ],
        )
    )
    merge_column, distinct_column, skip_column, _ = st.columns([1, 1, 1, 2])
    args = (project_id, item.pair_id)
    merge_column.button(
        "Merge", type="primary", shortcut="M", on_click=merge, args=args, key="dedup_merge", width="stretch"
    )
    distinct_column.button(
        "Not duplicates",
        shortcut="N",
        on_click=not_duplicates,
        args=args,
        key="dedup_distinct",
        width="stretch",
    )
    skip_column.button("Skip", shortcut="S", on_click=skip, args=args, key="dedup_skip", width="stretch")
    scores_column, reasons_column = st.columns([3, 2])
    scores = pd.DataFrame(
        {
            "field": [label(f.name) for f in item.fields],
            "score": [f.score for f in item.fields],
            "verdict": [VERDICT_LABELS.get(f.verdict, f.verdict) for f in item.fields],
        }
    )
    scores_column.caption("Field scores (1 = the same; empty = missing in a record)")
    scores_column.dataframe(
        scores,
        hide_index=True,
        height="content",
        column_config={
            "field": st.column_config.TextColumn("Field"),
            "score": st.column_config.ProgressColumn(
                "Similarity", min_value=0.0, max_value=1.0, format="%.2f"
            ),
            "verdict": st.column_config.TextColumn("Verdict"),
        },
    )
    reasons_column.caption("Not merged automatically because")
    reasons_column.markdown("\n".join(f"- {md_escape(text)}" for text in item.reason_texts()) or "—")


def clusters_section(project_id: int, total: int) -> None:
    st.subheader("Merged groups", divider="gray")
    if not total:
        st.caption("No records are merged yet.")
        return
    filter_column, page_column = st.columns([3, 1], vertical_alignment="bottom")
    choice = filter_column.segmented_control(
        "Show",
        ["all", "auto", "manual"],
        default="all",
        format_func=FILTER_LABELS.__getitem__,
        key="dedup_cluster_filter",
    )
    method = None if choice in (None, "all") else choice
    first = clusters(engine(), project_id, limit=CLUSTERS_PER_PAGE, offset=0, method=method)
    pages = max(1, math.ceil(first.total / CLUSTERS_PER_PAGE))
    page_key = f"dedup_cluster_page_{project_id}_{method}"
    # An undo can empty the last page: never ask for a page beyond the last.
    st.session_state[page_key] = min(st.session_state.get(page_key, 1), pages)
    number = page_column.number_input("Page", 1, pages, key=page_key)
    page = (
        first
        if number == 1
        else clusters(engine(), project_id, CLUSTERS_PER_PAGE, (number - 1) * CLUSTERS_PER_PAGE, method)
    )
    st.caption(f"{page.total:,} {plural(page.total, 'group', 'groups')}; page {number} of {pages}.")
    for cluster in page.clusters:
        show_cluster(project_id, cluster)


def show_cluster(project_id: int, cluster: ClusterView) -> None:
    title = cluster.merged.title or "(no title)"
    short = title if len(title) <= 110 else title[:107] + "…"
    size = len(cluster.members)
    with st.expander(f"{md_escape(short)} · {size} records, merged {METHOD_LABELS[cluster.method]}"):
        st.caption("Records in the group (the first is the one screening sees)")
        st.dataframe(
            pd.DataFrame(
                {
                    "record": [m.record_id for m in cluster.members],
                    "linked": [METHOD_LABELS.get(m.method or "", "primary") for m in cluster.members],
                    "database": [m.record.source_database or "" for m in cluster.members],
                    "file": [m.source_file for m in cluster.members],
                    "key": [m.record.source_key or "" for m in cluster.members],
                    "title": [m.record.title or "" for m in cluster.members],
                }
            ),
            hide_index=True,
            height="content",
            column_config=MEMBER_COLUMNS,
        )
        merged_column, actions_column = st.columns([4, 1])
        merged_column.caption("Merged record: the most complete value of each field (nothing is overwritten)")
        merged_column.html(fields_html([cluster.merged], ["Merged"], keys=False))
        actions_column.button(
            "Undo this merge",
            icon=":material/undo:",
            on_click=undo,
            args=(project_id, cluster.primary_id, False),
            key=f"dedup_undo_{cluster.primary_id}",
            help="Every record of the group stands alone again; they will not be merged again.",
            width="stretch",
        )
        if size > 2:
            ids = [m.record_id for m in cluster.members]
            chosen = actions_column.selectbox(
                "Take one record out", ids, key=f"dedup_take_out_choice_{cluster.primary_id}", format_func=str
            )
            actions_column.button(
                "Take it out",
                on_click=undo,
                args=(project_id, chosen, True),
                key=f"dedup_take_out_{cluster.primary_id}",
                help="Only this record leaves the group; it will not be merged with the others again.",
                width="stretch",
            )


# -- the page -------------------------------------------------------------------------------------

project = current_project()
st.title("Deduplicate")
show_flash()
summary = dedup_summary(engine(), project.id)
if not summary.records:
    st.info("This project has no records yet.")
    st.page_link("app_pages/import_records.py", label="Import search exports", icon=":material/upload_file:")
    st.stop()
summary_metrics(summary)
run_section(project.id)
thresholds_section(project.id)
review_section(project.id, summary.pairs_waiting)
clusters_section(project.id, summary.clusters)
