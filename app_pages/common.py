"""What every page shares: the engine, the signed-in account, the current project and the
user's role there, safe text."""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from review.demo import ensure_demo_project
from review.people import (
    Account,
    Actor,
    PermissionDenied,
    account_by_id,
    actor_for,
    ensure_owner,
    projects_of,
    session_stamp,
)
from review.screening.service import Progress, progress
from review.sign_in_sessions import COOKIE_NAME, IDLE_SECONDS, SIGN_IN_SESSIONS
from review.store.engine import database_url, get_engine, session_scope
from review.store.projects import (
    DEFAULT_PROJECT,
    ProjectError,
    create_project,
    ensure_project,
    project_overview,
)

PROJECT_KEY = "project_id"
ACCOUNT_KEY = "account"
SESSION_TOKEN_KEY = "sign_in_token"  # noqa: S105 - a session_state key, not a secret
COOKIE_PENDING_KEY = "sign_in_cookie_pending"
RESUMED_KEY = "sign_in_resumed"


@dataclass(frozen=True)
class ProjectRef:
    id: int
    name: str
    role: str = "owner"
    """The signed-in user's role in the project (administrators: owner of every project)."""


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


def current_account() -> Account | None:
    """The signed-in account, or None before sign-in."""
    account = st.session_state.get(ACCOUNT_KEY)
    return account if isinstance(account, Account) else None


def current_user() -> str:
    """Who is working: the signed-in user name ("" before sign-in)."""
    account = current_account()
    return account.username if account else ""


def sign_in_as(account: Account) -> None:
    """Remember the account for this browser session, and in a cookie so that a reload keeps it
    (`review.sign_in_sessions`); the project is chosen afresh."""
    st.session_state[ACCOUNT_KEY] = account
    st.session_state.pop(PROJECT_KEY, None)
    st.session_state.pop("project", None)
    stamp = session_stamp(engine(), account.user_id)
    if stamp is not None:
        token = SIGN_IN_SESSIONS.issue(account.user_id, stamp)
        st.session_state[SESSION_TOKEN_KEY] = token
        st.session_state[COOKIE_PENDING_KEY] = token


def sign_out() -> None:
    """Forget everything this browser session held (account, project, page state) and end its
    sign-in token, so the cookie no longer signs anyone in."""
    token = st.session_state.get(SESSION_TOKEN_KEY)
    if isinstance(token, str):
        SIGN_IN_SESSIONS.revoke(token)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[RESUMED_KEY] = True  # the cookie read at connection time is stale now
    st.session_state[COOKIE_PENDING_KEY] = ""


def resume_sign_in() -> None:
    """On a fresh browser session (a reload), sign in again from the session cookie, if it is
    still valid. Tried once per browser session."""
    if st.session_state.get(RESUMED_KEY) or current_account() is not None:
        return
    st.session_state[RESUMED_KEY] = True
    token = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(token, str) or not token:  # AppTest has no real cookies
        return
    user_id = SIGN_IN_SESSIONS.resume(token, lambda user: session_stamp(engine(), user))
    account = account_by_id(engine(), user_id) if user_id is not None else None
    if account is not None:
        st.session_state[ACCOUNT_KEY] = account
        st.session_state[SESSION_TOKEN_KEY] = token


def write_session_cookie() -> None:
    """Set (after sign-in) or clear (after sign-out) the session cookie in the browser. The token
    is random URL-safe text; the cookie is first-party, SameSite=Strict, Secure over HTTPS."""
    token = st.session_state.pop(COOKIE_PENDING_KEY, None)
    if token is None:
        return
    lifetime = int(IDLE_SECONDS) if token else 0
    script = (
        "<script>(function(){var secure=location.protocol==='https:'?'; Secure':'';"
        f"document.cookie={json.dumps(COOKIE_NAME + '=' + token)}+'; path=/; SameSite=Strict; "
        f"max-age={lifetime}'+secure;}})();</script>"
    )
    st.html(script, unsafe_allow_javascript=True)


def current_actor() -> Actor:
    """The signed-in user acting in the current project, as the database says now
    (PermissionDenied if they are no longer a member)."""
    account = current_account()
    if account is None:
        raise PermissionDenied("sign in first")
    return actor_for(engine(), current_project().id, account.user_id)


def denied(error: PermissionDenied) -> None:
    """The one way a page says that the user's role does not allow something."""
    st.error(f"Not allowed: {error}.", icon=":material/block:")


def select_project(project_id: int) -> None:
    """Make `project_id` the current project (call from a widget callback, before the picker renders)."""
    st.session_state[PROJECT_KEY] = project_id


def project_picker(default_name: str | None) -> ProjectRef | None:
    """The sidebar selectbox of the projects the signed-in user belongs to (an administrator: all);
    picks `default_name` (or the first) when none is chosen yet. None when the user has none."""
    account = current_account()
    if account is None:
        return None
    projects = projects_of(engine(), account.user_id)
    if not projects and account.is_admin and not project_overview(engine()):
        ensure_owner(engine(), ensure_project(engine(), DEFAULT_PROJECT), account.user_id)
        projects = projects_of(engine(), account.user_id)
    if not projects:
        st.session_state.pop("project", None)
        return None
    names = {project_id: name for project_id, name, _ in projects}
    roles = {project_id: role for project_id, _, role in projects}
    if st.session_state.get(PROJECT_KEY) not in names:
        by_name = {name: project_id for project_id, name in names.items()}
        st.session_state[PROJECT_KEY] = by_name.get(default_name or "", next(iter(names)))
    project_id = st.sidebar.selectbox("Project", list(names), format_func=names.__getitem__, key=PROJECT_KEY)
    project = ProjectRef(project_id, names[project_id], roles[project_id])
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
    account = current_account()
    if account is None:
        st.session_state[f"{key}_message"] = ("error", "Not created: sign in first.")
        return
    try:
        with session_scope(engine()) as session:
            project = create_project(session, name, description)
            project_id, project_name = project.id, project.name
        ensure_owner(engine(), project_id, account.user_id)
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


def flash(key: str, kind: str, text: str) -> None:
    """A message for the next run of a page (set in a widget callback)."""
    st.session_state[f"{key}_message"] = (kind, text)


def flash_denied(error: PermissionDenied) -> None:
    """From a widget callback: the user's role no longer allows what they clicked. app.py shows
    the message above whatever page the navigation then offers (the page itself may be gone)."""
    st.session_state["denied_message"] = f"Not allowed: {error}."


def show_denied() -> None:
    message = st.session_state.pop("denied_message", None)
    if message:
        st.error(message, icon=":material/block:")


def show_flash(key: str) -> None:
    message = st.session_state.pop(f"{key}_message", None)
    if message:
        kind, text = message
        {"ok": st.success, "error": st.error, "info": st.info, "warning": st.warning}[kind](text)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@st.cache_data(ttl=5, show_spinner=False, max_entries=500)
def _progress(url: str, project_id: int, actor: Actor, stage: str, version: int) -> Progress:
    return progress(_engine_for(url), project_id, actor, stage)


def cached_progress(actor: Actor, stage: str) -> Progress:
    """`service.progress` (about a third of a second on a large project) kept for a few seconds;
    a decision made in this session (`bump_progress`) shows at once."""
    version = int(st.session_state.get("progress_version", 0))
    return _progress(database_url(), actor.project_id, actor, stage, version)


def bump_progress() -> None:
    st.session_state["progress_version"] = int(st.session_state.get("progress_version", 0)) + 1
