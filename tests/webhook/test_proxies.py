"""Behind a reverse proxy (issue 17, point 1): X-Forwarded-For and X-Forwarded-Proto are believed
only from a peer named in ADVISOR_TRUSTED_PROXIES. Through such a proxy the client's own address
is what the loopback check, the login throttle and the logs see; from anyone else the headers
change nothing, and a loopback caller carrying them is still refused."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from knowledge import settings
from knowledge.accounts import Accounts
from knowledge.login_throttle import MAX_FAILURES
from knowledge.store import Store
from tests.console.conftest import audits, csrf_from
from tests.webhook.conftest import config, unique
from tests.webhook.test_serve import _wait_for_health, free_port
from webhook.app import create_app
from webhook.proxies import TrustedProxies

ASK = "/api/v1/ask"
NGINX, OTHER_HOST_PROXY, CLIENT, OFFICE = "127.0.0.1", "10.0.0.2", "203.0.113.9", "198.51.100.20"
ADVISOR = ("顾问小李", "advisor-pass-9")


@pytest.fixture(scope="module")
def proxied_app(module_dir):
    store = Store.in_dir(module_dir)
    Accounts(store).add(ADVISOR[0], "advisor", ADVISOR[1])
    store.close()
    app = create_app(config(module_dir, ADVISOR_TRUSTED_PROXIES=f"{NGINX}, {OTHER_HOST_PROXY}/32"))
    yield app
    app.extensions["runtime"].close()


def ask(app, peer: str, forwarded_for: str | None = None, **headers):
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return app.test_client().post(ASK, json={"user_id": unique("api"), "text": "你好"}, headers=headers,
                                  environ_base={"REMOTE_ADDR": peer})


@pytest.mark.parametrize("peer, forwarded_for, status", [
    (NGINX, None, 200),  # the machine itself, straight to gunicorn
    (NGINX, "127.0.0.1", 200),  # the machine itself, through nginx
    (NGINX, CLIENT, 403),  # a remote client through nginx
    (NGINX, f"127.0.0.1, {CLIENT}", 403),  # a remote client forging loopback: nginx appended its address
    (OTHER_HOST_PROXY, CLIENT, 403),
    (CLIENT, "127.0.0.1", 403),  # spoofed by a peer that is no proxy: ignored
    ("::1", "127.0.0.1", 403),  # a loopback peer that is no proxy, carrying the header: refused as before
    (NGINX, "127.0.0.1, not-an-address", 403),  # a chain nobody can read: nothing believed
])
def test_the_loopback_check_sees_the_client_a_trusted_proxy_names(proxied_app, peer, forwarded_for, status):
    assert ask(proxied_app, peer, forwarded_for).status_code == status


def test_without_the_setting_no_forwarded_header_is_believed(app):
    assert ask(app, NGINX, "127.0.0.1").status_code == 403
    assert ask(app, NGINX).status_code == 200


def test_the_walk_stops_at_the_first_address_that_is_no_proxy():
    proxies = TrustedProxies(None, settings.proxy_networks("10.0.0.0/8 127.0.0.1"))
    assert proxies.client(f"198.51.100.1, {CLIENT}, 10.1.2.3", NGINX) == CLIENT
    assert proxies.client("10.1.2.3, 10.4.5.6", NGINX) == "10.1.2.3"  # every hop a proxy: the first
    assert proxies.client("", NGINX) == NGINX
    assert proxies.client("::ffff:203.0.113.9", NGINX) == CLIENT


def test_the_environ_is_rewritten_in_place_for_gunicorns_access_log():
    """gunicorn logs %(h)s from the environ dict it passed in, after the app returns."""
    seen = {}
    proxies = TrustedProxies(lambda environ, start: seen.update(environ) or [], settings.proxy_networks(NGINX))
    environ = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": CLIENT, "HTTP_X_FORWARDED_PROTO": "https",
               "wsgi.url_scheme": "http"}
    proxies(environ, None)
    assert environ["REMOTE_ADDR"] == CLIENT and environ["wsgi.url_scheme"] == "https"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


def login_attempt(app, peer: str, forwarded_for: str, password: str = "wrong", **headers):
    client = app.test_client()
    token = csrf_from(client)
    return client.post("/console/login", data={"username": ADVISOR[0], "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": forwarded_for, **headers}, environ_base={"REMOTE_ADDR": peer})


def test_the_login_throttle_and_the_audit_log_count_the_client_not_the_proxy(proxied_app, module_dir):
    for _ in range(MAX_FAILURES):
        login_attempt(proxied_app, NGINX, CLIENT)
    assert login_attempt(proxied_app, NGINX, CLIENT, ADVISOR[1]).status_code == 401  # the guesser is locked
    assert login_attempt(proxied_app, NGINX, OFFICE, ADVISOR[1]).status_code == 302  # the office is not
    assert {entry.detail.get("client") for entry in audits(module_dir, "login_failed")} == {CLIENT}


@pytest.mark.parametrize("peer, secure", [(NGINX, True), ("192.0.2.50", False)])
def test_https_at_a_trusted_proxy_makes_the_console_cookie_secure(proxied_app, peer, secure):
    """Host is loopback here (a proxy passing its upstream's name): only the trusted https counts."""
    response = login_attempt(proxied_app, peer, OFFICE, ADVISOR[1], **{"X-Forwarded-Proto": "https"})
    assert response.status_code == 302
    assert ("Secure" in response.headers["Set-Cookie"]) is secure


@pytest.mark.parametrize("raw", ["1", "nginx", "0.0.0.0/0", "::/0"])
def test_a_hop_count_a_name_or_everyone_is_refused(raw):
    with pytest.raises(settings.SettingError, match="ADVISOR_TRUSTED_PROXIES"):
        settings.load({"ADVISOR_TRUSTED_PROXIES": raw})


def test_advisor_settings_shows_the_proxies_and_names_a_bad_value_in_one_line(monkeypatch):
    from click.testing import CliRunner

    from webhook.cli import main

    monkeypatch.setenv("ADVISOR_TRUSTED_PROXIES", "127.0.0.1 ::1")
    assert "ADVISOR_TRUSTED_PROXIES=127.0.0.1/32, ::1/128\n" in CliRunner().invoke(main, ["settings"]).output
    monkeypatch.setenv("ADVISOR_TRUSTED_PROXIES", "2")
    bad = CliRunner().invoke(main, ["settings"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: ADVISOR_TRUSTED_PROXIES='2'") and "Traceback" not in bad.output


@pytest.mark.slow
def test_through_gunicorn_the_access_log_names_the_client(data_dir, tmp_path):
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_API_TOKEN": "", "no_proxy": "127.0.0.1",
           "ADVISOR_TRUSTED_PROXIES": NGINX}
    subprocess.run([sys.executable, "-m", "webhook.cli", "init"], env=env, check=True, capture_output=True)
    port, log_path = free_port(), tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "webhook.cli", "serve", "--port", str(port), "--workers", "1"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_health(port)
        statuses = [_post(port, forwarded_for) for forwarded_for in ("127.0.0.1", CLIENT)]
    finally:
        server.terminate()
        server.wait(20)
    assert statuses == [200, 403]
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access" and line["path"] == ASK]
    assert [line["remote"] for line in access] == ["127.0.0.1", CLIENT]


def _post(port: int, forwarded_for: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{ASK}", method="POST",
                                     data=b'{"user_id": "u-proxy", "text": "\\u4f60\\u597d"}',
                                     headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
