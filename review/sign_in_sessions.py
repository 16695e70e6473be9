"""Staying signed in across a page reload: a random token per sign-in, kept in a browser cookie.

Streamlit forgets a browser session's state when the page is reloaded, which signed reviewers out
in the middle of screening. The app now gives each sign-in a token (`issue`), stores it in a
cookie, and on a fresh page takes the cookie back (`resume`). What is kept here, in the process
that serves every browser session:

- only a SHA-256 of each token, so the table reveals no usable token;
- the user id and a *stamp* of the account when the token was issued (`people.session_stamp`:
  changes with the password or when the account is deactivated), so changing a password or
  deactivating an account ends every session of it;
- the last time the token was used: a token unused for `idle` seconds is forgotten.

Signing out revokes the token. Restarting the app forgets every token (everyone signs in again):
the price of keeping no session secrets in the database.

>>> tokens = SessionTokens(idle=60, now=lambda: 0.0)
>>> token = tokens.issue(7, "stamp")
>>> tokens.resume(token, lambda user_id: "stamp"), tokens.resume(token, lambda user_id: "new stamp")
(7, None)
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

IDLE_SECONDS = 8 * 3600.0
COOKIE_NAME = "reviewmap_session"


@dataclass
class _Session:
    user_id: int
    stamp: str
    last_used: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionTokens:
    """Sign-in tokens of this process. Safe to share between threads."""

    def __init__(self, idle: float = IDLE_SECONDS, now: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self._now = now
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: int, stamp: str) -> str:
        """A new token for a user who has just signed in."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_idle()
            self._sessions[_digest(token)] = _Session(user_id, stamp, self._now())
        return token

    def resume(self, token: str, stamp_of: Callable[[int], str | None]) -> int | None:
        """The user id the token was issued to, while it is valid; None (and forgotten) otherwise.

        `stamp_of(user_id)` gives the account's stamp now (None for an account that may no longer
        sign in); a stamp that differs from the one at issue ends the session.
        """
        key = _digest(token)
        with self._lock:
            self._forget_idle()
            session = self._sessions.get(key)
            if session is None:
                return None
        if stamp_of(session.user_id) != session.stamp:
            self.revoke(token)
            return None
        with self._lock:
            session.last_used = self._now()
        return session.user_id

    def revoke(self, token: str) -> None:
        """Sign-out: the token no longer signs anyone in."""
        with self._lock:
            self._sessions.pop(_digest(token), None)

    def _forget_idle(self) -> None:
        cutoff = self._now() - self.idle
        for key in [key for key, session in self._sessions.items() if session.last_used < cutoff]:
            del self._sessions[key]


#: The sign-in tokens of this process (the app's).
SIGN_IN_SESSIONS = SessionTokens()
