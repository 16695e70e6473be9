"""What every page shares: the engine, the current project, the current user, safe text."""

from __future__ import annotations

import getpass
import re
import string
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from review.demo import ensure_demo_project
from review.store.engine import database_url, get_engine, session_scope
from review.store.projects import (
    DEFAULT_PROJECT,
    ProjectError,
    create_project,
    ensure_project,
    project_overview,
)

PROJECT_KEY = "project_id"


@dataclass(frozen=True)
class ProjectRef:
    id: int
    name: str


@dataclass(frozen=True)
class DemoOutcome:
    name: str | None
    error: str | None


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    """The process-wide engine for the configured database ($REVIEW_DATABASE_URL or SQLite)."""
    return _engine_for(database_url())


@st.cache_resource(show_spinner="Building the demo project…")
def _demo_for(url: str) -> DemoOutcome:
    # Once per process and database: a failure is remembered too, so that a broken or missing
    # demo export costs one attempt, not one per rerun.
    try:
        return DemoOutcome(ensure_demo_project(_engine_for(url)), None)
    except Exception as error:  # the app must open even when the demo cannot be built
        return DemoOutcome(None, f"The demo project could not be built: {error}")


def demo_project() -> DemoOutcome:
    return _demo_for(database_url())


def current_user() -> str:
    """Who is working. The one place sign-in will plug into; until then, the OS account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def select_project(project_id: int) -> None:
    """Make `project_id` the current project (call from a widget callback, before the picker renders)."""
    st.session_state[PROJECT_KEY] = project_id


def project_picker(default_name: str | None) -> ProjectRef:
    """The sidebar selectbox of projects; picks `default_name` (or the first) when none is chosen yet."""
    projects = project_overview(engine())
    if not projects:
        ensure_project(engine(), DEFAULT_PROJECT)
        projects = project_overview(engine())
    names = {int(project["id"]): str(project["name"]) for project in projects}
    if st.session_state.get(PROJECT_KEY) not in names:
        by_name = {name: project_id for project_id, name in names.items()}
        st.session_state[PROJECT_KEY] = by_name.get(default_name or "", next(iter(names)))
    project_id = st.sidebar.selectbox("Project", list(names), format_func=names.__getitem__, key=PROJECT_KEY)
    project = ProjectRef(project_id, names[project_id])
    st.session_state["project"] = project
    return project


def current_project() -> ProjectRef:
    """The project chosen in the sidebar (app.py sets it before any page runs)."""
    project: ProjectRef = st.session_state["project"]
    return project


def new_project_form(key: str) -> None:
    """A form that creates a project and makes it the current one."""
    with st.form(key, border=False):
        st.text_input("Name", key=f"{key}_name", max_chars=200)
        st.text_area("Description", key=f"{key}_description", height=80)
        st.form_submit_button("Create project", on_click=_create_project, args=(key,))
    message = st.session_state.pop(f"{key}_message", None)
    if message:
        kind, text = message
        (st.success if kind == "ok" else st.error)(text)


def _create_project(key: str) -> None:
    name = st.session_state.get(f"{key}_name", "")
    description = st.session_state.get(f"{key}_description", "")
    try:
        with session_scope(engine()) as session:
            project = create_project(session, name, description)
            project_id, project_name = project.id, project.name
    except ProjectError as error:
        st.session_state[f"{key}_message"] = ("error", f"Not created: {error}.")
        return
    select_project(project_id)
    st.session_state[f"{key}_name"] = ""
    st.session_state[f"{key}_description"] = ""
    st.session_state[f"{key}_message"] = ("ok", f"Created project {md_escape(project_name)}.")


_MARKDOWN_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def md_escape(text: str) -> str:
    """Text from a file or a user, safe inside Markdown: every ASCII punctuation mark is
    backslash-escaped, so `*`, `[`, `<`, `$` and `:` show as themselves."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many
