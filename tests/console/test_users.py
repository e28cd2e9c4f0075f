"""Admins manage accounts in the console; every change is audited; the last admin stays."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from knowledge.accounts import Accounts
from knowledge.store import Store
from tests.console.conftest import ADMIN, ADVISOR, BOTH_BACKENDS, login, post
from tests.console.test_auth import audit_actions
from webhook.cli import main

@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Every test here with an app runs with its accounts in knowledge.db and in PostgreSQL."""
    return request.param


def test_admin_adds_an_advisor_who_can_then_sign_in(admin, app, console_dir):
    response = post(admin, "/console/users/", {"name": "李顾问", "role": "advisor", "password": "li-pass-123"})
    assert response.status_code == 302
    assert "已添加用户 李顾问" in admin.get("/console/users/").get_data(as_text=True)
    login(app.test_client(), ("李顾问", "li-pass-123"))
    assert (ADMIN[0], "user_add") in audit_actions(console_dir)


def test_short_password_and_duplicate_name_are_refused(admin):
    post(admin, "/console/users/", {"name": "赵顾问", "role": "advisor", "password": "short"})
    assert "密码至少 8 位" in admin.get("/console/users/").get_data(as_text=True)
    post(admin, "/console/users/", {"name": ADVISOR[0], "role": "advisor", "password": "long-enough-1"})
    assert "已存在" in admin.get("/console/users/").get_data(as_text=True)


def test_role_change_password_reset_and_unlock_are_audited(admin, console_dir, database_url):
    post(admin, f"/console/users/{ADVISOR[0]}/role", {"role": "admin"})
    post(admin, f"/console/users/{ADVISOR[0]}/password", {"password": "new-pass-456"})
    post(admin, f"/console/users/{ADVISOR[0]}/unlock")
    actions = [action for actor, action in audit_actions(console_dir) if actor == ADMIN[0]]
    assert {"user_role", "user_password", "user_unlock"} <= set(actions)
    store = Store.in_dir(console_dir, database_url)
    try:
        assert Accounts(store).login(ADVISOR[0], "new-pass-456").account.is_admin
    finally:
        store.close()


def test_the_last_admin_cannot_be_demoted_or_disabled(admin):
    post(admin, f"/console/users/{ADMIN[0]}/role", {"role": "advisor"})
    assert "至少要保留一个有效的管理员" in admin.get("/console/users/").get_data(as_text=True)
    post(admin, f"/console/users/{ADMIN[0]}/active", {"active": "0"})
    assert admin.get("/console/users/").status_code == 200


def test_audit_page_lists_and_filters_entries(admin):
    post(admin, f"/console/users/{ADVISOR[0]}/unlock")
    html = admin.get("/console/users/audit?action=user_unlock").get_data(as_text=True)
    assert "user_unlock" in html and ADVISOR[0] in html and "login" not in html.split("<tbody>")[1]


def test_cli_user_add_creates_an_account(data_dir, database_url, monkeypatch):
    """On both backends: with ADVISOR_DATABASE_URL the account is made where every node sees it."""
    monkeypatch.setenv("ADVISOR_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["user", "add", "王管理", "--role", "admin", "--password", "cli-pass-789"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["user", "list"])
    assert "王管理\tadmin\t正常" in listed.output
    again = runner.invoke(main, ["user", "add", "王管理", "--password", "cli-pass-789"])
    assert again.exit_code == 1 and "已存在" in again.output
    store = Store.in_dir(data_dir, database_url)
    try:
        assert Accounts(store).get("王管理").is_admin
    finally:
        store.close()


def test_cli_user_add_prompts_for_a_hidden_password(data_dir):
    result = CliRunner().invoke(main, ["user", "add", "刘顾问"], input="prompt-pass-1\nprompt-pass-1\n")
    assert result.exit_code == 0 and "prompt-pass-1" not in result.output
