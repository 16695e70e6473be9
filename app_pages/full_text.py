"""Full text: the records included at title/abstract, one at a time. Attach the PDF (size-limited,
stored by the app) or a link, or mark it not retrievable; then include, or exclude with a reason
from the protocol (required: PRISMA counts full-text exclusions by reason)."""

import streamlit as st

from app_pages.common import (
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
from review.screening.service import (
    MAX_PDF_BYTES,
    ScreeningError,
    attach_full_text,
    full_text_of,
    full_text_pdf,
    mark_not_retrievable,
    next_record,
    protocol,
)

STAGE = "full_text"
KEY = "full_text"


def decide(record_id: int, decision: str) -> None:
    reason = st.session_state.get("full_text_reason")
    note = (st.session_state.get("full_text_note") or "").strip() or None
    if decision == "exclude" and not reason:
        flash(KEY, "error", "Not saved: excluding at full text needs a reason; choose one.")
        return
    if store_decision(KEY, record_id, STAGE, decision, reason if decision == "exclude" else None, note):
        st.session_state["full_text_reason"] = None
        st.session_state["full_text_note"] = ""


def attach(record_id: int, kind: str) -> None:
    try:
        if kind == "pdf":
            upload = st.session_state.get(f"full_text_pdf_{record_id}")
            if upload is None:
                flash(KEY, "error", "Choose a PDF first.")
                return
            data = upload.getvalue()
            attach_full_text(
                engine(), current_project().id, current_actor(), record_id, pdf=data, file_name=upload.name
            )
            done = f"Attached {md_escape(upload.name)}."
        elif kind == "link":
            url = st.session_state.get(f"full_text_url_{record_id}", "")
            attach_full_text(engine(), current_project().id, current_actor(), record_id, url=url)
            done = "Attached the link."
        else:
            note = st.session_state.get(f"full_text_missing_note_{record_id}", "")
            mark_not_retrievable(engine(), current_project().id, current_actor(), record_id, note)
            done = "Marked as not retrievable (PRISMA counts it as not retrieved)."
    except PermissionDenied as error:
        flash_denied(error)
        return
    except ScreeningError as error:
        flash(KEY, "error", f"Not attached: {md_escape(str(error))}.")
        return
    flash(KEY, "ok", done)


st.title("Full text")
project = current_project()
with page_stops_on_refusal(KEY):
    actor = current_actor()
    if not actor.can_screen:
        raise PermissionDenied(f"a {actor.role} cannot screen: only reviewers and owners decide")
    settings = protocol(engine(), project.id)
    card = next_record(engine(), project.id, actor, STAGE)
    current = None if card is None else full_text_of(engine(), project.id, actor, card.record_id)
    progress = cached_progress(actor, STAGE)

progress_header(KEY, progress, queue_empty=card is None)
if card is None:
    st.session_state.pop("full_text_record", None)
    st.success("Nothing waits for you at full text: records come here once included at title/abstract.")
    st.stop()

st.session_state["full_text_record"] = card.record_id
record_column, side_column = st.columns([3, 2], gap="large")
with record_column:
    show_card(card, settings)
    st.subheader("The full text", divider="gray")
    if current is None:
        st.caption("No full text yet.")
    elif current.kind == "pdf":
        name, data = full_text_pdf(engine(), project.id, actor, current.full_text_id)
        st.download_button(
            f"Download {name}", data, file_name=name, mime="application/pdf", icon=":material/download:",
            key=f"full_text_download_{current.full_text_id}",
        )  # fmt: skip
    elif current.kind == "link":
        st.link_button("Open the full text", current.url or "", icon=":material/open_in_new:")
        st.caption(md_escape(current.url or ""))
    else:
        st.warning(
            "Marked as not retrievable." + (f" Note: {md_escape(current.note)}" if current.note else "")
        )
    pdf_tab, link_tab, missing_tab = st.tabs(["Attach a PDF", "Attach a link", "Not retrievable"])
    with pdf_tab:
        st.file_uploader(
            f"PDF (at most {MAX_PDF_BYTES // (1024 * 1024)} MB)",
            type=["pdf"],
            max_upload_size=max(1, MAX_PDF_BYTES // (1024 * 1024)),
            key=f"full_text_pdf_{card.record_id}",
        )
        st.button("Attach PDF", key="full_text_attach_pdf", on_click=attach, args=(card.record_id, "pdf"))
    with link_tab:
        st.text_input("Web address", key=f"full_text_url_{card.record_id}", placeholder="https://…")
        st.button("Attach link", key="full_text_attach_link", on_click=attach, args=(card.record_id, "link"))
    with missing_tab:
        st.text_input("Note (what was tried)", key=f"full_text_missing_note_{card.record_id}")
        st.button(
            "Mark not retrievable", key="full_text_missing", on_click=attach, args=(card.record_id, "missing")
        )
with side_column:
    st.selectbox(
        "Reason (required to exclude)",
        settings.exclusion_reasons,
        index=None,
        placeholder="choose a reason",
        key="full_text_reason",
    )
    st.text_input("Note", key="full_text_note", max_chars=2000)
    include, exclude = st.columns(2)
    include.button(
        "Include", key="full_text_include", type="primary", icon=":material/check:", shortcut="i",
        on_click=decide, args=(card.record_id, "include"), width="stretch",
    )  # fmt: skip
    exclude.button(
        "Exclude", key="full_text_exclude", icon=":material/close:", shortcut="e",
        on_click=decide, args=(card.record_id, "exclude"), width="stretch",
    )  # fmt: skip
    show_criteria(settings)
