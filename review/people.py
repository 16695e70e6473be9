"""People: accounts of the installation, members of a project with a role, and what each may do.

Roles per project:

- **owner**: sets the project up, manages members and settings, screens if they like, resolves
  conflicts, sees every decision;
- **reviewer**: screens (and codes); while blinding is on sees only their own decisions; a reviewer
  named as third reviewer (`can_resolve`) also resolves conflicts on records they did not screen;
- **viewer**: maps and reports only; sees no individual decision.

An `Actor` is a user acting in one project; every function of `review.screening.service` takes
one and checks it (`PermissionDenied`). The command line acts as the project's operator
(`Actor.operator`): an owner without a user account, who may read everything and manage members
but never screens in anyone's name.

The first account made on an installation (`create_first_owner`) is its administrator: it acts as
owner of every project it is not a member of, so a project made from the command line is never
left without someone who can manage it.

>>> Actor(project_id=1, user_id=2, username="alice", role="reviewer").can_screen
True
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from review.sign_in_limit import SignInLimiter
from review.store.engine import session_scope
from review.store.projects import ensure_project, find_project
from review.store.schema import Project, utcnow
from review.store.screening_schema import Membership, User
from review.store.transactions import lock_project, write_session

MIN_PASSWORD_LENGTH = 8
MAX_USERNAME_LENGTH = 100
#: Stored instead of a hash: an account that cannot sign in (reviewers created by a CSV import,
#: accounts restored from a backup) until someone sets its password.
UNUSABLE_PASSWORD = "!"  # noqa: S105 - a marker, not a password
SIGN_IN_FAILED = "unknown user name or wrong password"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Role(StrEnum):
    OWNER = "owner"
    REVIEWER = "reviewer"
    VIEWER = "viewer"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class PeopleError(ValueError):
    """A user name, password or membership change that cannot be made."""


class AuthenticationFailed(PeopleError):
    """Sign-in failed. The message never says whether the name or the password was wrong."""


class PermissionDenied(Exception):
    """The actor's role does not allow this; the message says what is needed."""


@dataclass(frozen=True)
class Account:
    """A user account (never carries the password hash)."""

    user_id: int
    username: str
    display_name: str
    is_admin: bool = False
    is_active: bool = True
    can_sign_in: bool = True

    @property
    def label(self) -> str:
        """The name to show: the display name, else the user name."""
        return self.display_name or self.username


@dataclass(frozen=True)
class Actor:
    """A user acting in one project, with their role there."""

    project_id: int
    user_id: int | None
    username: str
    role: str
    can_resolve: bool = False

    @classmethod
    def operator(cls, project_id: int) -> Actor:
        """The command line: acts as the project's owner, has no account, never screens."""
        return cls(project_id, None, "command line", Role.OWNER.value, True)

    @property
    def is_operator(self) -> bool:
        return self.user_id is None

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def can_screen(self) -> bool:
        """Owners and reviewers screen; viewers and the command-line operator do not."""
        return self.user_id is not None and self.role in (Role.OWNER, Role.REVIEWER)

    @property
    def may_resolve(self) -> bool:
        """Owners always; a reviewer named as third reviewer."""
        return self.is_owner or (self.role == Role.REVIEWER and self.can_resolve)

    def require_owner(self, doing: str) -> None:
        if not self.is_owner:
            raise PermissionDenied(f"only the project owner may {doing} (you are a {self.role})")

    def require_screener(self) -> int:
        """The reviewer id to record a decision under; PermissionDenied for anyone who may not screen."""
        if self.user_id is None:
            raise PermissionDenied("the command line does not screen: decisions belong to a named reviewer")
        if not self.can_screen:
            raise PermissionDenied(f"a {self.role} cannot screen: only reviewers and owners decide")
        return self.user_id

    def require_resolver(self) -> None:
        if not self.may_resolve:
            raise PermissionDenied(
                "only the owner or a reviewer named as third reviewer may resolve conflicts"
            )

    def require_member(self, doing: str) -> None:
        if self.role not in ROLES:
            raise PermissionDenied(f"only members of the project may {doing}")


@dataclass(frozen=True)
class Member:
    """A current member of a project."""

    user_id: int
    username: str
    display_name: str
    role: str
    can_resolve: bool
    added_at: datetime

    @property
    def label(self) -> str:
        return self.display_name or self.username


# -- accounts ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so that both failures take as long."""
    return _hasher().hash("no such user: a password nobody has")


