"""Progress & stopping: includes found against records screened (mine, and the team's final
decisions), the estimate of includes still unscreened with its uncertainty, and the stopping
guidance — guidance only: nothing here stops a queue or excludes a record by itself. Once the rule
says it is safe to stop, the owner may exclude the records nobody has screened "by automation"
(an explicit, confirmed, undoable step; `review.screening.automation`)."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    bump_progress,
    current_actor,
    current_project,
    database_url,
    denied,
    engine,
    flash,
    md_escape,
    percent,
    plural,
    show_flash,
)
from review.people import Actor, PermissionDenied
from review.screening.automation import (
    ExclusionInfo,
    ExclusionPreview,
    apply_automation_exclusion,
    automation_exclusions,
    exclusion_preview,
    undo_automation_exclusion,
)
from review.screening.prioritise import StoppingEstimate
from review.screening.state import ScreeningError
from review.screening.stopping_guidance import Curve, StoppingGuidance, stopping_guidance


@st.cache_data(ttl=5, show_spinner=False, max_entries=200)
def guidance(url: str, project_id: int, actor: Actor, version: int) -> StoppingGuidance:
    return stopping_guidance(engine(), project_id, actor)


@st.cache_data(ttl=5, show_spinner=False, max_entries=200)
def exclusions(url: str, project_id: int, actor: Actor, version: int) -> list[ExclusionInfo]:
    return automation_exclusions(engine(), project_id, actor)


@st.cache_data(ttl=5, show_spinner=False, max_entries=200)
def preview(
    url: str, project_id: int, actor: Actor, version: int, estimate: StoppingEstimate | None
) -> ExclusionPreview:
    return exclusion_preview(engine(), project_id, actor, estimate)


def chart(curves: list[Curve], total: int) -> None:
    rows = [
        {"records screened": screened, "includes found": found, "curve": each.name}
        for each in curves
        for screened, found in each.points()
    ]
    lines = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=False, interpolate="step-after")
        .encode(
            x=alt.X("records screened:Q", scale=alt.Scale(domain=[0, max(total, 1)])),
            y=alt.Y("includes found:Q"),
            color=alt.Color("curve:N", scale=alt.Scale(scheme="dark2"), title=None),
            tooltip=["curve", "records screened", "includes found"],
        )
    )
    st.altair_chart(lines, width="stretch")


def estimate_section(each: Curve, guide: StoppingGuidance) -> None:
    estimate = each.estimate
    st.markdown(f"**{each.name}**")
    a, b, c = st.columns(3)
    a.metric("Screened", f"{estimate.screened:,} of {guide.total:,}")
    b.metric("Includes found", f"{estimate.includes_found:,}")
    c.metric(
        "Includes still unscreened (estimate)",
        f"{estimate.estimated_remaining_includes:,.0f}",
        help="Between the two numbers below with the stated confidence.",
    )
    st.caption(
        f"Uncertainty: between {estimate.low:,.0f} and {estimate.high:,.0f} includes are still "
        f"unscreened ({percent(guide.confidence)} one-sided bounds; how they are computed is below)."
    )
    if estimate.safe_to_stop:
        st.success(
            f"Guidance: stopping here would very probably keep at least {percent(guide.recall_target)} of "
            "the includes. The team decides; nothing is excluded automatically.",
            icon=":material/flag:",
        )
    else:
        st.info(
            f"Guidance: not yet — the screening so far cannot show that {percent(guide.recall_target)} of "
            "the includes have been found. Keep screening.",
            icon=":material/hourglass_top:",
        )


def exclusion_line(each: ExclusionInfo) -> str:
    figures = each.detail
    text = (
        f"{each.applied_at:%Y-%m-%d %H:%M} UTC, by {md_escape(each.applied_by)}: {each.records:,} "
        f"{plural(each.records, 'record', 'records')} "
        f"excluded by automation ({figures.get('includes_found', '?')} includes found in "
        f"{figures.get('screened', '?')} records screened, p = {float(figures.get('p_value', 1.0)):.3f})"
    )
    if each.undone_at is not None:
        return (
            f"~~{text}~~ — undone {each.undone_at:%Y-%m-%d %H:%M} UTC by {md_escape(each.undone_by or '?')}"
        )
    if each.still_excluded != each.records:
        text += f"; {each.records - each.still_excluded:,} of them have a decision since and count by it"
    return text


def run_action(action: str, project_id: int, actor: Actor, exclusion_id: int = 0) -> None:
    """Button callback: apply or undo, then a message on the next run."""
    try:
        if action == "apply":
            confirmed = bool(st.session_state.get("automation_confirm"))
            apply_automation_exclusion(engine(), project_id, actor, confirmed=confirmed)
            flash("automation", "ok", "The remaining unscreened records are excluded by automation.")
            st.session_state["automation_confirm"] = False
        else:
            undo_automation_exclusion(engine(), project_id, actor, exclusion_id)
            flash("automation", "ok", "Undone: those records are back in the reviewers' queues.")
    except (PermissionDenied, ScreeningError) as error:
        flash("automation", "error", md_escape(f"Not done: {error}"))
    bump_progress()


def automation_section(project_id: int, actor: Actor, guide: StoppingGuidance) -> None:
    """The owner's "exclude the rest by automation" step, and the record of every such step."""
    version = int(st.session_state.get("progress_version", 0))
    done = exclusions(database_url(), project_id, actor, version)
    if not actor.is_owner and not done:
        return
    st.subheader("Exclude the remaining unscreened records by automation")
    show_flash("automation")
    for each in done:
        line, button = st.columns([5, 1])
        line.markdown(exclusion_line(each))
        if each.active and actor.is_owner:
            button.button("Undo", key=f"automation_undo_{each.exclusion_id}", on_click=run_action,
                          args=("undo", project_id, actor, each.exclusion_id))  # fmt: skip
    if not actor.is_owner:
        return
    team = guide.team.estimate if guide.team is not None else None  # the owner's has it: not again
    offer = preview(database_url(), project_id, actor, version, team)
    if not offer.safe_to_stop:
        st.caption(
            "Offered to the owner once the stopping rule says it is safe to stop on the team's final "
            "decisions. Until then an exclusion by automation would go against the rule; a team that "
            "stops anyway can leave the rest unscreened (PRISMA shows them as awaiting screening)."
        )
        return
    if not offer.records:
        st.caption("No record is left without a decision (outside the calibration pilot).")
        return
    st.warning(
        f"{offer.records:,} {plural(offer.records, 'record', 'records')} that nobody has screened "
        "(outside the calibration pilot) would "
        "leave every reviewer's queue and count as **excluded by automation** in PRISMA, with the "
        "stopping rule's figures recorded. Records with any decision stay as they are. You can undo it.",
        icon=":material/warning:",
    )
    agreed = st.checkbox(
        f"I understand: {offer.records:,} unscreened {plural(offer.records, 'record', 'records')} will be "
        "excluded without a person "
        "reading them, on the stopping rule's estimate.",
        key="automation_confirm",
    )
    st.button("Exclude the remaining unscreened records by automation", key="automation_apply", type="primary",
              disabled=not agreed, on_click=run_action, args=("apply", project_id, actor))  # fmt: skip


