"""Sign in: user name and password (`review.people.authenticate`); nothing else shows before it."""

import pandas as pd
import streamlit as st

from app_pages.common import engine, md_escape, sign_in_as
from review.people import DEMO_TEAM, AuthenticationFailed, authenticate, find_user, first_start_needed
from review.sign_in_limit import SIGN_IN_LIMITER, SignInLocked


def _sign_in() -> None:
    username = st.session_state.get("sign_in_username", "")
    password = st.session_state.get("sign_in_password", "")
    st.session_state["sign_in_password"] = ""
    try:
        account = authenticate(engine(), username, password, SIGN_IN_LIMITER)
    except (AuthenticationFailed, SignInLocked) as error:
        st.session_state["sign_in_error"] = f"Not signed in: {error}."
        return
    sign_in_as(account)


st.title("Sign in to ReviewMap")
with st.columns([2, 3])[0]:
    with st.form("sign_in"):
        st.text_input("User name", key="sign_in_username", max_chars=100, autocomplete="username")
        st.text_input("Password", type="password", key="sign_in_password", autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", on_click=_sign_in)
    error = st.session_state.pop("sign_in_error", None)
    if error:
        st.error(md_escape(error))

    demo = [(name, password, role) for name, _, password, role in DEMO_TEAM if find_user(engine(), name)]
    if demo:
        with st.expander("Demo accounts (the README lists them too)"):
            st.dataframe(
                pd.DataFrame(demo, columns=["user name", "password", "role in the demo project"]),
                hide_index=True,
            )
    if first_start_needed(engine()):
        st.info("This installation has no administrator yet.", icon=":material/info:")
        st.page_link(
            "app_pages/first_start.py", label="Create the administrator account", icon=":material/person_add:"
        )
