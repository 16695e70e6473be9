"""Conflicts: records whose required decisions disagree, for the owner or a named third reviewer.
With blinding on, the decisions show as "Reviewer A", "Reviewer B", never with names. Resolve
with include or exclude and a reason (required to exclude at full text)."""

import pandas as pd
import streamlit as st

from app_pages.common import (
    current_actor,
    current_project,
    denied,
    engine,
    flash,
    flash_denied,
    md_escape,
    plural,
    show_flash,
)
from app_pages.screening_ui import STAGE_LABELS
from review.people import PermissionDenied
from review.screening.service import (
    ConflictView,
    DatabaseUnavailable,
    ScreeningError,
    conflicts,
    protocol,
    resolve_conflict,
    retract_resolution,
)

KEY = "conflicts"


def resolve(record_id: int, stage: str) -> None:
    decision = st.session_state.get(f"resolve_decision_{stage}_{record_id}")
    reason = st.session_state.get(f"resolve_reason_{stage}_{record_id}") or None
    if not decision:
        flash(KEY, "error", "Choose include or exclude first.")
        return
    try:
        final = resolve_conflict(
            engine(), current_project().id, current_actor(), record_id, stage, decision, reason
        )
    except PermissionDenied as error:
        flash_denied(error)
        return
    except ScreeningError as error:
        flash(KEY, "error", f"Not resolved: {md_escape(str(error))}.")
        return
    except DatabaseUnavailable as error:
        flash(KEY, "error", str(error))
        return
    flash(KEY, "ok", f"Resolved record {record_id}: {final}.")


def retract(record_id: int, stage: str) -> None:
    try:
        retract_resolution(engine(), current_project().id, current_actor(), record_id, stage)
    except (PermissionDenied, ScreeningError) as error:
        flash(KEY, "error", f"Not taken back: {md_escape(str(error))}.")
        return
    except DatabaseUnavailable as error:
        flash(KEY, "error", str(error))
        return
    flash(KEY, "info", f"Record {record_id} is an open conflict again.")


def show_conflict(view: ConflictView, reasons: tuple[str, ...]) -> None:
    with st.container(border=True):
        st.text(view.title or "(no title)")
        kind = "every reviewer said Maybe" if view.kind == "all_maybe" else "the reviewers disagree"
        st.caption(md_escape(f"record {view.record_id} · key {view.source_key or '—'} · {kind}"))
        st.dataframe(
            pd.DataFrame(
                [(d.reviewer, d.decision, d.reason or "", d.note or "") for d in view.decisions],
                columns=["reviewer", "decision", "reason", "note"],
            ),
            hide_index=True,
        )
        if view.resolution:
            st.success(
                md_escape(
                    f"Resolved: {view.resolution} by {view.resolved_by or '?'}"
                    + (f" ({view.resolution_reason})" if view.resolution_reason else "")
                )
            )
            st.button("Take the resolution back", key=f"retract_{view.stage}_{view.record_id}",
                      on_click=retract, args=(view.record_id, view.stage))  # fmt: skip
            return
        decision_column, reason_column, button_column = st.columns([2, 3, 1], vertical_alignment="bottom")
        decision_column.segmented_control(
            "Decision",
            ["include", "exclude"],
            format_func=str.capitalize,
            key=f"resolve_decision_{view.stage}_{view.record_id}",
        )
        reason_column.selectbox(
            "Reason" + (" (required to exclude)" if view.stage == "full_text" else ""),
            reasons, index=None, placeholder="choose or type a reason", accept_new_options=True,
            key=f"resolve_reason_{view.stage}_{view.record_id}",
        )  # fmt: skip
        button_column.button("Resolve", key=f"resolve_{view.stage}_{view.record_id}", type="primary",
                             on_click=resolve, args=(view.record_id, view.stage))  # fmt: skip


st.title("Conflicts")
project = current_project()
stage = (
    st.segmented_control(
        "Stage",
        list(STAGE_LABELS),
        format_func=STAGE_LABELS.__getitem__,
        default="title_abstract",
        key="conflicts_stage",
    )
    or "title_abstract"
)
show_resolved = st.toggle("Show resolved conflicts too", key="conflicts_resolved")
try:
    actor = current_actor()
    views = conflicts(engine(), project.id, actor, stage, include_resolved=show_resolved)
    settings = protocol(engine(), project.id)
except PermissionDenied as error:
    denied(error)
    st.stop()

show_flash(KEY)
if settings.blinding:
    st.caption("Blinding is on: the reviewers are shown as Reviewer A, B, … in the order they decided.")
open_views = [view for view in views if not view.resolution]
st.markdown(f"**{len(open_views):,}** open {plural(len(open_views), 'conflict', 'conflicts')} at {STAGE_LABELS[stage].lower()}.")
if not views:
    st.info("No conflict here.")
for view in views:
    show_conflict(view, settings.exclusion_reasons)
