"""PRISMA: the PRISMA-ScR flow diagram computed from the database, with downloads as SVG, PNG and JSON."""

import json

import streamlit as st

from app_pages.common import current_project, database_url, engine, md_escape
from review.screening.prisma import prisma_problems, render_prisma_png, render_prisma_svg
from review.screening.service import prisma_counts


@st.cache_data(ttl=10, show_spinner="Counting…", max_entries=50)
def diagram(url: str, project_id: int, title: str) -> tuple[dict[str, object], list[str], str, bytes]:
    counts = prisma_counts(engine(), project_id)
    svg = render_prisma_svg(counts, title=title)
    return counts.to_dict(), prisma_problems(counts), svg, render_prisma_png(svg)


st.title("PRISMA-ScR flow diagram")
project = current_project()
counts, problems, svg, png = diagram(database_url(), project.id, project.name)
for problem in problems:
    st.warning(md_escape(problem))
stem = "".join(c if c.isalnum() else "-" for c in project.name).strip("-").lower() or "project"
svg_column, png_column, json_column, _ = st.columns([1, 1, 1, 3])
svg_column.download_button("SVG", svg, file_name=f"prisma-{stem}.svg", mime="image/svg+xml",
                           icon=":material/download:", key="prisma_svg")  # fmt: skip
png_column.download_button("PNG", png, file_name=f"prisma-{stem}.png", mime="image/png",
                           icon=":material/download:", key="prisma_png")  # fmt: skip
json_column.download_button("JSON", json.dumps(counts, indent=2), file_name=f"prisma-{stem}.json",
                            mime="application/json", icon=":material/download:", key="prisma_json")  # fmt: skip
st.caption("Counted from the database a few seconds ago; every record is in exactly one box.")
st.image(png, width=720)