st.title("Progress & stopping")
project = current_project()
try:
    actor = current_actor()
    guide = guidance(database_url(), project.id, actor, int(st.session_state.get("progress_version", 0)))
except PermissionDenied as error:
    denied(error)
    st.stop()

order = "prioritised (each reviewer's own ranking)" if guide.order == "prioritised" else "random"
st.caption(f"Title/abstract queue order: {order}. The owner changes it on Protocol & team.")
shown = [each for each in (guide.mine, guide.team) if each is not None and each.screened]
if not shown:
    st.info("Nothing screened yet at title/abstract: the chart starts with the first decision.")
else:
    chart(shown, guide.total)
for each in shown:
    estimate_section(each, guide)
if guide.team is None and guide.mine is not None:
    st.caption("Blind screening: you see your own curve only; the team's appears once blinding is off.")
if guide.model is not None and guide.model.ranked:
    st.caption(
        f"My ranking: learnt from {guide.model.labels:,} decisions ({guide.model.includes:,} includes); "
        f"re-ranked in {guide.model.seconds:.2f} s."
    )

automation_section(project.id, actor, guide)

with st.expander("How the estimate and the stopping guidance work"):
    st.markdown(
        f"""
- **The curve** counts includes (a Maybe as the protocol counts it) against records screened, in the
  order they were screened. With a prioritised queue it rises steeply first and flattens as the
  includes run out; with a random order it is a straight line on average.
- **The stopping rule** (Callaghan and Müller-Hansen, 2020, *Systematic Reviews* 9:273): for every
  k, the last k records screened are treated as if they were a random sample of the records that
  were still unscreened before them, and a hypergeometric test asks whether recall could still be
  below {percent(guide.recall_target)}. "Safe to stop" means that doubt is rejected at
  {percent(guide.confidence)} confidence. A prioritised order puts likely includes first, so the
  records screened last hold no more includes than a random sample would: the rule errs on the side
  of screening on.
- **The estimate** of includes still unscreened is the include rate of the recent half of the
  screening times the records left; the range runs from a lower bound read from that recent half
  to the largest count the stopping test cannot rule out ({percent(guide.confidence)} one-sided
  bounds).
- **Guidance only.** The app never stops a queue or excludes a record by itself. If the team decides
  to stop, the records left unscreened stay unscreened in the PRISMA counts ("awaiting screening"),
  unless the owner, once the rule says it is safe, excludes them by automation: they then leave
  every queue and PRISMA counts them as "excluded by automation" (records anyone decided, and the
  calibration pilot, are never covered; a decision made later counts by that decision). Undo puts
  them back.
- **Blinding.** A blinded reviewer sees only their own curve; the team's curve (final decisions)
  would tell them how the others decided.
"""
    )
