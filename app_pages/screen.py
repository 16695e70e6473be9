"""Screen: title/abstract screening, one record at a time, blind to the other reviewers.

Include / Exclude / Maybe (keys I, E, M), an optional reason and note, undo of one's own last
decision (key U). Every decision is stored at once as an event (`service.record_decision`), sent
with an idempotency key made for the record on screen, so a double click stores it once.
"""

import streamlit as st

from app_pages.common import (
    bump_progress,
    cached_progress,
    current_actor,
    current_project,
    engine,
    flash,
    flash_denied,
    md_escape,
)
from app_pages.screening_ui import (
    page_stops_on_refusal,
    progress_header,
    show_card,
    show_criteria,
    store_decision,
)
from review.people import PermissionDenied
from review.screening.notes import clean_tags, notes_visible_to, save_note
from review.screening.service import (
    DatabaseUnavailable,
    next_record,
    protocol,
    undo_last_decision,
)

STAGE = "title_abstract"
KEY = "screen"
NO_REASON = ""


def decide(record_id: int, decision: str) -> None:
    reason = st.session_state.get("screen_reason") or None
    note = (st.session_state.get("screen_note") or "").strip() or None
    if store_decision(KEY, record_id, STAGE, decision, reason, note):
        st.session_state["screen_reason"] = NO_REASON
        st.session_state["screen_note"] = ""


def undo() -> None:
    try:
        record_id = undo_last_decision(engine(), current_project().id, current_actor(), STAGE)
    except PermissionDenied as error:
        flash_denied(error)
        return
    except DatabaseUnavailable as error:
        flash(KEY, "error", str(error))
        return
    bump_progress()
    if record_id is None:
        flash(KEY, "info", "Nothing to undo: you have no decision at this stage.")
    else:
        flash(KEY, "info", f"Took back your decision on record {record_id}: it is in your queue again.")


st.title("Screen titles and abstracts")
project = current_project()
with page_stops_on_refusal(KEY):
    actor = current_actor()
    if not actor.can_screen:
        raise PermissionDenied(f"a {actor.role} cannot screen: only reviewers and owners decide")
    settings = protocol(engine(), project.id)
    card = next_record(engine(), project.id, actor, STAGE)
    progress = cached_progress(actor, STAGE)

progress_header(KEY, progress, queue_empty=card is None)

if card is None:
    st.session_state.pop("screen_record", None)
    st.success("Your queue is empty: every record you can screen here has your decision.")
    st.button("Undo my last decision", key="screen_undo", icon=":material/undo:", on_click=undo)
    st.stop()

st.session_state["screen_record"] = card.record_id
# Four columns only, the keys on a line below: the labels must stay whole from 1,000 px wide.
include, exclude, maybe, undo_column = st.columns([1, 1.15, 1, 1.15], vertical_alignment="center")
include.button(
    "Include", key="screen_include", type="primary", icon=":material/check:", shortcut="i",
    on_click=decide, args=(card.record_id, "include"), width="stretch",
)  # fmt: skip
exclude.button(
    "Exclude", key="screen_exclude", icon=":material/close:", shortcut="e",
    on_click=decide, args=(card.record_id, "exclude"), width="stretch",
)  # fmt: skip
maybe.button(
    "Maybe", key="screen_maybe", icon=":material/help:", shortcut="m",
    on_click=decide, args=(card.record_id, "maybe"), width="stretch",
)  # fmt: skip
undo_column.button(
    "Undo", key="screen_undo", icon=":material/undo:", shortcut="u", on_click=undo, width="stretch",
    help="Take back your most recent decision at this stage",
)  # fmt: skip
st.caption("Keys: I include · E exclude · M maybe · U undo my last decision")

def show_tags_and_note(record_id: int) -> None:
    """My tags and note on this record (kept with the record, not with a decision); the notes of
    others only where blinding lets me see them. All text is shown as text."""
    actor = current_actor()
    notes = notes_visible_to(engine(), current_project().id, actor, record_id)
    mine = next((note for note in notes if note.user_id == actor.user_id), None)
    with st.expander("My tags and note on this record", expanded=mine is not None):
        with st.form(f"screen_note_form_{record_id}", border=False):
            tags = st.text_input(
                "Tags (comma-separated)", value=", ".join(mine.tags) if mine else "", key=f"screen_tags_{record_id}"
            )
            note = st.text_area("My note on this record", value=mine.note if mine else "", key=f"screen_record_note_{record_id}")
            if st.form_submit_button("Save tags and note", icon=":material/bookmark:"):
                try:
                    save_note(engine(), current_project().id, actor, record_id, note, clean_tags(tags.split(",")))
                except PermissionDenied as error:
                    flash_denied(error)
                else:
                    flash(KEY, "ok", "Tags and note saved.")
                st.rerun()
        for other in notes:
            if other.user_id != actor.user_id:
                st.caption(md_escape(f"{other.username}: {', '.join(other.tags)}"))
                st.text(other.note)


record_column, side_column = st.columns([3, 2], gap="large")
with record_column:
    if card.in_pilot:
        st.info(
            "Calibration pilot: everyone screens these first records; the Agreement page shows "
            "whether the team passed.",
            icon=":material/school:",
        )
    show_card(card, settings)
with side_column:
    with st.expander("Reason and note (optional)"):
        st.selectbox(
            "Reason",
            [NO_REASON, *settings.exclusion_reasons],
            format_func=lambda reason: reason or "—",
            key="screen_reason",
        )
        st.text_input("Note on this decision", key="screen_note", max_chars=2000)
    show_tags_and_note(card.record_id)
    show_criteria(settings)
