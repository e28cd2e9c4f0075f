"""Console accounts (社区养老顾问 and admins): hashed passwords, roles, lockout, sessions.

Passwords are hashed with werkzeug's scrypt (a memory-hard KDF with a per-password salt), so a
copied database does not reveal them. Wrong passwords are counted per client address and typed
name (knowledge.login_throttle): the guessing client is locked out, not the account for
everyone. A locked name answers "locked" even to the right password, an unknown name costs the
same hash and gets the same answers as a known one, and "disabled" is only ever said to someone
who typed the right password (no user probing).

A console session is a row here, its id known only to the cookie (the row keeps a hash): every
request checks it, so logout ends every copy of the cookie, and a new password or disabling the
account ends all of that account's sessions. All of it lives in the store's shared database
(Store.shared), so with ADVISOR_DATABASE_URL a login made on one node is valid on every node.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from werkzeug.security import check_password_hash, generate_password_hash

from knowledge.login_throttle import LoginThrottle, utc as _utc
from knowledge.store import Store

ROLES = ("admin", "advisor")
ROLE_LABELS = {"admin": "管理员", "advisor": "养老顾问"}
MIN_PASSWORD = 8
SESSION_HOURS = 12
NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,32}$")
_DUMMY_HASH = generate_password_hash("not-a-real-password")
COLUMNS = "name, role, active, created_at, last_login, password_hash"


class AccountError(ValueError):
    """A name, role or password that cannot be used; the message says why, in Chinese."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    active: bool
    locked_until: str
    created_at: str
    last_login: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    reason: str = ""  # "", "bad_credentials", "locked", "disabled"
    failures: int = 0  # this client's failures for this name in the window, this one included
    audit: bool = False  # whether this failure belongs in the audit log (bounded: see login_throttle)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


class Accounts:
    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None):
        self.db = store.shared
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.throttle = LoginThrottle(store, self.clock)

    def add(self, name: str, role: str, password: str) -> Account:
        name = (name or "").strip()
        if not NAME.match(name):
            raise AccountError("用户名需 2–32 个字符：汉字、字母、数字或 . - _ @")
        if role not in ROLES:
            raise AccountError(f"角色只能是 {' / '.join(ROLES)}")
        check_password(password)
        inserted = self.db.connection().execute(
            "INSERT INTO users (name, role, password_hash, active, created_at) VALUES (?, ?, ?, 1, ?)"
            " ON CONFLICT (name) DO NOTHING",
            [name, role, generate_password_hash(password), _utc(self.clock())]).rowcount
        if not inserted:
            raise AccountError(f"用户 {name} 已存在")
        return self.get(name)

    def get(self, name: str) -> Account | None:
        row = self._row(name)
        return self._account(row) if row else None

    def _row(self, name: str) -> tuple | None:
        return self.db.connection().execute(f"SELECT {COLUMNS} FROM users WHERE name = ?", [name]).fetchone()

    def list(self) -> list[Account]:
        rows = self.db.connection().execute(f"SELECT {COLUMNS} FROM users ORDER BY role, name").fetchall()
        return [self._account(row) for row in rows]

    def count_admins(self) -> int:
        return self.db.connection().execute(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]

    def login(self, name: str, password: str, client: str = "-") -> LoginResult:
        """Check a password from `client` (an address), counting failures; the lock is checked
        before the password, and "disabled" is said only after the right one.

        The hash check (scrypt, ~0.1 s) runs outside any transaction: holding the write lock
        through it would let anyone at the login page stall every bot turn's commit."""
        name = name or ""
        if self.throttle.refused(client, name):
            return LoginResult(None, "locked")
        row = self._row(name)
        if not check_password_hash(row[5] if row else _DUMMY_HASH, password or "") or not row:
            return self._failed(client, name, "bad_credentials")
        if not row[2]:
            return self._failed(client, name, "disabled")
        self.throttle.succeeded(client, name)
        self._update(name, last_login=_utc(self.clock()))
        return LoginResult(self.get(name))

    def _failed(self, client: str, name: str, reason: str) -> LoginResult:
        failure = self.throttle.failed(client, name)
        return LoginResult(None, "locked" if failure.locked else reason, failure.count, failure.worth_auditing)

    def open_session(self, name: str) -> str:
        """A new session for a signed-in account: its id goes in the cookie, its hash here."""
        session_id, now = secrets.token_urlsafe(32), self.clock()
        with self.db.transaction() as db:
            db.execute("DELETE FROM console_sessions WHERE created_at <= ?", [self._session_cutoff(now)])
            db.execute("INSERT INTO console_sessions (id_hash, name, created_at) VALUES (?, ?, ?)",
                       [_session_hash(session_id), name, _utc(now)])
        return session_id

    def session_account(self, session_id: str) -> Account | None:
        """The active account whose live session this is, or None (ended, expired, unknown)."""
        row = self.db.connection().execute(
            "SELECT name FROM console_sessions WHERE id_hash = ? AND created_at > ?",
            [_session_hash(session_id or ""), self._session_cutoff(self.clock())]).fetchone()
        account = self.get(row[0]) if row else None
        return account if account is not None and account.active else None

    def end_session(self, session_id: str) -> None:
        self.db.connection().execute("DELETE FROM console_sessions WHERE id_hash = ?",
                                     [_session_hash(session_id or "")])

    def _end_sessions(self, name: str) -> None:
        self.db.connection().execute("DELETE FROM console_sessions WHERE name = ?", [name])

    @staticmethod
    def _session_cutoff(now: datetime) -> str:
        return _utc(now - timedelta(hours=SESSION_HOURS))

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._require(name)
        with self.db.transaction():
            self._update(name, password_hash=generate_password_hash(password))
            self._end_sessions(name)  # a copied cookie must not outlive the password it was made with
            self.throttle.clear(name)

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"角色只能是 {' / '.join(ROLES)}")
        with self.db.transaction():
            if self._require(name).is_admin and role != "admin":
                self._keep_an_admin()
            self._update(name, role=role)

    def set_active(self, name: str, active: bool) -> None:
        with self.db.transaction():
            if self._require(name).is_admin and not active:
                self._keep_an_admin()
            self._update(name, active=int(active))
            self._end_sessions(name)  # enabling again must not bring old cookies back
            self.throttle.clear(name)

    def unlock(self, name: str) -> None:
        self._require(name)
        self.throttle.clear(name)

    def _keep_an_admin(self) -> None:
        """Nobody could manage users any more if the last active admin went."""
        if self.count_admins() <= 1:
            raise AccountError("至少要保留一个有效的管理员")

    def _require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"没有用户 {name}")
        return account

    def _account(self, row: tuple) -> Account:
        """An expired lock is no lock: pages and the CLI show `locked_until` only while it holds."""
        name, role, active, created_at, last_login = row[:5]
        return Account(name, role, bool(active), self.throttle.locked_until(name), created_at or "", last_login or "")

    def _update(self, name: str, **values) -> None:
        """`values` are column names from this module, never from a request."""
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.db.connection().execute(f"UPDATE users SET {assignments} WHERE name = ?", [*values.values(), name])


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
