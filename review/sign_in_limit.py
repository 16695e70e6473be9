"""A brake on password guessing: too many failed sign-ins for one user name lock it for a while.

The app is one process serving every browser session (Streamlit's threads), so an in-process,
thread-safe record of recent failures is enough to slow guessing from the sign-in page. The
rule, per user name (folded to lower case, known or not, so a lock says nothing about whether
the name exists):

- `max_failures` failures within `window` seconds lock the name for `lockout` seconds;
- each further lock doubles the lockout, up to `max_lockout`;
- a successful sign-in clears the name's record.

While a name is locked even the right password is refused, with the time left, so a guesser
learns nothing from trying.

>>> clock = iter(range(100)).__next__
>>> limiter = SignInLimiter(max_failures=2, window=60, lockout=30, now=lambda: float(clock()))
>>> limiter.failed("Alice"); limiter.failed("alice")
>>> limiter.locked_for("ALICE") > 0
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60.0
LOCKOUT_SECONDS = 60.0
MAX_LOCKOUT_SECONDS = 15 * 60.0


class SignInLocked(Exception):
    """Too many failed sign-ins for this user name: the message says how long to wait."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(1, round(seconds))
        super().__init__(
            f"too many failed sign-ins for this user name; try again in {self.seconds} s"
        )


@dataclass
class _Trail:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    locks: int = 0


class SignInLimiter:
    """Failed sign-ins per user name, and the locks they earn. Safe to share between threads."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        lockout: float = LOCKOUT_SECONDS,
        max_lockout: float = MAX_LOCKOUT_SECONDS,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_lockout = max_lockout
        self._now = now
        self._trails: dict[str, _Trail] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()

    def locked_for(self, username: str) -> float:
        """Seconds this name stays locked (0 when it may try)."""
        with self._lock:
            trail = self._trails.get(self._key(username))
            return max(0.0, trail.locked_until - self._now()) if trail else 0.0

    def check(self, username: str) -> None:
        """Raise SignInLocked while the name is locked."""
        seconds = self.locked_for(username)
        if seconds > 0:
            raise SignInLocked(seconds)

    def failed(self, username: str) -> None:
        """Count a failed sign-in; lock the name when it has failed too often lately."""
        now = self._now()
        with self._lock:
            trail = self._trails.setdefault(self._key(username), _Trail())
            trail.failures = [moment for moment in trail.failures if now - moment < self.window]
            trail.failures.append(now)
            if len(trail.failures) >= self.max_failures:
                trail.locked_until = now + min(self.max_lockout, self.lockout * 2**trail.locks)
                trail.locks += 1
                trail.failures.clear()

    def succeeded(self, username: str) -> None:
        """A right password: forget the name's failures and locks."""
        with self._lock:
            self._trails.pop(self._key(username), None)


#: The limiter of this process (the app's sign-in page uses it).
SIGN_IN_LIMITER = SignInLimiter()
