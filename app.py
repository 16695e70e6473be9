"""ReviewMap: `streamlit run app.py`. Sign-in, navigation and shared state only; each step is a page."""

import streamlit as st

from app_pages.common import (
    current_account,
    current_actor,
    demo_project,
    engine,
    md_escape,
    new_project_form,
    project_picker,
    resume_sign_in,
    show_denied,
    sign_out,
    write_session_cookie,
)
from review.people import PermissionDenied, Role, first_start_needed, list_users

st.set_page_config(page_title="ReviewMap", page_icon=":material/hub:", layout="wide")

EVERYONE = frozenset(Role)
SCREENERS = frozenset({Role.OWNER, Role.REVIEWER})
OWNERS = frozenset({Role.OWNER})
#: Reviewers named as third reviewer see the Conflicts page too (see `visible`).
RESOLVERS = frozenset({"resolver"})


def page(
    file: str, title: str, icon: str, roles: frozenset[str] = EVERYONE, default: bool = False
) -> tuple[st.Page, frozenset[str]]:
    return (st.Page(f"app_pages/{file}", title=title, icon=f":material/{icon}:", default=default), roles)


# One line per page, with the roles that see it; sections follow the review's flow and stay hidden
# while empty. What a role may do is enforced in review/: hiding a page is for clarity only.
PAGES: dict[str, list[tuple[st.Page, frozenset[str]]]] = {
    "Records": [
        page("import_records.py", "Import", "upload_file", OWNERS),
        page("records.py", "Records", "table_rows", default=True),
        page("dedup.py", "Deduplicate", "join", OWNERS),
    ],
    "Screening": [
        page("screen.py", "Screen", "rule", SCREENERS),
        page("full_text.py", "Full text", "description", SCREENERS),
        page("conflicts.py", "Conflicts", "call_split", OWNERS | RESOLVERS),
        page("agreement.py", "Agreement", "handshake"),
        page("stopping.py", "Progress & stopping", "trending_up"),
        page("prisma.py", "PRISMA", "account_tree"),
    ],
    "Extraction": [
        page("extract.py", "Extract", "edit_note", SCREENERS),
    ],
    "Map": [
        page("evidence_map.py", "Evidence map", "hub"),
    ],
    "Project": [
        page("projects.py", "Projects", "folder_open"),
        page("settings.py", "Protocol & team", "groups"),
    ],
}


def visible(role: str, can_resolve: bool) -> dict[str, list[st.Page]]:
    roles = {role, "resolver"} if can_resolve else {role}
    shown = {
        section: [each for each, allowed in pages if roles & allowed] for section, pages in PAGES.items()
    }
    return {section: pages for section, pages in shown.items() if pages}


def signed_out() -> None:
    """Before sign-in only the sign-in page (and the first start while there is no administrator)."""
    first_start = first_start_needed(engine())
    anyone_can_sign_in = any(a.is_active and a.can_sign_in for a in list_users(engine()))
    pages = []
    if anyone_can_sign_in:
        pages.append(st.Page("app_pages/sign_in.py", title="Sign in", icon=":material/login:", default=True))
    if first_start:
        pages.append(
            st.Page(
                "app_pages/first_start.py",
                title="First start",
                icon=":material/person_add:",
                default=not anyone_can_sign_in,
            )
        )
    st.navigation(pages, position="hidden").run()


def no_project() -> None:
    st.title("No project yet")
    st.info("You are not a member of any project. Create one, or ask a project owner to add you.")
    with st.columns(2)[0]:
        new_project_form("page_new_project")


demo = demo_project()
resume_sign_in()
write_session_cookie()
account = current_account()
if account is None:
    signed_out()
else:
    if demo.error:
        st.sidebar.error(md_escape(demo.error))
    project = project_picker(default_name=demo.name)
    with st.sidebar.expander("New project"):
        new_project_form("sidebar_new_project")
    st.sidebar.caption(f"Signed in as **{md_escape(account.label)}**")
    st.sidebar.button("Sign out", icon=":material/logout:", key="sign_out", on_click=sign_out)
    if project is None:
        st.navigation([st.Page(no_project, title="Projects", icon=":material/folder_open:")]).run()
    else:
        try:
            can_resolve = current_actor().may_resolve
        except PermissionDenied:  # a membership ended a moment ago: the picker drops it next run
            can_resolve = False
        st.sidebar.caption(f"Your role here: {project.role}")
        navigation = st.navigation(visible(project.role, can_resolve), expanded=True)  # every step in view
        show_denied()
        navigation.run()
