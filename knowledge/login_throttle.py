"""Failed console logins, counted per client address and typed name together.

Counting per account let anyone lock any advisor out by typing five wrong passwords, and
"locked" showed only for names that exist. Here a client that fails `MAX_FAILURES` times for
one name within `LOCK_MINUTES` is refused that name for `LOCK_MINUTES` — the advisor at their
own desk still gets in — and a client that fails `MAX_CLIENT_FAILURES` times over any names is
refused every name (guessing through a list of names). The typed name is counted whether an
account has it or not, so an unknown name is locked exactly like a known one.

One row per (client, name) holds the count; the audit log gets a row for the first failure of
a window and one when the lock engages, so its size is bounded however fast guesses arrive.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from knowledge.store import Store

MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 50
LOCK_MINUTES = 15


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Failure:
    count: int  # failures of this client for this name in the current window

    @property
    def locked(self) -> bool:
        return self.count >= MAX_FAILURES

    @property
    def worth_auditing(self) -> bool:
        """The first failure of a window and the one that locks: two rows, not one per guess."""
        return self.count in (1, MAX_FAILURES)


class LoginThrottle:
    def __init__(self, store: Store, clock: Callable[[], datetime]):
        self.db, self.clock = store.shared, clock  # shared by every node with ADVISOR_DATABASE_URL

    def refused(self, client: str, name: str) -> bool:
        """Whether this client may not try this name now (no password is checked then)."""
        now = self.clock()
        row = self.db.connection().execute("SELECT locked_until FROM login_failures WHERE client = ? AND name = ?",
                                           [client, name]).fetchone()
        if row and row[0] > utc(now):
            return True
        total = self.db.connection().execute("SELECT coalesce(sum(count), 0) FROM login_failures WHERE client = ? "
                                             "AND first_at > ?", [client, self._window_start(now)]).fetchone()[0]
        return total >= MAX_CLIENT_FAILURES

    def failed(self, client: str, name: str) -> Failure:
        """Count one failure atomically (two wrong guesses at once both count); lock at the limit."""
        now = self.clock()
        with self.db.transaction() as db:
            db.execute("DELETE FROM login_failures WHERE first_at <= ? AND locked_until <= ?",
                       [self._window_start(now), utc(now)])
            ((count,),) = db.execute(
                "INSERT INTO login_failures (client, name, first_at, count) VALUES (?, ?, ?, 1) ON CONFLICT"
                " (client, name) DO UPDATE SET count = login_failures.count + 1 RETURNING count",
                [client, name, utc(now)]).fetchall()
            if count == MAX_FAILURES:
                db.execute("UPDATE login_failures SET locked_until = ? WHERE client = ? AND name = ?",
                           [utc(now + timedelta(minutes=LOCK_MINUTES)), client, name])
        return Failure(count)

    def succeeded(self, client: str, name: str) -> None:
        self.db.connection().execute("DELETE FROM login_failures WHERE client = ? AND name = ?", [client, name])

    def clear(self, name: str) -> None:
        """An admin's unlock (or a new password): every client may try this name again."""
        self.db.connection().execute("DELETE FROM login_failures WHERE name = ?", [name])

    def locked_until(self, name: str) -> str:
        """The latest lock any client holds on this name, while it holds ("" if none)."""
        row = self.db.connection().execute(
            "SELECT max(locked_until) FROM login_failures WHERE name = ? AND locked_until > ?",
            [name, utc(self.clock())]).fetchone()
        return row[0] or ""

    @staticmethod
    def _window_start(now: datetime) -> str:
        return utc(now - timedelta(minutes=LOCK_MINUTES))
