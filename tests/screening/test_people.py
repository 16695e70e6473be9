"""Accounts, sign-in, membership and roles (review.people)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.people import (
    SIGN_IN_FAILED,
    Actor,
    AuthenticationFailed,
    PeopleError,
    PermissionDenied,
    actor_for,
    add_member,
    authenticate,
    change_password,
    clean_username,
    create_first_owner,
    create_user,
    ensure_demo_team,
    ensure_owner,
    first_start_needed,
    members,
    projects_of,
    remove_member,
    set_password,
)
from review.store.projects import ensure_project
from tests.screening.builders import build_team


def test_first_start_asks_for_an_owner_until_there_is_one(engine: Engine) -> None:
    assert first_start_needed(engine)
    create_user(engine, "imported reviewer", None)  # made by a CSV import: administers nothing
    assert first_start_needed(engine)
    admin = create_first_owner(engine, "Lead", "a long password", "The Lead")
    assert admin.is_admin and admin.username == "lead" and admin.label == "The Lead"
    assert not first_start_needed(engine)
    with pytest.raises(PeopleError, match="administrator already"):
        create_first_owner(engine, "someone", "another password")


def test_sign_in_never_says_which_of_name_and_password_was_wrong(engine: Engine) -> None:
    create_user(engine, "alice", "correct horse")
    assert authenticate(engine, "  ALICE ", "correct horse").username == "alice"
    with pytest.raises(AuthenticationFailed) as wrong_password:
        authenticate(engine, "alice", "wrong horse")
    with pytest.raises(AuthenticationFailed) as unknown_name:
        authenticate(engine, "mallory", "correct horse")
    assert str(wrong_password.value) == str(unknown_name.value) == SIGN_IN_FAILED


def test_an_account_without_a_password_cannot_sign_in_until_one_is_set(engine: Engine) -> None:
    account = create_user(engine, "bob", None)
    assert not account.can_sign_in
    with pytest.raises(AuthenticationFailed):
        authenticate(engine, "bob", "!")
    set_password(engine, "bob", "bob's new password")
    assert authenticate(engine, "bob", "bob's new password").user_id == account.user_id
    change_password(engine, "bob", "bob's new password", "and another one")
    with pytest.raises(AuthenticationFailed):
        change_password(engine, "bob", "bob's new password", "whatever else")


@pytest.mark.parametrize(
    ("name", "message"),
    [pytest.param("   ", "empty", id="blank name"), pytest.param("x" * 101, "at most", id="too long")],
)
def test_unusable_user_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(PeopleError, match=message):
        clean_username(name)


def test_weak_passwords_and_taken_names_are_refused(engine: Engine) -> None:
    with pytest.raises(PeopleError, match="at least 8"):
        create_user(engine, "carol", "short")
    create_user(engine, "carol", "long enough")
    with pytest.raises(PeopleError, match="taken"):
        create_user(engine, "Carol", "long enough too")


def test_roles_decide_what_an_actor_may_do(engine: Engine) -> None:
    project_id = ensure_project(engine, "P")
    team = build_team(engine, project_id, reviewers=1)
    reviewer, viewer, owner = team.reviewers[0], team.viewer, team.owner
    assert owner.can_screen and owner.may_resolve
    assert reviewer.can_screen and not reviewer.may_resolve
    assert not viewer.can_screen and not viewer.may_resolve
    with pytest.raises(PermissionDenied, match="only the project owner"):
        add_member(engine, project_id, reviewer, "viewer", "owner")
    with pytest.raises(PermissionDenied, match="cannot screen"):
        viewer.require_screener()
    operator = Actor.operator(project_id)
    assert operator.is_owner and not operator.can_screen
    with pytest.raises(PermissionDenied, match="command line does not screen"):
        operator.require_screener()


def test_the_last_owner_cannot_be_removed_or_demoted(engine: Engine) -> None:
    project_id = ensure_project(engine, "P")
    team = build_team(engine, project_id, reviewers=1)
    with pytest.raises(PeopleError, match="last owner"):
        remove_member(engine, project_id, team.owner, "owner")
    with pytest.raises(PeopleError, match="last owner"):
        add_member(engine, project_id, team.owner, "owner", "reviewer")
    add_member(engine, project_id, team.owner, "r1", "owner")
    remove_member(engine, project_id, team.owner, "owner")  # r1 owns the project now
    assert {m.username: m.role for m in members(engine, project_id)} == {"r1": "owner", "viewer": "viewer"}


def test_a_removed_member_loses_access_at_once_and_history_is_kept(engine: Engine) -> None:
    project_id = ensure_project(engine, "P")
    team = build_team(engine, project_id, reviewers=2)
    signed_in = team.reviewers[1]
    remove_member(engine, project_id, team.owner, "r2")
    assert "r2" not in {m.username for m in members(engine, project_id)}
    with pytest.raises(PermissionDenied, match="not a member"):
        actor_for(engine, project_id, signed_in.user_id or 0)
    # Back as a viewer: a new membership row, the old one stays as history.
    add_member(engine, project_id, team.owner, "r2", "viewer")
    assert actor_for(engine, project_id, signed_in.user_id or 0).role == "viewer"


def test_a_third_reviewer_is_named_with_can_resolve(engine: Engine) -> None:
    project_id = ensure_project(engine, "P")
    team = build_team(engine, project_id, reviewers=3)
    add_member(engine, project_id, team.owner, "r3", "reviewer", can_resolve=True)
    third = actor_for(engine, project_id, team.reviewers[2].user_id or 0)
    assert third.may_resolve and third.role == "reviewer"


def test_the_creator_of_a_project_becomes_its_owner_once(engine: Engine) -> None:
    project_id = ensure_project(engine, "P")
    first = create_user(engine, "first", None)
    second = create_user(engine, "second", None)
    assert ensure_owner(engine, project_id, first.user_id).is_owner
    with pytest.raises(PermissionDenied, match="has an owner already"):
        ensure_owner(engine, project_id, second.user_id)


def test_the_administrator_acts_as_owner_of_projects_they_are_not_in(engine: Engine) -> None:
    project_id = ensure_project(engine, "made from the command line")
    admin = create_first_owner(engine, "lead", "a long password")
    assert actor_for(engine, project_id, admin.user_id).is_owner
    assert [name for _, name, _ in projects_of(engine, admin.user_id)] == ["made from the command line"]
    stranger = create_user(engine, "stranger", None)
    with pytest.raises(PermissionDenied):
        actor_for(engine, project_id, stranger.user_id)
    assert projects_of(engine, stranger.user_id) == []


def test_the_demo_team_signs_in_with_the_readme_passwords(engine: Engine) -> None:
    ensure_demo_team(engine, "Demo")
    ensure_demo_team(engine, "Demo")  # idempotent
    project_id = ensure_project(engine, "Demo")
    roles = {m.username: m.role for m in members(engine, project_id)}
    assert roles == {"demo-owner": "owner", "alice": "reviewer", "bob": "reviewer"}
    for name, password in (("demo-owner", "owner-demo"), ("alice", "alice-demo"), ("bob", "bob-demo")):
        assert authenticate(engine, name, password).username == name
