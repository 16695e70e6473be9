"""Extract: chart the included studies. One study at a time: its characteristics and its findings
(type, levels, themes, description, verbatim quote, page; a mechanism linked to what it explains),
with the study's abstract and full text beside the forms. The codebook grows while coding; dual
extraction is reconciled here by the owner (agreement on findings and on characteristics beside
it); the owner edits the characteristics form; findings and characteristics go in and out in bulk
as CSV/XLSX, long and wide (`app_pages.extraction_tables`).

Every rule (who may do what, validation, blinding) lives in `review.extraction`; this page only
collects input and shows what those functions say. Text from records and coders is shown escaped.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from app_pages.common import (
    current_actor,
    current_project,
    denied,
    engine,
    flash,
    md_escape,
    plural,
    show_flash,
)
from app_pages.extraction_tables import bulk_section, characteristics_agreement_table, form_editor_section
from review.extraction.codebook import (
    add_code,
    codebook_csv,
    codebook_history,
    codebook_json,
    codebook_rows,
    ensure_codebook,
    merge_codes,
    rename_code,
    retire_code,
)
from review.extraction.findings import (
    FindingError,
    FindingView,
    add_finding,
    chartable_records,
    dual_extraction,
    findings_visible_to,
    retract_finding,
)
from review.extraction.forms import FieldSpec, characteristics_of, form_fields, set_characteristic
from review.extraction.model import CodebookError, FindingSpec, split_cell
from review.extraction.reconciliation import compare_coding, project_agreement, reconcile
from review.people import Actor, PermissionDenied
from review.screening.fulltext import full_text_of
from review.store.engine import session_scope
from review.store.schema import RecordRow

KEY = "extract"
#: Who may say what a finding "explains": mechanisms link to these types.
EXPLAINED_TYPES = ("barrier", "facilitator")


def _actor() -> Actor:
    try:
        return current_actor()
    except PermissionDenied as error:
        denied(error)
        st.stop()
        raise


def _study_text(record_id: int) -> tuple[str, str, str, str]:
    """(title, abstract, doi, authors/year line) of a record."""
    with session_scope(engine()) as session:
        row = session.get(RecordRow, record_id)
        if row is None:
            return "", "", "", ""
        who = "; ".join(row.authors or [])
        line = f"{who} ({row.year})" if row.year else who
        return row.title or "", row.abstract or "", row.doi or "", line


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def show_study(actor: Actor, project_id: int, record_id: int) -> None:
    title, abstract, doi, line = _study_text(record_id)
    st.markdown(f"**{md_escape(title) or '(no title)'}**")
    if line:
        st.caption(md_escape(line))
    links = []
    try:
        info = full_text_of(engine(), project_id, actor, record_id)
    except PermissionDenied:
        info = None
    if info is not None and _safe_url(info.url):
        links.append(("Open the full text", str(_safe_url(info.url))))
    elif info is not None and info.file_name:
        st.caption(f"Full text stored as {md_escape(info.file_name)} (download it on the Full text page).")
    if doi:
        links.append(("Open the DOI", f"https://doi.org/{doi.strip()}"))
    for number, (label, url) in enumerate(links):
        st.link_button(label, url, icon=":material/open_in_new:", key=f"{KEY}_link_{record_id}_{number}")
    with st.container(height=360, border=True):
        st.markdown(md_escape(abstract) if abstract else "_No abstract on record._")


# -- characteristics ------------------------------------------------------------------------------


def _field_key(record_id: int, spec: FieldSpec) -> str:
    return f"{KEY}_char_{record_id}_{spec.key}"


def _field_text(record_id: int, spec: FieldSpec) -> str:
    value = st.session_state.get(_field_key(record_id, spec))
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


def save_characteristics(record_id: int, fields: list[FieldSpec], before: dict[str, str]) -> None:
    project_id = current_project().id
    saved, problems = 0, []
    try:
        actor = current_actor()
        for spec in fields:
            text = _field_text(record_id, spec).strip()
            if text == before.get(spec.key, "").strip():
                continue
            try:
                set_characteristic(engine(), project_id, actor, record_id, spec.key, text)
                saved += 1
            except (ValueError, FindingError) as error:
                problems.append(str(error))
    except PermissionDenied as error:
        flash(f"{KEY}_char", "error", f"Not allowed: {error}.")
        return
    if problems:
        flash(f"{KEY}_char", "error", "Not saved: " + md_escape("; ".join(problems)))
    elif saved:
        flash(f"{KEY}_char", "ok", f"Saved {saved} {plural(saved, 'characteristic', 'characteristics')}.")
    else:
        flash(f"{KEY}_char", "info", "Nothing changed.")


def characteristics_form(actor: Actor, project_id: int, record_id: int) -> None:
    fields = form_fields(engine(), project_id)
    mine = characteristics_of(engine(), project_id, record_id, coder_id=actor.user_id) if actor.user_id else {}
    agreed = characteristics_of(engine(), project_id, record_id)
    before = {**agreed, **mine}
    with st.form(f"{KEY}_characteristics_{record_id}"):
        st.markdown("**Study characteristics**")
        for spec in fields:
            key = _field_key(record_id, spec)
            current = before.get(spec.key, "")
            if spec.field_type == "single" and spec.choices:
                options = ["", *spec.choices]
                st.selectbox(spec.label, options, index=options.index(current) if current in options else 0, key=key)
            elif spec.field_type == "multiple" and spec.choices:
                chosen = [value for value in split_cell(current) if value in spec.choices]
                st.multiselect(spec.label, list(spec.choices), default=chosen, key=key)
            else:
                hint = {"number": "a number", "year": "e.g. 2019", "country": "e.g. Norway"}.get(spec.field_type)
                st.text_input(spec.label, value=current, key=key, placeholder=hint)
        st.form_submit_button(
            "Save characteristics", icon=":material/save:", on_click=save_characteristics,
            args=(record_id, fields, before),
        )  # fmt: skip
    show_flash(f"{KEY}_char")


# -- findings -------------------------------------------------------------------------------------

FINDING_KEYS = {
    "levels": [], "themes": [], "new_theme": "", "description": "", "quote": "", "page": "", "explains": [],
}  # fmt: skip


def _finding_key(name: str) -> str:
    return f"{KEY}_finding_{name}"


def save_finding(record_id: int) -> None:
    state = st.session_state
    project_id = current_project().id
    themes = list(state.get(_finding_key("themes")) or [])
    new_theme = " ".join(str(state.get(_finding_key("new_theme")) or "").split())
    note = ""
    try:
        actor = current_actor()
        if new_theme:
            book = ensure_codebook(engine(), project_id)
            if book.find("theme", new_theme) is None:
                add_code(engine(), project_id, actor, "theme", new_theme, reason="added while coding")
                note = f" New theme “{md_escape(new_theme)}” added to the codebook."
            themes.append(new_theme)
        spec = FindingSpec(
            type=str(state.get(_finding_key("type")) or ""),
            levels=list(state.get(_finding_key("levels")) or []),
            themes=themes,
            description=str(state.get(_finding_key("description")) or "").strip(),
            quote=str(state.get(_finding_key("quote")) or "").strip(),
            page=str(state.get(_finding_key("page")) or "").strip(),
        )
        explains = [int(x) for x in state.get(_finding_key("explains")) or []]
        add_finding(engine(), project_id, actor, record_id, spec, explains=explains)
    except PermissionDenied as error:
        flash(f"{KEY}_finding", "error", f"Not allowed: {error}.")
        return
    except (FindingError, CodebookError, ValueError) as error:
        flash(f"{KEY}_finding", "error", f"Not saved: {md_escape(str(error))}.{note}")
        return
    for name, empty in FINDING_KEYS.items():
        state[_finding_key(name)] = list(empty) if isinstance(empty, list) else empty
    flash(f"{KEY}_finding", "ok", f"Finding added.{note}")


def retract(finding_id: int) -> None:
    try:
        retract_finding(engine(), current_project().id, current_actor(), finding_id)
    except PermissionDenied as error:
        flash(f"{KEY}_finding", "error", f"Not allowed: {error}.")
        return
    except (FindingError, ValueError) as error:
        flash(f"{KEY}_finding", "error", f"Not retracted: {md_escape(str(error))}.")
        return
    flash(f"{KEY}_finding", "ok", "Finding retracted.")


def _finding_line(view: FindingView) -> str:
    levels = ", ".join(view.levels)
    themes = ", ".join(view.theme_paths or view.themes)
    text = f"**{md_escape(view.type)}** · {md_escape(levels)} · {md_escape(themes)}"
    if view.description:
        text += f"  \n{md_escape(view.description)}"
    if view.quote:
        page = f" (p. {md_escape(view.page)})" if view.page else ""
        text += f"  \n> “{md_escape(view.quote)}”{page}"
    return text


def findings_form(actor: Actor, project_id: int, record_id: int, visible: list[FindingView]) -> None:
    book = ensure_codebook(engine(), project_id)
    types = [code.name for code in book.active("type")]
    levels = [code.name for code in book.active("level")]
    themes = sorted((code.name for code in book.active("theme")), key=str.casefold)
    explainable = {view.id: view for view in visible if view.type in EXPLAINED_TYPES}
    with st.form(f"{KEY}_finding_form", border=True):
        st.markdown("**New finding**")
        st.radio("Type", types, key=_finding_key("type"), horizontal=True)
        st.multiselect("Levels", levels, key=_finding_key("levels"), placeholder="One or more levels")
        left, right = st.columns([2, 1])
        left.multiselect("Themes", themes, key=_finding_key("themes"), placeholder="One or more themes")
        right.text_input("New theme", key=_finding_key("new_theme"), placeholder="Adds it to the codebook")
        st.text_area("Description", key=_finding_key("description"), height=80)
        left, right = st.columns([4, 1])
        left.text_area("Verbatim quote", key=_finding_key("quote"), height=80)
        right.text_input("Page", key=_finding_key("page"))
        st.multiselect(
            "Explains (for a mechanism)", list(explainable), key=_finding_key("explains"),
            format_func=lambda fid: f"#{fid} {explainable[fid].type}: {', '.join(explainable[fid].themes)}",
            help="The barriers or facilitators of this study that the mechanism explains.",
        )  # fmt: skip
        st.form_submit_button(
            "Add finding", type="primary", icon=":material/add:", on_click=save_finding, args=(record_id,),
            shortcut="Alt+Enter",  # Ctrl+Enter in a text area submits the form already
        )  # fmt: skip
    show_flash(f"{KEY}_finding")


def findings_list(actor: Actor, visible: list[FindingView]) -> None:
    mine = [view for view in visible if view.coder_id is not None and view.coder_id == actor.user_id]
    others = [view for view in visible if view not in mine]
    st.markdown(f"**Your findings of this study** ({len(mine)})")
    if not mine:
        st.caption("None yet.")
    for view in mine:
        with st.container(border=True):
            text, button = st.columns([3, 1], vertical_alignment="center")
            text.markdown(_finding_line(view))
            button.button("Retract", key=f"{KEY}_retract_{view.id}", icon=":material/delete:",
                          on_click=retract, args=(view.id,))  # fmt: skip
    if others:
        with st.expander(f"Other findings you may see ({len(others)}: consensus, imported or other coders)"):
            for view in others:
                by = f" — {md_escape(view.coded_by)}" if view.coded_by else ""
                st.markdown(_finding_line(view) + by)


# -- codebook -------------------------------------------------------------------------------------


def _codebook_action(action: str) -> None:
    state = st.session_state
    project_id = current_project().id
    reason = str(state.get(f"{KEY}_cb_{action}_reason") or "").strip()
    try:
        actor = current_actor()
        if action == "add":
            name = str(state.get(f"{KEY}_cb_add_name") or "").strip()
            kind = str(state.get(f"{KEY}_cb_add_kind") or "theme")
            parent = state.get(f"{KEY}_cb_add_parent")
            add_code(engine(), project_id, actor, kind, name, parent_id=parent, reason=reason)
            message = f"Added the {kind} “{md_escape(name)}”."
        elif action == "rename":
            code_id = int(state[f"{KEY}_cb_rename_code"])
            rename_code(engine(), project_id, actor, code_id, str(state.get(f"{KEY}_cb_rename_name") or ""), reason)
            message = "Renamed; its findings follow."
        elif action == "merge":
            moved = merge_codes(engine(), project_id, actor, int(state[f"{KEY}_cb_merge_code"]),
                                int(state[f"{KEY}_cb_merge_into"]), reason)  # fmt: skip
            message = f"Merged; {moved} {plural(moved, 'finding', 'findings')} moved."
        else:
            restore = bool(state.get(f"{KEY}_cb_retire_restore"))
            retire_code(engine(), project_id, actor, int(state[f"{KEY}_cb_retire_code"]), reason, restore=restore)
            message = "Restored." if restore else "Retired: no new findings use it; its findings keep it."
    except PermissionDenied as error:
        flash(f"{KEY}_cb", "error", f"Not allowed: {error}.")
        return
    except (CodebookError, ValueError, KeyError, TypeError) as error:
        flash(f"{KEY}_cb", "error", f"Not changed: {md_escape(str(error))}.")
        return
    flash(f"{KEY}_cb", "ok", message)


def codebook_section(actor: Actor, project_id: int) -> None:
    book = ensure_codebook(engine(), project_id)
    with st.expander("Codebook", icon=":material/menu_book:"):
        show_flash(f"{KEY}_cb")
        rows = codebook_rows(book)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=240)
        down = st.columns(2)
        down[0].download_button("Codebook CSV", codebook_csv(book), "codebook.csv", "text/csv",
                                key=f"{KEY}_cb_csv", icon=":material/download:")  # fmt: skip
        down[1].download_button("Codebook JSON", codebook_json(book), "codebook.json", "application/json",
                                key=f"{KEY}_cb_json", icon=":material/download:")  # fmt: skip
        themes = {code.id: book.path(code.id) for code in book.active("theme")}
        every = {code.id: f"{code.kind}: {book.path(code.id)}" for code in book.codes
                 if code.merged_into is None}  # fmt: skip
        with st.form(f"{KEY}_cb_add_form"):
            st.markdown("**Add a code**")
            cols = st.columns(3)
            kinds = ["theme", "level", "type"] if actor.is_owner else ["theme"]
            cols[0].selectbox("Kind", kinds, key=f"{KEY}_cb_add_kind")
            cols[1].text_input("Name", key=f"{KEY}_cb_add_name")
            cols[2].selectbox("Under theme", [None, *themes], key=f"{KEY}_cb_add_parent",
                              format_func=lambda cid: "(top level)" if cid is None else themes[cid])  # fmt: skip
            st.text_input("Why (recorded in the history)", key=f"{KEY}_cb_add_reason")
            st.form_submit_button("Add code", on_click=_codebook_action, args=("add",))
        if actor.is_owner:
            label = every.__getitem__
            with st.form(f"{KEY}_cb_rename_form"):
                st.markdown("**Rename**")
                cols = st.columns(3)
                cols[0].selectbox("Code", list(every), key=f"{KEY}_cb_rename_code", format_func=label)
                cols[1].text_input("New name", key=f"{KEY}_cb_rename_name")
                cols[2].text_input("Why", key=f"{KEY}_cb_rename_reason")
                st.form_submit_button("Rename", on_click=_codebook_action, args=("rename",))
            with st.form(f"{KEY}_cb_merge_form"):
                st.markdown("**Merge** (the first code's findings move to the second)")
                cols = st.columns(3)
                cols[0].selectbox("Merge", list(every), key=f"{KEY}_cb_merge_code", format_func=label)
                cols[1].selectbox("Into", list(every), key=f"{KEY}_cb_merge_into", format_func=label)
                cols[2].text_input("Why", key=f"{KEY}_cb_merge_reason")
                st.form_submit_button("Merge", on_click=_codebook_action, args=("merge",))
            with st.form(f"{KEY}_cb_retire_form"):
                st.markdown("**Retire or restore**")
                cols = st.columns(3)
                cols[0].selectbox("Code", list(every), key=f"{KEY}_cb_retire_code", format_func=label)
                cols[1].text_input("Why", key=f"{KEY}_cb_retire_reason")
                cols[2].checkbox("Restore instead", key=f"{KEY}_cb_retire_restore")
                st.form_submit_button("Retire / restore", on_click=_codebook_action, args=("retire",))
        history = codebook_history(engine(), project_id)
        st.markdown(f"**History** ({len(history)} {plural(len(history), 'change', 'changes')})")
        st.dataframe(
            pd.DataFrame([{"version": e.version, "action": e.action, "from": e.old_value, "to": e.new_value,
                           "findings moved": len(e.finding_ids), "by": e.changed_by, "when": e.changed_at,
                           "why": e.reason} for e in reversed(history)]),
            hide_index=True, width="stretch", height=220,
        )  # fmt: skip


# -- dual extraction: reconcile -------------------------------------------------------------------


def _reconcile(record_id: int, ids: list[int]) -> None:
    keep = [fid for fid in ids if st.session_state.get(f"{KEY}_keep_{record_id}_{fid}")]
    try:
        written = reconcile(engine(), current_project().id, current_actor(), record_id, keep,
                            note=str(st.session_state.get(f"{KEY}_reconcile_note") or ""))  # fmt: skip
    except PermissionDenied as error:
        flash(f"{KEY}_rec", "error", f"Not allowed: {error}.")
        return
    except (FindingError, CodebookError, ValueError) as error:
        flash(f"{KEY}_rec", "error", f"Not reconciled: {md_escape(str(error))}.")
        return
    flash(f"{KEY}_rec", "ok", f"Reconciled: {len(written)} consensus {plural(len(written), 'finding', 'findings')}.")


def reconcile_section(actor: Actor, project_id: int, studies: dict[int, str]) -> None:
    st.subheader("Reconcile", divider="gray")
    show_flash(f"{KEY}_rec")
    try:
        overall = project_agreement(engine(), project_id, actor)
        st.caption(
            f"Agreement over {overall.matched} matched findings: type {_pct(overall.type_agreement)}, "
            f"level {_pct(overall.level_agreement)}, theme {_pct(overall.theme_agreement)}; "
            f"{overall.only_a + overall.only_b} found by one coder only."
        )
    except (PermissionDenied, ValueError, FindingError):
        pass
    characteristics_agreement_table(actor, project_id)
    record_id = st.selectbox("Study to reconcile", list(studies), format_func=studies.__getitem__,
                             key=f"{KEY}_reconcile_study")  # fmt: skip
    if record_id is None:
        return
    try:
        comparison = compare_coding(engine(), project_id, actor, record_id)
    except PermissionDenied as error:
        denied(error)
        return
    except (FindingError, ValueError) as error:
        st.info(md_escape(str(error)))
        return
    paired = {fid for pair in comparison.matching.pairs for fid in pair}
    a_col, b_col = st.columns(2)
    ids: list[int] = []
    for column, coder, views in ((a_col, comparison.coder_a, comparison.findings_a),
                                 (b_col, comparison.coder_b, comparison.findings_b)):  # fmt: skip
        column.markdown(f"**{md_escape(coder or '—')}** ({len(views)})")
        for view in views:
            ids.append(view.id)
            with column.container(border=True):
                st.markdown(_finding_line(view) + ("" if view.id in paired else "  \n_only this coder_"))
                default = view in comparison.findings_a or view.id not in paired
                st.checkbox("Keep", value=default, key=f"{KEY}_keep_{record_id}_{view.id}")
    st.text_input("Note", key=f"{KEY}_reconcile_note")
    st.button("Write the consensus", type="primary", key=f"{KEY}_reconcile", on_click=_reconcile,
              args=(record_id, ids), disabled=not ids)  # fmt: skip


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


# -- the page -------------------------------------------------------------------------------------


def main() -> None:
    st.title("Extract")
    actor = _actor()
    project_id = current_project().id
    studies = {record_id: f"{key or f'#{record_id}'} — {title or '(no title)'}"
               for record_id, key, title in chartable_records(engine(), project_id)}  # fmt: skip
    with session_scope(engine()) as session:
        dual = dual_extraction(session, project_id)
    if dual:
        st.caption("Dual extraction is on: you see your own findings until the owner reconciles a study.")
    if not studies:
        st.info("No study to chart yet: studies are charted once they are included at full text "
                "(or imported with a coding table below).")  # fmt: skip
    elif actor.can_screen:
        record_id = st.selectbox(f"Study ({len(studies)} to chart)", list(studies), format_func=studies.__getitem__,
                                 key=f"{KEY}_study")  # fmt: skip
        if record_id is not None:
            visible = findings_visible_to(engine(), project_id, actor, record_id)
            forms, beside = st.columns([3, 2], gap="large")
            with forms:
                characteristics_form(actor, project_id, record_id)
                findings_form(actor, project_id, record_id, visible)
                findings_list(actor, visible)
            with beside:
                show_study(actor, project_id, record_id)
    else:
        st.info("Charting is for the project's reviewers and owners; the map shows what they charted.")
    codebook_section(actor, project_id)
    form_editor_section(actor, project_id)
    if dual and actor.may_resolve and studies:
        reconcile_section(actor, project_id, studies)
    bulk_section(actor, project_id)


main()
