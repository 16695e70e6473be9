"""First start: the installation's administrator account (`create_first_owner`), asked for while
there is none. The administrator acts as owner of every project."""

import streamlit as st

from app_pages.common import engine, md_escape, sign_in_as
from review.people import MIN_PASSWORD_LENGTH, PeopleError, create_first_owner


def _create() -> None:
    state = st.session_state
    password, again = state.get("first_password", ""), state.get("first_password_again", "")
    if password != again:
        state["first_start_error"] = "Not created: the two passwords differ."
        return
    try:
        account = create_first_owner(
            engine(), state.get("first_username", ""), password, state.get("first_display_name", "")
        )
    except PeopleError as error:
        state["first_start_error"] = f"Not created: {error}."
        return
    for key in ("first_password", "first_password_again"):
        state[key] = ""
    sign_in_as(account)


st.title("Welcome to ReviewMap")
st.write(
    "Create the administrator account of this installation. The administrator manages every "
    "project and the accounts of the team."
)
with st.columns([2, 3])[0]:
    with st.form("first_start"):
        st.text_input("User name", key="first_username", max_chars=100, autocomplete="username")
        st.text_input("Display name", key="first_display_name", max_chars=200)
        st.text_input(
            "Password",
            type="password",
            key="first_password",
            help=f"At least {MIN_PASSWORD_LENGTH} characters.",
            autocomplete="new-password",
        )
        st.text_input(
            "Password again", type="password", key="first_password_again", autocomplete="new-password"
        )
        st.form_submit_button("Create account and sign in", type="primary", on_click=_create)
    error = st.session_state.pop("first_start_error", None)
    if error:
        st.error(md_escape(error))
