"""Console accounts in the knowledge store: hashing, roles, lockout and its expiry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge.accounts import AccountError, Accounts
from knowledge.login_throttle import LOCK_MINUTES, MAX_FAILURES
from knowledge.audit import AuditLog


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(shared_store, clock):
    """On knowledge.db and on PostgreSQL (Store.shared)."""
    book = Accounts(shared_store, clock)
    book.add("管理员", "admin", "admin-pass-1")
    book.add("wang.advisor", "advisor", "advisor-pass-1")
    return book


@pytest.mark.parametrize("name, role, password, message", [
    ("a", "advisor", "long-enough", "用户名"),
    ("has space", "advisor", "long-enough", "用户名"),
    ("李四", "root", "long-enough", "角色"),
    ("李四", "advisor", "short", "密码至少"),
    ("管理员", "advisor", "long-enough", "已存在"),
])
def test_bad_accounts_are_refused_with_a_reason(accounts, name, role, password, message):
    with pytest.raises(AccountError, match=message):
        accounts.add(name, role, password)


def test_login_checks_the_password(accounts):
    assert accounts.login("wang.advisor", "advisor-pass-1").account.name == "wang.advisor"
    assert accounts.login("wang.advisor", "advisor-pass-2").reason == "bad_credentials"
    assert accounts.login("nobody", "advisor-pass-1").reason == "bad_credentials"
    assert accounts.login("", "").reason == "bad_credentials"


def test_lockout_after_failures_and_expiry(accounts, clock):
    for _ in range(MAX_FAILURES - 1):
        assert accounts.login("wang.advisor", "wrong").reason == "bad_credentials"
    assert accounts.login("wang.advisor", "wrong").reason == "locked"
    assert accounts.login("wang.advisor", "advisor-pass-1").reason == "locked"
    assert accounts.get("wang.advisor").locked_until
    clock.now += timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert accounts.get("wang.advisor").locked_until == ""  # an expired lock is not shown as one
    assert accounts.login("wang.advisor", "advisor-pass-1").account is not None


def test_a_success_resets_the_failure_count(accounts):
    for _ in range(MAX_FAILURES - 1):
        accounts.login("wang.advisor", "wrong")
    assert accounts.login("wang.advisor", "advisor-pass-1").account
    assert accounts.login("wang.advisor", "wrong").reason == "bad_credentials"


def test_unlock_and_password_reset_clear_the_lock(accounts):
    for _ in range(MAX_FAILURES):
        accounts.login("wang.advisor", "wrong")
    accounts.unlock("wang.advisor")
    assert accounts.login("wang.advisor", "advisor-pass-1").account
    for _ in range(MAX_FAILURES):
        accounts.login("wang.advisor", "wrong")
    accounts.set_password("wang.advisor", "fresh-pass-2")
    assert accounts.login("wang.advisor", "fresh-pass-2").account


def test_disabled_accounts_cannot_sign_in(accounts):
    accounts.set_active("wang.advisor", False)
    assert accounts.login("wang.advisor", "advisor-pass-1").reason == "disabled"
    assert accounts.login("wang.advisor", "wrong").reason == "bad_credentials"  # said only to the password's owner


def test_the_last_admin_stays(accounts):
    with pytest.raises(AccountError, match="管理员"):
        accounts.set_role("管理员", "advisor")
    with pytest.raises(AccountError, match="管理员"):
        accounts.set_active("管理员", False)
    accounts.set_role("wang.advisor", "admin")
    accounts.set_role("管理员", "advisor")
    assert [a.name for a in accounts.list() if a.is_admin] == ["wang.advisor"]


def test_audit_log_keeps_entries_newest_first(shared_store, clock):
    log = AuditLog(shared_store, clock)
    log.record("管理员", "user_add", "wang", role="advisor")
    clock.now += timedelta(seconds=5)
    log.record("wang", "record_edit", "nanning-01")
    entries = log.list()
    assert [e.action for e in entries] == ["record_edit", "user_add"]
    assert entries[1].detail == {"role": "advisor"} and entries[0].at.endswith("+00:00")
    assert [e.target for e in log.list(actor="wang")] == ["nanning-01"]
