"""Access to the console: login, lockout, CSRF, roles on every route, the audit trail."""
from __future__ import annotations

import re

import pytest

from knowledge.accounts import Accounts
from knowledge.login_throttle import MAX_FAILURES
from knowledge.audit import AuditLog
from knowledge.store import Store
from tests.console.conftest import ADMIN, ADVISOR, BOTH_BACKENDS, audits, csrf_from, login, open_store, post

@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Every test here with an app runs with its accounts in knowledge.db and in PostgreSQL."""
    return request.param

ADMIN_ONLY = re.compile(r"^/console/users")
PUBLIC = {"/console/login"}


def console_rules(app):
    """Every console URL with sample values for its parameters, and its methods."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or rule.endpoint == "console.static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)
        yield path, sorted(rule.methods - {"HEAD", "OPTIONS"})


def audit_actions(console_dir) -> list[tuple[str, str]]:
    store = open_store(console_dir)
    try:
        return [(entry.actor, entry.action) for entry in AuditLog(store).list()]
    finally:
        store.close()


def test_anonymous_requests_go_to_login_on_every_route(app, client):
    rules = list(console_rules(app))
    assert len(rules) >= 10
    for path, methods in rules:
        if path in PUBLIC:
            continue
        for method in methods:
            response = client.open(path, method=method)
            assert response.status_code == 302, (method, path)
            assert "/console/login" in response.location


def test_advisors_cannot_reach_admin_routes(app, advisor):
    for path, methods in console_rules(app):
        if not ADMIN_ONLY.match(path):
            continue
        for method in methods:
            response = post(advisor, path) if method == "POST" else advisor.get(path)
            assert response.status_code == 403, (method, path)


def test_signed_in_users_reach_every_get_page(app, admin):
    for path, methods in console_rules(app):
        if "GET" in methods and "/x" not in path and "/1" not in path:
            assert admin.get(path).status_code in (200, 302), path


def test_login_redirects_to_next_but_never_off_site(client):
    token = csrf_from(client)
    for target, expected in (("/console/users/", "/console/users/"), ("https://evil.example/", "/console/"),
                             ("//evil.example/console/", "/console/")):
        response = client.post(f"/console/login?next={target}",
                               data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
        assert response.status_code == 302 and response.location == expected
        token = csrf_from(client, "/console/users/")


def test_wrong_password_is_refused_and_audited(client, console_dir):
    token = csrf_from(client)
    response = client.post("/console/login", data={"username": ADVISOR[0], "password": "nope", "csrf_token": token})
    assert response.status_code == 401 and "用户名或密码不对" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    failed = audits(console_dir, "login_failed")
    assert [(e.actor, e.target, e.detail) for e in failed] == [
        ("-", ADVISOR[0], {"reason": "bad_credentials", "client": "127.0.0.1", "count": 1, "locked": False})]


def test_lockout_after_repeated_failures_even_with_the_right_password(client):
    token = csrf_from(client)
    for _ in range(MAX_FAILURES):
        client.post("/console/login", data={"username": ADVISOR[0], "password": "wrong", "csrf_token": token})
    response = client.post("/console/login", data={"username": ADVISOR[0], "password": ADVISOR[1], "csrf_token": token})
    assert response.status_code == 401 and "锁定" in response.get_data(as_text=True)


def test_login_form_without_csrf_token_is_rejected(client):
    response = client.post("/console/login", data={"username": ADMIN[0], "password": ADMIN[1]})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_every_post_needs_the_csrf_token(app, admin):
    for path, methods in console_rules(app):
        if "POST" in methods and path not in PUBLIC:
            assert admin.post(path, data={"csrf_token": "forged"}).status_code == 400, path


def test_logout_ends_the_session(admin, console_dir):
    assert admin.get("/console/").status_code == 200
    post(admin, "/console/logout")
    assert admin.get("/console/").status_code == 302
    assert (ADMIN[0], "logout") in audit_actions(console_dir)


def test_a_changed_secret_key_takes_effect_at_once(app, admin, monkeypatch):
    """Rotating the key signs everyone out at the next request; listing the old key as a
    fallback keeps their sessions."""
    old = app.secret_key
    assert admin.get("/console/").status_code == 200
    monkeypatch.setattr(app, "secret_key", "a-rotated-secret-key-" + "x" * 32)
    assert admin.get("/console/").status_code == 302
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old])
    assert admin.get("/console/").status_code == 200


def test_a_disabled_account_loses_its_open_session(client, console_dir, app):
    advisor = login(app.test_client(), ADVISOR)
    admin = login(client, ADMIN)
    post(admin, f"/console/users/{ADVISOR[0]}/active", {"active": "0"})
    assert advisor.get("/console/").status_code == 302


def test_session_cookie_is_http_only_and_same_site(client):
    login(client, ADMIN)
    cookie = client.get_cookie("advisor_console")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize("who", [ADMIN, ADVISOR])
def test_nav_shows_admin_links_only_to_admins(client, who):
    html = login(client, who).get("/console/").get_data(as_text=True)
    assert ("/console/users/" in html) == (who == ADMIN)


def test_accounts_store_hashes_not_passwords(console_dir):
    store = Store.in_dir(console_dir)
    try:
        hashes = [row["password_hash"] for row in store.db["users"].rows]
        assert hashes and all(h.startswith("scrypt:") and ADMIN[1] not in h for h in hashes)
        assert Accounts(store).login(ADMIN[0], ADMIN[1]).account.is_admin
    finally:
        store.close()
