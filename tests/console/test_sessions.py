"""Console sessions can be revoked (issue 13, point 11): a copied cookie stops working after
logout, after a password reset and once the account is disabled (even if enabled again);
cookies are Secure off loopback; console pages cannot be framed and carry a strict CSP."""
from __future__ import annotations

import re

import pytest

from knowledge.accounts import Accounts
from knowledge.store import Store
from tests.console.conftest import ADMIN, ADVISOR, BOTH_BACKENDS, app_config, login, post
from webhook.app import create_app

@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Every test here with an app runs with its accounts in knowledge.db and in PostgreSQL."""
    return request.param

COOKIE = "advisor_console"


def copy_of(app, client):
    """A second client holding a copy of `client`'s console cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    assert thief.get("/console/").status_code == 200
    return thief


def test_logout_ends_every_copy_of_the_cookie(app, admin):
    thief = copy_of(app, admin)
    post(admin, "/console/logout")
    assert thief.get("/console/").status_code == 302


def test_logout_leaves_the_same_users_other_sessions(app, admin):
    other = login(app.test_client(), ADMIN)
    post(admin, "/console/logout")
    assert other.get("/console/").status_code == 200


def test_a_password_reset_ends_the_accounts_sessions(app, client, console_dir):
    advisor = login(app.test_client(), ADVISOR)
    thief = copy_of(app, advisor)
    admin = login(client, ADMIN)
    assert post(admin, f"/console/users/{ADVISOR[0]}/password", {"password": "a-new-password-1"}).status_code < 400
    assert advisor.get("/console/").status_code == 302 and thief.get("/console/").status_code == 302
    assert admin.get("/console/").status_code == 200


def test_a_password_changed_from_the_cli_ends_the_sessions(app, console_dir, database_url):
    advisor = login(app.test_client(), ADVISOR)
    store = Store.in_dir(console_dir, database_url)
    try:
        Accounts(store).set_password(ADVISOR[0], "a-new-password-1")
    finally:
        store.close()
    assert advisor.get("/console/").status_code == 302


def test_a_disabled_then_enabled_account_does_not_get_old_sessions_back(app, client):
    advisor = login(app.test_client(), ADVISOR)
    thief = copy_of(app, advisor)
    admin = login(client, ADMIN)
    post(admin, f"/console/users/{ADVISOR[0]}/active", {"active": "0"})
    post(admin, f"/console/users/{ADVISOR[0]}/active", {"active": "1"})
    assert thief.get("/console/").status_code == 302 and advisor.get("/console/").status_code == 302
    assert login(app.test_client(), ADVISOR).get("/console/").status_code == 200


def test_a_cookie_without_a_server_side_session_is_refused(app, admin):
    """A cookie signed with the right key but naming no live session (e.g. from before this
    change, or forged by someone who read the key) gets nobody in."""
    thief = app.test_client()
    with thief.session_transaction() as session:
        session["user"] = ADMIN[0]
    assert thief.get("/console/").status_code == 302


@pytest.mark.parametrize("setting, base_url, secure", [
    ("auto", "http://127.0.0.1", False), ("auto", "http://localhost:8000", False),
    ("auto", "https://advisor.example.org", True), ("on", "http://127.0.0.1", True),
    ("off", "https://advisor.example.org", False),
])
def test_cookie_secure_follows_the_setting(console_dir, setting, base_url, secure):
    app = create_app(app_config(console_dir, ADVISOR_COOKIE_SECURE=setting))
    try:
        client = app.test_client()
        response = client.get("/console/login", base_url=base_url)
        assert [("Secure" in c) for c in response.headers.getlist("Set-Cookie")] == [secure]
    finally:
        app.extensions["runtime"].close()


def test_the_cookie_secure_setting_refuses_other_values():
    from knowledge import settings

    with pytest.raises(settings.SettingError, match="ADVISOR_COOKIE_SECURE"):
        settings.load({"ADVISOR_COOKIE_SECURE": "sometimes"})
    assert settings.load({})["ADVISOR_COOKIE_SECURE"] == "auto"


@pytest.mark.parametrize("path", ["/console/login", "/console/", "/console/import/", "/console/conversations/",
                                  "/console/nowhere"])
def test_console_pages_cannot_be_framed_and_carry_a_csp(admin, path):
    response = admin.get(path)
    policy = response.headers.get("Content-Security-Policy", "")
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_every_inline_script_and_style_carries_the_pages_nonce(app, admin):
    """Otherwise the CSP blocks it: each console page, its inline tags checked against its header."""
    from tests.console.test_auth import console_rules

    checked = 0
    for path, methods in console_rules(app):
        response = admin.get(path)
        if "GET" not in methods or response.status_code != 200 or response.mimetype != "text/html":
            continue
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        html = response.get_data(as_text=True)
        tags = re.findall(r"<(?:script|style)\b[^>]*>", html)
        assert all(f'nonce="{nonce}"' in tag or "src=" in tag for tag in tags), (path, tags)
        assert not re.search(r"\son[a-z]+=", html), path  # inline handlers cannot carry a nonce
        checked += 1
    assert checked >= 8
