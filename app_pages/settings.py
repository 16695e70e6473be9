"""Protocol & team: the screening protocol (owner edits, everyone reads), the project's members and
their roles, user accounts, and decisions made elsewhere imported from a CSV file."""

import pandas as pd
import streamlit as st

from app_pages.common import (
    current_account,
    current_actor,
    current_project,
    denied,
    engine,
    flash,
    flash_denied,
    md_escape,
    show_flash,
)
from review.people import (
    ROLES,
    PeopleError,
    PermissionDenied,
    add_member,
    create_user,
    list_users,
    members,
    remove_member,
)
from review.records.readers import BadInput
from review.screening.csv_import import REQUIRED_COLUMNS, import_decisions
from review.screening.service import ScreeningError, protocol, update_settings
from review.screening.settings import SCREENING_ORDERS, SettingInfo, describe_settings

KEY = "settings"
TEXT_AREAS = {"population", "concept", "context"}


LABELS = {
    "reviewers_title_abstract": "Reviewers per record at title/abstract",
    "reviewers_full_text": "Reviewers per record at full text",
    "maybe_counts_as_include": "Maybe counts as Include",
    "highlight_include": "Highlight: terms suggesting inclusion (one per line)",
    "highlight_exclude": "Highlight: terms suggesting exclusion (one per line)",
    "pilot_pass_mark": "Pilot pass mark (0–1)",
    "inclusion_criteria": "Inclusion criteria (one per line)",
    "exclusion_criteria": "Exclusion criteria (one per line)",
    "exclusion_reasons": "Exclusion reasons (one per line)",
    "screening_order": "Title/abstract queue order",
}
#: Settings chosen from a fixed list.
CHOICES = {"screening_order": SCREENING_ORDERS}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def widget(info: SettingInfo, key: str) -> None:
    """The input for one setting, chosen by the type of its default."""
    if info.name in CHOICES:
        options = CHOICES[info.name]
        st.radio(
            label(info.name),
            options,
            index=options.index(info.value),
            help=info.help,
            key=key,
            horizontal=True,
        )
    elif isinstance(info.default, bool):
        st.checkbox(label(info.name), value=info.value, help=info.help, key=key)
    elif isinstance(info.default, int):
        st.number_input(label(info.name), value=int(info.value), step=1, help=info.help, key=key)
    elif isinstance(info.default, float):
        st.number_input(label(info.name), 0.0, 1.0, float(info.value), step=0.05, help=info.help, key=key)
    elif isinstance(info.default, tuple):
        st.text_area(label(info.name), "\n".join(info.value), help=info.help, key=key, height=110)
    else:
        st.text_area(label(info.name), str(info.value), help=info.help, key=key, height=80)


def form_value(info: SettingInfo, key: str) -> object:
    value = st.session_state.get(key, info.value)
    if isinstance(info.default, tuple):
        return tuple(line.strip() for line in str(value).splitlines() if line.strip())
    if isinstance(info.default, str):
        return str(value).strip()
    return value


def save_protocol(infos: list[SettingInfo]) -> None:
    changes = {}
    for info in infos:
        value = form_value(info, f"setting_{info.name}")
        if value != info.value:
            changes[info.name] = value
    if not changes:
        flash(KEY, "info", "Nothing changed.")
        return
    try:
        update_settings(engine(), current_project().id, current_actor(), **changes)
    except PermissionDenied as error:
        flash_denied(error)
        return
    except (ValueError, ScreeningError) as error:
        flash(KEY, "error", f"Not saved: {md_escape(str(error))}.")
        return
    flash(KEY, "ok", "Saved: " + md_escape(", ".join(label(name).lower() for name in changes)) + ".")


