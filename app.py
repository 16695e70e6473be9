"""ReviewMap: `streamlit run app.py`. Navigation and shared state only; each step is a page."""

import streamlit as st

from app_pages.common import demo_project, md_escape, new_project_form, project_picker

st.set_page_config(page_title="ReviewMap", page_icon=":material/hub:", layout="wide")


def page(file: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(f"app_pages/{file}", title=title, icon=f":material/{icon}:", default=default)


# One line per page; sections follow the review's flow and stay hidden while empty.
PAGES: dict[str, list[st.Page]] = {
    "Records": [
        page("import_records.py", "Import", "upload_file"),
        page("records.py", "Records", "table_rows", default=True),
        page("dedup.py", "Deduplicate", "join"),
    ],
    "Screening": [],
    "Extraction": [],
    "Map": [],
    "Project": [
        page("projects.py", "Projects", "folder_open"),
    ],
}

demo = demo_project()
if demo.error:
    st.sidebar.error(md_escape(demo.error))
project_picker(default_name=demo.name)
with st.sidebar.expander("New project"):
    new_project_form("sidebar_new_project")

st.navigation({section: pages for section, pages in PAGES.items() if pages}).run()
