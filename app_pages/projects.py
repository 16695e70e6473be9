"""Projects: the reviews the signed-in user belongs to (an administrator: all), with their counts
and the user's role; create a new one (its creator becomes its owner)."""

import streamlit as st

from app_pages.common import current_account, current_project, engine, md_escape, new_project_form
from review.people import projects_of
from review.store.projects import project_overview

st.title("Projects")
st.caption(f"Current project: {md_escape(current_project().name)}. Choose another in the sidebar.")

account = current_account()
roles = {pid: role for pid, _, role in projects_of(engine(), account.user_id)} if account else {}
mine = [{**row, "role": roles[row["id"]]} for row in project_overview(engine()) if row["id"] in roles]
st.dataframe(
    mine,
    hide_index=True,
    column_order=["name", "role", "description", "sources", "records", "created_at"],
    column_config={
        "name": st.column_config.TextColumn("Project", width="medium"),
        "role": st.column_config.TextColumn("Your role"),
        "description": st.column_config.TextColumn("Description", width="large"),
        "sources": st.column_config.NumberColumn("Files"),
        "records": st.column_config.NumberColumn("Records", format="localized"),
        "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
    },
)

st.subheader("New project")
with st.columns(2)[0]:
    new_project_form("page_new_project")
