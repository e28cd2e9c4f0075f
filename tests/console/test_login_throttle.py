"""Login throttling (issue 13, point 12): guesses from one client lock that client out, not the
account for everyone; an unknown name gets exactly the answer a known one gets; the audit log
gets a bounded number of rows however many guesses arrive."""
from __future__ import annotations

import re

import pytest

from knowledge.login_throttle import MAX_CLIENT_FAILURES, MAX_FAILURES
from tests.console.conftest import ADVISOR, BOTH_BACKENDS, audits, csrf_from

@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Every test here with an app runs with its accounts in knowledge.db and in PostgreSQL."""
    return request.param

ATTACKER, OFFICE = "203.0.113.9", "198.51.100.20"


def attempt(client, name, password, addr=ATTACKER):
    token = csrf_from(client)
    return client.post("/console/login", data={"username": name, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def page_without_token(response, name) -> str:
    """The page as it would read for any name, minus the session's CSRF token and the CSP nonce."""
    html = response.get_data(as_text=True).replace(name, "NAME")
    return re.sub(r'name="csrf_token" value="[^"]+"|nonce="[^"]+"', "", html)


def test_an_attacker_cannot_lock_the_real_user_out(app):
    attacker = app.test_client()
    for _ in range(MAX_FAILURES + 3):
        attempt(attacker, ADVISOR[0], "wrong")
    assert attempt(attacker, ADVISOR[0], ADVISOR[1]).status_code == 401  # the guessing client is locked
    assert attempt(app.test_client(), ADVISOR[0], ADVISOR[1], OFFICE).status_code == 302


def test_unknown_names_get_the_same_answers_as_known_ones(app):
    answers = {}
    for name in (ADVISOR[0], "no-such-user"):
        client = app.test_client()
        answers[name] = [(r.status_code, page_without_token(r, name))
                         for r in (attempt(client, name, "wrong") for _ in range(MAX_FAILURES + 1))]
    assert answers[ADVISOR[0]] == answers["no-such-user"]
    assert "锁定" in answers["no-such-user"][-1][1]


def test_a_disabled_account_is_only_named_so_to_someone_with_its_password(app, admin):
    from tests.console.conftest import post

    post(admin, f"/console/users/{ADVISOR[0]}/active", {"active": "0"})
    wrong = attempt(app.test_client(), ADVISOR[0], "wrong").get_data(as_text=True)
    assert "停用" not in wrong and "用户名或密码不对" in wrong
    assert "停用" in attempt(app.test_client(), ADVISOR[0], ADVISOR[1]).get_data(as_text=True)


def test_one_client_guessing_many_names_is_throttled_as_a_whole(app):
    client = app.test_client()
    for number in range(MAX_CLIENT_FAILURES):
        attempt(client, f"name{number}", "wrong")
    assert attempt(client, ADVISOR[0], ADVISOR[1]).status_code == 401
    assert attempt(app.test_client(), ADVISOR[0], ADVISOR[1], OFFICE).status_code == 302


@pytest.mark.parametrize("names", [1, 12])
def test_failed_logins_leave_a_bounded_audit_trail(app, console_dir, names):
    """360 guesses in a row from one client (the attack measured) → a handful of rows with counts."""
    client = app.test_client()
    for number in range(360):
        attempt(client, f"{ADVISOR[0]}{number % names or ''}", "wrong")
    rows = audits(console_dir, "login_failed")
    assert len(rows) <= 2 * names + 1
    assert sum(entry.detail.get("count", 1) for entry in rows if entry.detail.get("locked")) >= MAX_FAILURES
    assert all(entry.detail.get("client") == ATTACKER for entry in rows)
