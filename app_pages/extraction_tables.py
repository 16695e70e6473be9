"""What the Extract page shows about the characteristics form and the tables: the form editor (the
owner adds, edits and retires fields), agreement on characteristics, and bulk in and out (findings
long and wide, characteristics long and wide, as CSV or XLSX).

The rules (who may change the form, what a field or a row must be, all or nothing) live in
`review.extraction`; this module collects input and shows what those functions say, escaped. A
bad file lists every bad row (`FILE:LINE: reason`) in a code block, which shows text as text.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages.common import current_actor, current_project, engine, flash, md_escape, plural, show_flash
from review.extraction.characteristics_table import export_characteristics, import_characteristics
from review.extraction.findings import consensus_findings
from review.extraction.forms import (
    FIELD_TYPES,
    FieldSpec,
    FormError,
    add_field,
    form_overview,
    retire_field,
    update_field,
)
from review.extraction.long_table import FINDING_COLUMNS, finding_rows, import_findings
from review.extraction.reconciliation import characteristics_agreement
from review.extraction.wide_findings import export_wide_findings, import_wide_findings
from review.extraction.wide_table import export_coding_table, import_coding_table
from review.people import Actor, PermissionDenied
from review.records.readers.base import BadInput, SourceFile
from review.records.writers import write_table

KEY = "extract"
TYPE_LABELS = {
    "text": "Text", "number": "Number", "single": "Single choice", "multiple": "Multiple choice", "year": "Year",
    "country": "Country",
}  # fmt: skip

# -- the characteristics form ---------------------------------------------------------------------


def _choices(name: str) -> list[str]:
    return [line.strip() for line in str(st.session_state.get(name) or "").splitlines() if line.strip()]


def _form_action(action: str) -> None:
    state = st.session_state
    project_id = current_project().id
    try:
        actor = current_actor()
        if action == "add":
            spec = add_field(engine(), project_id, actor, FieldSpec(
                key=str(state.get(f"{KEY}_field_key") or "").strip(),
                label=str(state.get(f"{KEY}_field_label") or ""),
                field_type=str(state.get(f"{KEY}_field_type") or "text"),
                choices=tuple(_choices(f"{KEY}_field_choices")),
            ))  # fmt: skip
            for name in ("key", "label", "choices"):
                state[f"{KEY}_field_{name}"] = ""
            message = f"Added the field “{md_escape(spec.label)}” ({spec.key})."
        elif action == "edit":
            key = str(state.get(f"{KEY}_edit_field") or "")
            update_field(engine(), project_id, actor, key, str(state.get(f"{KEY}_edit_label_{key}") or ""),
                         _choices(f"{KEY}_edit_choices_{key}"))  # fmt: skip
            message = f"Changed the field {md_escape(key)}."
        else:
            key = str(state.get(f"{KEY}_retire_field") or "")
            restore = bool(state.get(f"{KEY}_retire_field_restore"))
            retire_field(engine(), project_id, actor, key, restore=restore)
            message = (f"Restored the field {md_escape(key)} with its values." if restore
                       else f"Retired the field {md_escape(key)}: it leaves the form; its values stay.")  # fmt: skip
    except PermissionDenied as error:
        flash(f"{KEY}_form", "error", f"Not allowed: {error}.")
        return
    except (FormError, ValueError) as error:
        flash(f"{KEY}_form", "error", f"Not changed: {md_escape(str(error))}.")
        return
    flash(f"{KEY}_form", "ok", message)


def form_editor_section(actor: Actor, project_id: int) -> None:
    """The fields of the characteristics form; the owner adds, edits, retires and restores them."""
    fields = form_overview(engine(), project_id)
    with st.expander("Characteristics form", icon=":material/list_alt:"):
        show_flash(f"{KEY}_form")
        st.dataframe(
            pd.DataFrame([{"key": f.spec.key, "label": f.spec.label, "type": TYPE_LABELS[f.spec.field_type],
                           "choices": "; ".join(f.spec.choices), "studies": f.studies,
                           "retired": "yes" if f.retired else ""} for f in fields]),
            hide_index=True, width="stretch",
        )  # fmt: skip
        if not actor.is_owner:
            st.caption("Only the project's owner changes the form.")
            return
        with st.form(f"{KEY}_field_add_form"):
            st.markdown("**Add a field**")
            cols = st.columns(3)
            cols[0].text_input("Key", key=f"{KEY}_field_key", placeholder="e.g. sample_size",
                               help="Lower-case letters, digits and _; the column name in the tables.")  # fmt: skip
            cols[1].text_input("Label", key=f"{KEY}_field_label", placeholder="e.g. Sample size")
            cols[2].selectbox("Type", FIELD_TYPES, key=f"{KEY}_field_type", format_func=TYPE_LABELS.__getitem__)
            st.text_area("Choices (one per line; single and multiple choice fields only)",
                         key=f"{KEY}_field_choices", height=90)  # fmt: skip
            st.form_submit_button("Add field", icon=":material/add:", on_click=_form_action, args=("add",))
        active = {f.spec.key: f for f in fields if not f.retired}
        if active:
            st.markdown("**Change a label or the choices** (a choice in use stays)")
            # The field is chosen outside the form, so that its label and choices fill the form.
            key = st.selectbox("Field to change", list(active), key=f"{KEY}_edit_field")
            chosen = active[key].spec if key in active else None
            if chosen is not None:
                with st.form(f"{KEY}_field_edit_form"):
                    cols = st.columns([1, 2])
                    cols[0].text_input("Label", value=chosen.label, key=f"{KEY}_edit_label_{chosen.key}")
                    cols[1].text_area("Choices (one per line)", value="\n".join(chosen.choices),
                                      key=f"{KEY}_edit_choices_{chosen.key}", height=90,
                                      disabled=chosen.field_type not in ("single", "multiple"))  # fmt: skip
                    st.form_submit_button("Change field", on_click=_form_action, args=("edit",))
        with st.form(f"{KEY}_field_retire_form"):
            st.markdown("**Retire or restore a field** (its values stay either way)")
            cols = st.columns(2)
            cols[0].selectbox("Field", [f.spec.key for f in fields], key=f"{KEY}_retire_field")
            cols[1].checkbox("Restore instead", key=f"{KEY}_retire_field_restore")
            st.form_submit_button("Retire / restore", on_click=_form_action, args=("retire",))


# -- agreement ------------------------------------------------------------------------------------


def characteristics_agreement_table(actor: Actor, project_id: int) -> None:
    """Per field: studies both coders charted, the share that agree, kappa for single choice."""
    try:
        rows = characteristics_agreement(engine(), project_id, actor)
    except PermissionDenied:
        return
    rows = [row for row in rows if row.n]
    if not rows:
        st.caption("Agreement on characteristics: no study has values of two coders yet.")
        return
    st.markdown("**Agreement on study characteristics** (studies two coders charted)")
    st.dataframe(
        pd.DataFrame([{"field": row.label, "type": TYPE_LABELS.get(row.field_type, row.field_type),
                       "studies": row.n, "agree": row.agreed, "agreement": row.agreement,
                       "kappa": row.kappa} for row in rows]),
        hide_index=True, width="stretch",
        column_config={"agreement": st.column_config.NumberColumn(format="percent"),
                       "kappa": st.column_config.NumberColumn(format="%.2f")},
    )  # fmt: skip


# -- bulk in and out ------------------------------------------------------------------------------

#: What an uploaded table holds → its import.
IMPORTS: dict[str, str] = {
    "findings_long": "Findings, long: one row per finding (source_key, type, level, theme[, finding, quote, page])",
    "findings_wide": "Findings, wide: one row per study, a column per 'type: level: theme' (cells #1, #2 or 1)",
    "characteristics_long": "Characteristics, long: one row per study and field (source_key, field, value, "
    "coded_by)",
    "characteristics_wide": "Characteristics, wide: a coding table, one row per study, a column per field",
}


def _run_import(what: str, actor: Actor, project_id: int, source: SourceFile) -> str:
    unscreened = bool(st.session_state.get(f"{KEY}_bulk_unscreened"))
    new_themes = bool(st.session_state.get(f"{KEY}_bulk_themes", True))
    if what == "findings_long":
        return import_findings(engine(), project_id, source, imported_by=actor.username,
                               include_unscreened=unscreened, add_themes=new_themes).message()  # fmt: skip
    if what == "findings_wide":
        return import_wide_findings(engine(), project_id, source, imported_by=actor.username,
                                    include_unscreened=unscreened, add_themes=new_themes).message()  # fmt: skip
    if what == "characteristics_long":
        return import_characteristics(engine(), project_id, source, imported_by=actor.username,
                                      include_unscreened=unscreened).message()  # fmt: skip
    return import_coding_table(engine(), project_id, source, imported_by=actor.username).message()


def import_section(actor: Actor, project_id: int) -> None:
    st.markdown("**Import a table** (CSV or XLSX; all or nothing: a bad row and nothing is written)")
    what = st.selectbox("The file holds", list(IMPORTS), format_func=IMPORTS.__getitem__, key=f"{KEY}_bulk_what")
    upload = st.file_uploader("Table", type=["csv", "tsv", "xlsx"], key=f"{KEY}_bulk_file")
    cols = st.columns(2)
    cols[0].checkbox("Chart studies not included by screening (as imported coding)", key=f"{KEY}_bulk_unscreened",
                     disabled=what == "characteristics_wide")  # fmt: skip
    cols[1].checkbox("Add themes the codebook lacks", value=True, key=f"{KEY}_bulk_themes",
                     disabled=not what.startswith("findings"))  # fmt: skip
    if st.button("Import", key=f"{KEY}_bulk_import", type="primary", disabled=upload is None):
        assert upload is not None
        try:
            message = _run_import(what, actor, project_id, SourceFile(upload.name, upload.getvalue()))
        except BadInput as error:
            problems = getattr(error, "problems", [error])
            st.error(f"Nothing imported: {len(problems)} {plural(len(problems), 'bad row', 'bad rows')}.")
            st.code(str(error), language=None)
        except PermissionDenied as error:
            st.error(f"Not allowed: {md_escape(str(error))}.")
        else:
            st.success(md_escape(message))


def export_section(project_id: int) -> None:
    database = engine()
    rows = finding_rows(consensus_findings(database, project_id))
    st.markdown(f"**Export** ({len(rows)} consensus {plural(len(rows), 'finding', 'findings')})")
    # The files are made when clicked (callables): an XLSX costs time on every rerun otherwise.
    files: list[tuple[str, str, Callable[[str], bytes]]] = [
        ("Findings, long", "findings", lambda fmt: write_table(rows, FINDING_COLUMNS, fmt)),
        ("Findings, wide", "findings_wide", lambda fmt: export_wide_findings(database, project_id, fmt)[0]),
        ("Characteristics, long", "characteristics", lambda fmt: export_characteristics(database, project_id, fmt)),
        ("Coding table, wide", "coding_table", lambda fmt: export_coding_table(database, project_id, fmt)),
    ]
    for label, name, make in files:
        cols = st.columns([2, 1, 1, 2], vertical_alignment="center")
        cols[0].markdown(label)
        for column, fmt, mime in ((cols[1], "csv", "text/csv"), (cols[2], "xlsx", None)):
            column.download_button(
                fmt.upper(), lambda make=make, fmt=fmt: make(fmt), f"{name}.{fmt}", mime, key=f"{KEY}_{name}_{fmt}",
                icon=":material/download:", on_click="ignore",
            )  # fmt: skip


def bulk_section(actor: Actor, project_id: int) -> None:
    with st.expander("Bulk import and export", icon=":material/table:"):
        if actor.is_owner:
            import_section(actor, project_id)
        export_section(project_id)
