"""Agreement: per stage and reviewer pair, n, percent agreement, Cohen's kappa, PABAK and
prevalence; the calibration pilot's pass or fail; kappa per batch over time.

While blinding is on, a reviewer sees the pilot's result for the team, not the reviewer pairs."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import current_actor, current_project, denied, engine, number, percent
from app_pages.screening_ui import STAGE_LABELS
from review.people import PermissionDenied
from review.screening.service import agreement_report, pilot_status

st.title("Agreement")
project = current_project()
try:
    actor = current_actor()
    pilot = pilot_status(engine(), project.id, actor)
except PermissionDenied as error:
    denied(error)
    st.stop()

st.subheader("Calibration pilot", divider="gray")
if not pilot.record_ids or pilot.result is None:
    st.caption("No pilot: the protocol's pilot size is 0, or there is nothing to screen yet.")
else:
    result = pilot.result
    a, b, c, d = st.columns(4)
    a.metric("Pilot records", f"{result.n_records:,}")
    b.metric("Agreement", percent(result.agreement))
    c.metric("Kappa (mean of pairs)", number(result.kappa))
    d.metric("Pass mark", percent(result.pass_mark))
    if not result.complete:
        waiting = sum(len(ids) for ids in result.missing.values())
        st.info(f"The pilot is not complete yet: {waiting:,} pilot decisions are still missing.")
    elif result.passed:
        st.success(
            "Pilot passed: the team agrees well enough to go on screening.", icon=":material/check_circle:"
        )
    elif result.passed is False:
        st.error("Pilot failed: discuss the disagreements and sharpen the criteria before going on.",
                 icon=":material/cancel:")  # fmt: skip

stage = st.segmented_control(
    "Stage", list(STAGE_LABELS), format_func=STAGE_LABELS.__getitem__, default="title_abstract",
    key="agreement_stage",
) or "title_abstract"  # fmt: skip
try:
    report = agreement_report(engine(), project.id, actor, stage)
except PermissionDenied as error:
    st.info(f"{str(error)[:1].upper()}{str(error)[1:]}.", icon=":material/visibility_off:")
    st.stop()

st.subheader("Reviewer pairs", divider="gray")
if not report.pairs:
    st.caption("No two reviewers have decided the same records at this stage yet.")
else:
    names = report.names
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "reviewer A": names.get(p.reviewer_a, str(p.reviewer_a)),
                    "reviewer B": names.get(p.reviewer_b, str(p.reviewer_b)),
                    "n": p.n,
                    "agreement": percent(p.agreement),
                    "kappa": number(p.kappa),
                    "PABAK": number(p.pabak),
                    "prevalence": number(p.prevalence),
                    "note": p.kappa_undefined or "",
                }
                for p in report.pairs
            ]
        ),
        hide_index=True,
    )

st.subheader("Kappa per batch over time", divider="gray")
batches = [b for b in report.batches if b.stage == stage and b.kappa is not None]
if not batches:
    st.caption("No batch with a defined kappa yet.")
else:
    chart = pd.DataFrame(
        {
            "records decided by both": [b.last_record for b in batches],
            "kappa": [b.kappa for b in batches],
            "pair": [
                f"{report.names.get(b.reviewer_a, b.reviewer_a)} – {report.names.get(b.reviewer_b, b.reviewer_b)}"
                for b in batches
            ],
        }
    )
    st.altair_chart(
        alt.Chart(chart)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "records decided by both:Q",
                title="records decided by both reviewers",
                axis=alt.Axis(format="d"),
            ),
            y=alt.Y("kappa:Q", title="Cohen's kappa", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color("pair:N", title="pair"),
            tooltip=["pair", "records decided by both", alt.Tooltip("kappa:Q", format=".2f")],
        )
        .properties(height=280)
    )
