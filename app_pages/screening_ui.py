"""What the screening pages share: a record card beside the eligibility criteria, and progress.

Every imported text is escaped. Title and abstract go through `highlight_html` (which escapes, then
marks the protocol's terms) and are the only HTML this module hands to `st.markdown`, each inside
one `<div>` without blank lines, so that Markdown leaves the escaped text alone; everything else
is `st.text` or escaped Markdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from app_pages.common import (
    bump_progress,
    current_actor,
    current_project,
    denied,
    engine,
    flash,
    flash_denied,
    md_escape,
    percent,
    show_flash,
)
from review.people import PermissionDenied
from review.screening.highlight import HIGHLIGHT_CSS, highlight_html
from review.screening.service import (
    DatabaseUnavailable,
    Progress,
    RecordCard,
    ScreeningError,
    new_key,
    record_decision,
)
from review.screening.settings import ProtocolSettings

STAGE_LABELS = {"title_abstract": "Title/abstract", "full_text": "Full text"}
DECISION_LABELS = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe"}
CARD_CSS = (
    "<style>"
    + HIGHLIGHT_CSS
    + ".rm-title{font-size:1.35rem;font-weight:600;line-height:1.35;margin:0 0 .4rem 0}"
    + ".rm-abstract{line-height:1.55;max-height:28rem;overflow-y:auto}"
    + "</style>"
)


def idempotency_key(page_key: str, record_id: int) -> str:
    """One key per record shown on a page: a second click on the same card sends the same key,
    so a decision is stored once."""
    held = st.session_state.get(f"{page_key}_card")
    if not held or held[0] != record_id:
        held = (record_id, new_key())
        st.session_state[f"{page_key}_card"] = held
    return str(held[1])


def store_decision(
    page_key: str, record_id: int, stage: str, decision: str, reason: str | None, note: str | None
) -> bool:
    """A widget callback's decision on the card shown (Screen and Full text): stored once under
    the card's key, or a message saying why not. True when it was saved."""
    try:
        record_decision(
            engine(), current_project().id, current_actor(), record_id, stage, decision, reason, note,
            idempotency_key=idempotency_key(page_key, record_id),
        )  # fmt: skip
    except PermissionDenied as error:
        flash_denied(error)
        return False
    except ScreeningError as error:
        flash(page_key, "error", f"Not saved: {error}.")
        return False
    except DatabaseUnavailable as error:  # the card keeps its idempotency key: a retry stores it once
        flash(page_key, "error", str(error))
        return False
    st.session_state.pop(f"{page_key}_card", None)
    bump_progress()
    flash(page_key, "ok", f"Saved: {decision} (record {record_id}).")
    return True


@contextmanager
def page_stops_on_refusal(page_key: str) -> Iterator[None]:
    """Around what a screening page reads before drawing: a role that may not screen, or a
    database that stays unreachable, ends the page with the reason instead of a traceback."""
    try:
        yield
    except PermissionDenied as error:
        denied(error)
        st.stop()
    except DatabaseUnavailable as error:
        show_flash(page_key)
        st.error(str(error), icon=":material/cloud_off:")
        st.stop()


def progress_header(page_key: str, progress: Progress, queue_empty: bool) -> None:
    """The page's last message, the one-line progress, and the detail (open when the queue is empty)."""
    show_flash(page_key)
    progress_line(progress)
    with st.expander("Progress in detail", expanded=queue_empty):
        show_progress(progress)


def highlighted(text: str, css_class: str, settings: ProtocolSettings) -> str:
    """`text` escaped and highlighted, as one HTML block (line breaks as <br>, so no blank line
    ends the block and Markdown never reads the text)."""
    body = highlight_html(text, settings.highlight_include, settings.highlight_exclude)
    body = "<br>".join(line for line in body.splitlines())
    return f'<div class="{css_class}">{body}</div>'


def show_card(card: RecordCard, settings: ProtocolSettings) -> None:
    st.markdown(
        CARD_CSS + highlighted(card.title or "(no title)", "rm-title", settings), unsafe_allow_html=True
    )
    if card.authors:
        st.text("; ".join(card.authors))
    where = " · ".join(part for part in (card.journal, str(card.year or "")) if part)
    if where:
        st.caption(md_escape(where))
    if card.abstract:
        st.markdown(highlighted(card.abstract, "rm-abstract", settings), unsafe_allow_html=True)
    else:
        st.caption("(no abstract)")
    if card.keywords:
        st.caption("Keywords: " + md_escape("; ".join(card.keywords)))
    details = [f"record {card.record_id}"]
    if card.doi:
        details.append(f"DOI {card.doi}")
    if card.source_database:
        details.append(card.source_database)
    if card.source_key:
        details.append(f"key {card.source_key}")
    st.caption(md_escape(" · ".join(details)))


def show_criteria(settings: ProtocolSettings) -> None:
    """The eligibility criteria beside the record (protocol text, shown as plain text)."""
    with st.container(border=True):
        st.markdown("**Eligibility criteria**")
        shown = False
        for label, value in (
            ("Population", settings.population),
            ("Concept", settings.concept),
            ("Context", settings.context),
        ):
            if value.strip():
                st.caption(label)
                st.text(value)
                shown = True
        for label, items in (
            ("Include when", settings.inclusion_criteria),
            ("Exclude when", settings.exclusion_criteria),
        ):
            if items:
                st.caption(label)
                st.text("\n".join(f"• {item}" for item in items))
                shown = True
        if not shown:
            st.caption("The owner has not written the criteria yet (Protocol & team).")
        if settings.highlight_include or settings.highlight_exclude:
            st.caption("Highlighted: blue suggests include, orange suggests exclude.")


def show_progress(progress: Progress) -> None:
    """My progress and the team's; outcome counts only where the blinding rule allows them."""
    mine, team = st.columns(2)
    with mine:
        st.markdown("**My progress**")
        if progress.mine_decided is not None:
            done = progress.mine_decided
            left = progress.mine_remaining or 0
            st.progress(done / (done + left) if done + left else 1.0)
            a, b = st.columns(2)
            a.metric("Decided", f"{done:,}")
            b.metric("In my queue", f"{left:,}")
    with team:
        st.markdown("**Team**")
        st.progress(progress.complete / progress.eligible if progress.eligible else 1.0)
        a, b, c = st.columns(3)
        a.metric("Complete", f"{progress.complete:,}", help="Records with every required decision")
        b.metric("Pending", f"{progress.pending:,}")
        c.metric("Done", percent(progress.complete / progress.eligible if progress.eligible else None))
        if progress.conflicts is not None:
            d, e, f = st.columns(3)
            d.metric("Conflicts open", f"{progress.conflicts:,}")
            e.metric("Included", f"{progress.included or 0:,}")
            f.metric("Excluded", f"{progress.excluded or 0:,}")


def progress_line(progress: Progress) -> None:
    """One bar above the record: my decisions against my queue (the details are in an expander)."""
    if progress.mine_decided is None:
        return
    done, left = progress.mine_decided, progress.mine_remaining or 0
    st.progress(
        done / (done + left) if done + left else 1.0,
        text=f"You decided {done:,}; {left:,} left in your queue · team: {progress.complete:,} of "
        f"{progress.eligible:,} records complete",
    )
