"""Projects: every review in this database, with its counts; create a new one."""

import streamlit as st

from app_pages.common import current_project, engine, md_escape, new_project_form
from review.store.projects import project_overview

st.title("Projects")
st.caption(f"Current project: {md_escape(current_project().name)}. Choose another in the sidebar.")

st.dataframe(
    project_overview(engine()),
    hide_index=True,
    column_order=["name", "description", "sources", "records", "created_at"],
    column_config={
        "name": st.column_config.TextColumn("Project", width="medium"),
        "description": st.column_config.TextColumn("Description", width="large"),
        "sources": st.column_config.NumberColumn("Files"),
        "records": st.column_config.NumberColumn("Records", format="localized"),
        "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
    },
)

st.subheader("New project")
with st.columns(2)[0]:
    new_project_form("page_new_project")