def clean_username(name: str) -> str:
    """The stored form of a user name: blanks collapsed, lower case; PeopleError if unusable.

    >>> clean_username("  Alice  Smith ")
    'alice smith'
    """
    cleaned = " ".join(_CONTROL.sub(" ", name).split()).lower()
    if not cleaned:
        raise PeopleError("a user name must not be empty")
    if len(cleaned) > MAX_USERNAME_LENGTH:
        raise PeopleError(f"a user name has at most {MAX_USERNAME_LENGTH} characters")
    return cleaned


def check_password(password: str) -> None:
    """PeopleError when the password is too weak to store."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PeopleError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _account(user: User) -> Account:
    return Account(
        user.id,
        user.username,
        user.display_name,
        user.is_admin,
        user.is_active,
        user.password_hash != UNUSABLE_PASSWORD,
    )


def _new_user(
    session: Session, username: str, password: str | None, display_name: str, *, is_admin: bool = False
) -> User:
    name = clean_username(username)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise PeopleError(f"the user name {name!r} is taken")
    if password is None:
        hashed = UNUSABLE_PASSWORD
    else:
        check_password(password)
        hashed = _hasher().hash(password)
    user = User(
        username=name,
        display_name=" ".join(display_name.split()) or username.strip(),
        password_hash=hashed,
        is_active=True,
        is_admin=is_admin,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def create_user(
    engine: Engine,
    username: str,
    password: str | None,
    display_name: str = "",
    *,
    is_admin: bool = False,
) -> Account:
    """A new account. `password=None` makes one that cannot sign in yet (see `set_password`).

    The caller decides who may create accounts (the app lets administrators and project owners).
    """
    with write_session(engine) as session:
        return _account(_new_user(session, username, password, display_name, is_admin=is_admin))


def first_start_needed(engine: Engine) -> bool:
    """True while the installation has no administrator: the app then asks for the owner account.

    (Accounts made by a CSV import or a restore do not count: they cannot administer anything.)
    """
    with session_scope(engine) as session:
        return (
            session.scalar(
                select(func.count(User.id)).where(User.is_admin.is_(True), User.is_active.is_(True))
            )
            == 0
        )


def create_first_owner(engine: Engine, username: str, password: str, display_name: str = "") -> Account:
    """The administrator account asked for at first start; refused once there is one."""
    with write_session(engine) as session:
        admins = session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True)))
        if admins:
            raise PeopleError("this installation has its administrator already: sign in instead")
        return _account(_new_user(session, username, password, display_name, is_admin=True))


def authenticate(
    engine: Engine, username: str, password: str, limiter: SignInLimiter | None = None
) -> Account:
    """The account whose name and password these are; AuthenticationFailed otherwise.

    Takes as long for an unknown name as for a wrong password, and says the same in both cases.
    With a `limiter` (the sign-in page passes the app's), a name that failed too often lately is
    refused with SignInLocked before its password is looked at.
    """
    try:
        name = clean_username(username)
    except PeopleError:
        name = ""
    if limiter is not None:
        limiter.check(name or username)
        try:
            account = authenticate(engine, username, password)
        except AuthenticationFailed:
            limiter.failed(name or username)
            raise
        limiter.succeeded(name)
        return account
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == name)) if name else None
        stored = user.password_hash if user is not None and user.is_active else _dummy_hash()
        try:
            _hasher().verify(stored, password)
            valid = user is not None and user.is_active
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            if stored == UNUSABLE_PASSWORD:
                _verify_quietly(password)
            valid = False
        if not valid or user is None:
            raise AuthenticationFailed(SIGN_IN_FAILED)
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = _hasher().hash(password)
        return _account(user)


def _verify_quietly(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher().verify(_dummy_hash(), password)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Give an account a new password (an administrator or owner resetting it, or the user)."""
    check_password(password)
    with write_session(engine) as session:
        user = session.scalar(select(User).where(User.username == clean_username(username)))
        if user is None:
            raise PeopleError(f"there is no user {clean_username(username)!r}")
        user.password_hash = _hasher().hash(password)


def change_password(engine: Engine, username: str, old_password: str, new_password: str) -> None:
    """A user changing their own password; AuthenticationFailed if the old one is wrong."""
    authenticate(engine, username, old_password)
    set_password(engine, username, new_password)


def session_stamp(engine: Engine, user_id: int) -> str | None:
    """What a sign-in session remembers of the account (`review.sign_in_sessions`): it changes when
    the password changes, so a new password ends every other session. None when the account may
    not sign in (deactivated, no password, gone)."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active or user.password_hash == UNUSABLE_PASSWORD:
            return None
        return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()


def account_by_id(engine: Engine, user_id: int) -> Account | None:
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        return None if user is None else _account(user)


def find_user(engine: Engine, username: str) -> Account | None:
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == clean_username(username)))
        return None if user is None else _account(user)


def list_users(engine: Engine) -> list[Account]:
    """Every account, by user name."""
    with session_scope(engine) as session:
        return [_account(user) for user in session.scalars(select(User).order_by(User.username))]


# -- membership -------------------------------------------------------------------------------


def _active_memberships(session: Session, project_id: int) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.project_id == project_id, Membership.removed_at.is_(None))
            .order_by(Membership.added_at, Membership.id)
        )
    )


def actor_in_session(session: Session, project_id: int, user_id: int) -> Actor:
    """The user's `Actor` in the project; PermissionDenied if they are not (or no longer) a member."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise PermissionDenied("this account does not exist or has been switched off")
    membership = session.scalar(
        select(Membership)
        .where(
            Membership.project_id == project_id,
            Membership.user_id == user_id,
            Membership.removed_at.is_(None),
        )
        .order_by(Membership.id.desc())
        .limit(1)
    )
    if membership is not None:
        return Actor(project_id, user_id, user.username, membership.role, membership.can_resolve)
    if user.is_admin:
        return Actor(project_id, user_id, user.username, Role.OWNER.value, True)
    raise PermissionDenied(f"{user.username} is not a member of this project")


def current_actor(session: Session, project_id: int, actor: Actor) -> Actor:
    """The actor as the database says now: a member removed (or re-roled) since signing in gets
    their current rights, not the ones they signed in with."""
    if actor.project_id != project_id:
        raise PermissionDenied("this actor belongs to another project")
    if actor.user_id is None:
        return actor
    return actor_in_session(session, project_id, actor.user_id)


def actor_for(engine: Engine, project_id: int, user_id: int) -> Actor:
    """The signed-in user acting in a project (PermissionDenied if not a member)."""
    with session_scope(engine) as session:
        return actor_in_session(session, project_id, user_id)


def members(engine: Engine, project_id: int) -> list[Member]:
    """The current members of a project, in the order they joined."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.project_id == project_id, Membership.removed_at.is_(None))
            .order_by(Membership.added_at, Membership.id)
        ).all()
        return [
            Member(user.id, user.username, user.display_name, m.role, m.can_resolve, m.added_at)
            for m, user in rows
        ]


def projects_of(engine: Engine, user_id: int) -> list[tuple[int, str, str]]:
    """(project id, name, role) of every project the user may open (administrators: all)."""
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return []
        roles = dict(
            session.execute(
                select(Membership.project_id, Membership.role).where(
                    Membership.user_id == user_id, Membership.removed_at.is_(None)
                )
            ).all()
        )
        projects = session.execute(select(Project.id, Project.name).order_by(Project.name)).all()
        return [
            (pid, name, roles.get(pid, Role.OWNER.value))
            for pid, name in projects
            if pid in roles or user.is_admin
        ]


def _set_membership(
    session: Session, project_id: int, user: User, role: str, can_resolve: bool
) -> Membership:
    """Make `user` a member with `role`; an existing membership with another role is ended first."""
    if role not in ROLES:
        raise PeopleError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    # Owners resolve by their role; the flag names a reviewer as third reviewer.
    can_resolve = can_resolve and role == Role.REVIEWER
    current = [m for m in _active_memberships(session, project_id) if m.user_id == user.id]
    if len(current) == 1 and current[0].role == role and current[0].can_resolve == can_resolve:
        return current[0]
    if any(m.role == Role.OWNER for m in current) and role != Role.OWNER:
        _refuse_last_owner(session, project_id, user)
    now = utcnow()
    for membership in current:
        membership.removed_at = now
    membership = Membership(
        project_id=project_id, user_id=user.id, role=role, can_resolve=can_resolve, added_at=now
    )
    session.add(membership)
    session.flush()
    return membership


def _refuse_last_owner(session: Session, project_id: int, leaving: User) -> None:
    owners = {m.user_id for m in _active_memberships(session, project_id) if m.role == Role.OWNER}
    if owners <= {leaving.id}:
        raise PeopleError(f"{leaving.username} is the project's last owner: make someone else owner first")


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == clean_username(username)))
    if user is None:
        raise PeopleError(f"there is no user {clean_username(username)!r}: create the account first")
    return user


def add_member(
    engine: Engine,
    project_id: int,
    actor: Actor,
    username: str,
    role: str,
    *,
    can_resolve: bool = False,
) -> Member:
    """Make an existing account a member with `role` (or change its role). Owner only.

    `can_resolve` names a reviewer as third reviewer, who may resolve conflicts.
    """
    actor.require_owner("manage members")
    with write_session(engine) as session:
        lock_project(session, project_id)
        user = _user_named(session, username)
        membership = _set_membership(session, project_id, user, role, can_resolve)
        return Member(
            user.id,
            user.username,
            user.display_name,
            membership.role,
            membership.can_resolve,
            membership.added_at,
        )


def remove_member(engine: Engine, project_id: int, actor: Actor, username: str) -> None:
    """End a membership (kept as history; their decisions stay). Owner only.

    Refused for the last owner: the owner can always resolve conflicts, so removing a reviewer
    (even the named third reviewer) never leaves a conflict nobody can resolve.
    """
    actor.require_owner("manage members")
    with write_session(engine) as session:
        lock_project(session, project_id)
        user = _user_named(session, username)
        current = [m for m in _active_memberships(session, project_id) if m.user_id == user.id]
        if not current:
            raise PeopleError(f"{user.username} is not a member of this project")
        if any(m.role == Role.OWNER for m in current):
            _refuse_last_owner(session, project_id, user)
        session.execute(
            update(Membership).where(Membership.id.in_([m.id for m in current])).values(removed_at=utcnow())
        )


def ensure_owner(engine: Engine, project_id: int, user_id: int) -> Actor:
    """Make the user owner of a project that has no owner yet (the user who creates a project).

    PermissionDenied if the project has an owner already and the user is not one of them.
    """
    with write_session(engine) as session:
        lock_project(session, project_id)
        user = session.get(User, user_id)
        if user is None:
            raise PeopleError(f"there is no user with id {user_id}")
        owners = [m for m in _active_memberships(session, project_id) if m.role == Role.OWNER]
        if not owners:
            _set_membership(session, project_id, user, Role.OWNER.value, False)
        elif all(m.user_id != user_id for m in owners):
            raise PermissionDenied("this project has an owner already: ask them to add you")
        return actor_in_session(session, project_id, user_id)


def ensure_reviewer(session: Session, project_id: int, username: str) -> User:
    """The account `username`, created (unable to sign in) and made a reviewer if need be.

    For imports of decisions made elsewhere. An existing owner or reviewer keeps their role; a
    viewer is refused (PeopleError), as viewers do not screen.
    """
    name = clean_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = _new_user(session, username, None, username)
    roles = {m.role for m in _active_memberships(session, project_id) if m.user_id == user.id}
    if roles & {Role.OWNER, Role.REVIEWER}:
        return user
    if Role.VIEWER in roles:
        raise PeopleError(f"{name} is a viewer in this project, and viewers do not screen")
    _set_membership(session, project_id, user, Role.REVIEWER.value, False)
    return user


# -- the demo team ----------------------------------------------------------------------------

#: (user name, display name, password, role): the README lists these.
DEMO_TEAM: tuple[tuple[str, str, str, str], ...] = (
    ("demo-owner", "Demo owner", "owner-demo", Role.OWNER.value),
    ("alice", "Alice (demo reviewer)", "alice-demo", Role.REVIEWER.value),
    ("bob", "Bob (demo reviewer)", "bob-demo", Role.REVIEWER.value),
)


def ensure_demo_team(engine: Engine, project_name: str) -> None:
    """The demo accounts (made once; existing passwords are left alone) as members of the demo project."""
    project_id = ensure_project(engine, project_name)
    with write_session(engine) as session:
        lock_project(session, project_id)
        for username, display_name, password, role in DEMO_TEAM:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = _new_user(session, username, password, display_name)
            active = [m for m in _active_memberships(session, project_id) if m.user_id == user.id]
            if not active:
                _set_membership(session, project_id, user, role, False)


def project_id_of(engine: Engine, project_name: str) -> int | None:
    with session_scope(engine) as session:
        project = find_project(session, project_name)
        return None if project is None else project.id
