"""Console accounts (社区养老顾问 and admins): hashed passwords, roles, lockout.

Passwords are hashed with werkzeug's scrypt (a memory-hard KDF with a per-password salt), so a
copied database does not reveal them. After `MAX_FAILURES` wrong passwords in a row an account
is locked for `LOCK_MINUTES`: long enough to stop guessing, short enough that a real advisor
who mistyped is not stuck until an admin notices. A locked account answers "locked" even to
the right password, and an unknown name costs the same hash as a known one (no user probing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from werkzeug.security import check_password_hash, generate_password_hash

from knowledge.store import Store

ROLES = ("admin", "advisor")
ROLE_LABELS = {"admin": "管理员", "advisor": "养老顾问"}
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,32}$")
_DUMMY_HASH = generate_password_hash("not-a-real-password")


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


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


class Accounts:
    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None):
        self.store = store
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def add(self, name: str, role: str, password: str) -> Account:
        name = (name or "").strip()
        if not NAME.match(name):
            raise AccountError("用户名需 2–32 个字符：汉字、字母、数字或 . - _ @")
        if role not in ROLES:
            raise AccountError(f"角色只能是 {' / '.join(ROLES)}")
        check_password(password)
        with self.store.transaction():
            if self.get(name):
                raise AccountError(f"用户 {name} 已存在")
            self.store.db["users"].insert({"name": name, "role": role, "password_hash": generate_password_hash(password),
                                           "active": 1, "created_at": _utc(self.clock())})
        return self.get(name)

    def get(self, name: str) -> Account | None:
        rows = list(self.store.db.query("SELECT * FROM users WHERE name = ?", [name]))
        return self._account(rows[0]) if rows else None

    def list(self) -> list[Account]:
        return [self._account(row) for row in self.store.db.query("SELECT * FROM users ORDER BY role, name")]

    def count_admins(self) -> int:
        return self.store.db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]

    def login(self, name: str, password: str) -> LoginResult:
        """Check a password, counting failures; the lock is checked before the password.

        The hash check (scrypt, ~0.1 s) runs outside any transaction: holding the write lock
        through it would let anyone at the login page stall every bot turn's commit."""
        rows = list(self.store.db.query("SELECT * FROM users WHERE name = ?", [name or ""]))
        if not rows:
            check_password_hash(_DUMMY_HASH, password or "")  # same cost as a real check
            return LoginResult(None, "bad_credentials")
        row, now = rows[0], self.clock()
        if not row["active"]:
            return LoginResult(None, "disabled")
        if row["locked_until"] and row["locked_until"] > _utc(now):
            return LoginResult(None, "locked")
        if not check_password_hash(row["password_hash"], password or ""):
            return LoginResult(None, self._failed(row["name"], now))
        self._update(row["name"], failed_logins=0, locked_until="", last_login=_utc(now))
        return LoginResult(self.get(row["name"]))

    def _failed(self, name: str, now: datetime) -> str:
        """Count a failure atomically (two wrong guesses at once both count); lock at the limit."""
        db = self.store.db
        with self.store.transaction():
            db.execute("UPDATE users SET failed_logins = coalesce(failed_logins, 0) + 1 WHERE name = ?", [name])
            failures = db.execute("SELECT failed_logins FROM users WHERE name = ?", [name]).fetchone()[0]
            if failures < MAX_FAILURES:
                return "bad_credentials"
            self._update(name, failed_logins=0, locked_until=_utc(now + timedelta(minutes=LOCK_MINUTES)))
            return "locked"

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        self._require(name)
        self._update(name, password_hash=generate_password_hash(password), failed_logins=0, locked_until="")

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"角色只能是 {' / '.join(ROLES)}")
        with self.store.transaction():
            if self._require(name).is_admin and role != "admin":
                self._keep_an_admin()
            self._update(name, role=role)

    def set_active(self, name: str, active: bool) -> None:
        with self.store.transaction():
            if self._require(name).is_admin and not active:
                self._keep_an_admin()
            self._update(name, active=int(active), failed_logins=0, locked_until="")

    def unlock(self, name: str) -> None:
        self._require(name)
        self._update(name, failed_logins=0, locked_until="")

    def _keep_an_admin(self) -> None:
        """Nobody could manage users any more if the last active admin went."""
        if self.count_admins() <= 1:
            raise AccountError("至少要保留一个有效的管理员")

    def _require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"没有用户 {name}")
        return account

    def _account(self, row: dict) -> Account:
        """An expired lock is no lock: pages and the CLI show `locked_until` only while it holds."""
        locked = row["locked_until"] or ""
        return Account(row["name"], row["role"], bool(row["active"]), locked if locked > _utc(self.clock()) else "",
                       row["created_at"] or "", row["last_login"] or "")

    def _update(self, name: str, **values) -> None:
        with self.store.transaction():
            self.store.db["users"].update(name, values)