def shown(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(str(item) for item in value)
    return str(value)


def protocol_section(owner: bool) -> None:
    st.subheader("Screening protocol", divider="gray")
    infos = describe_settings(protocol(engine(), current_project().id))
    if not owner:
        st.caption("Only the project's owner changes the protocol.")
        st.dataframe(
            pd.DataFrame([(label(i.name), shown(i.value)) for i in infos], columns=["setting", "value"]),
            hide_index=True,
        )
        return
    with st.form("protocol_form", border=False):
        left, right = st.columns(2)
        for position, info in enumerate(infos):
            with left if position < 5 else right:
                widget(info, f"setting_{info.name}")
        st.form_submit_button("Save protocol", type="primary", on_click=save_protocol, args=(infos,))


def change_member(action: str) -> None:
    state = st.session_state
    try:
        actor = current_actor()
        project_id = current_project().id
        if action == "add":
            username = state.get("member_user") or ""
            member = add_member(engine(), project_id, actor, username, state.get("member_role", "reviewer"),
                                can_resolve=bool(state.get("member_resolver")))  # fmt: skip
            flash(KEY, "ok", md_escape(f"{member.username} is now {member.role} of this project."))
        elif action == "remove":
            username = state.get("member_remove") or ""
            remove_member(engine(), project_id, actor, username)
            flash(KEY, "ok", md_escape(f"{username} is no longer a member (their decisions stay)."))
        else:
            actor.require_owner("create user accounts")
            account = create_user(engine(), state.get("new_user_name", ""), state.get("new_user_password", ""),
                                  state.get("new_user_display", ""))  # fmt: skip
            for key in ("new_user_name", "new_user_display", "new_user_password"):
                state[key] = ""
            state["member_user"] = account.username  # the next step is usually to add them
            flash(
                KEY, "ok", md_escape(f"Created the account {account.username}; add it to the project below.")
            )
    except PermissionDenied as error:
        flash_denied(error)
    except PeopleError as error:
        flash(KEY, "error", f"Not done: {md_escape(str(error))}.")


def team_section(owner: bool) -> None:
    st.subheader("Team", divider="gray")
    team = members(engine(), current_project().id)
    st.dataframe(
        pd.DataFrame(
            [(m.username, m.display_name, m.role, "yes" if m.can_resolve else "", m.added_at) for m in team],
            columns=["user", "name", "role", "third reviewer", "since"],
        ),
        hide_index=True,
        column_config={"since": st.column_config.DatetimeColumn("since", format="YYYY-MM-DD")},
    )
    if not owner:
        return
    add_column, remove_column, account_column = st.columns(3, gap="large")
    with add_column, st.form("member_add"):
        st.markdown("**Add a member or change a role**")
        usernames = [a.username for a in list_users(engine()) if a.is_active]
        st.selectbox("User", usernames, index=None, key="member_user", placeholder="choose an account")
        st.selectbox("Role", ROLES, index=1, key="member_role")
        st.checkbox("Third reviewer (resolves conflicts)", key="member_resolver")
        st.form_submit_button("Add or change", on_click=change_member, args=("add",))
    with remove_column, st.form("member_remove_form"):
        st.markdown("**Remove a member**")
        st.selectbox(
            "Member", [m.username for m in team], index=None, key="member_remove", placeholder="choose"
        )
        st.caption("Their decisions stay. The last owner cannot be removed.")
        st.form_submit_button("Remove", on_click=change_member, args=("remove",))
    with account_column, st.form("new_user"):
        st.markdown("**Create a user account**")
        st.text_input("User name", key="new_user_name", max_chars=100)
        st.text_input("Display name", key="new_user_display", max_chars=200)
        st.text_input("Password", type="password", key="new_user_password")
        st.form_submit_button("Create account", on_click=change_member, args=("account",))


def import_section() -> None:
    st.subheader("Import decisions", divider="gray")
    st.caption(
        "A CSV file with the columns " + md_escape(", ".join(REQUIRED_COLUMNS)) + " (and optionally reason, "
        "note): decisions made elsewhere. Unknown reviewers get accounts that cannot sign in until "
        "given a password. All or nothing; the same file twice stores nothing twice."
    )
    upload = st.file_uploader("Decisions CSV", type=["csv"], key="decisions_csv")
    if upload is not None and st.button("Import decisions", key="import_decisions"):
        try:
            summary = import_decisions(engine(), current_project().id, upload.name, upload.getvalue())
        except BadInput as error:
            st.error("Nothing imported: the file has bad rows.")
            st.code(str(error), language=None)
        except PeopleError as error:
            st.error(f"Nothing imported: {md_escape(str(error))}.")
        else:
            st.success(md_escape(summary.message()))
            if summary.reviewers_created:
                st.caption(md_escape("New reviewer accounts: " + ", ".join(summary.reviewers_created)))


st.title("Protocol & team")
try:
    actor = current_actor()
except PermissionDenied as error:
    denied(error)
    st.stop()
account = current_account()
show_flash(KEY)
protocol_section(actor.is_owner)
team_section(actor.is_owner)
if actor.is_owner:
    import_section()
