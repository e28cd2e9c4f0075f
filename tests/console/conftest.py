"""Console fixtures: an app over the shipped knowledge with one admin and one advisor, a client
that signs in the way a browser does (CSRF token from the form), a live server, and a real
browser (Playwright driving Debian's Chromium) that skips with a reason where it is absent.
"""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from knowledge.accounts import Accounts
from knowledge.audit import AuditLog
from knowledge.cli import load_starter
from knowledge.store import Store
from webhook.app import create_app

ADMIN, ADVISOR = ("管理员", "admin-pass-1"), ("顾问小王", "advisor-pass-1")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_config(data_dir: Path, **extra) -> dict:
    """Channel settings off and a fixed secret, so a developer's environment cannot leak in."""
    return {"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_DATABASE_URL": "", "ADVISOR_API_TOKEN": "",
            "ADVISOR_SECRET_KEY": "test-secret",
            "WECHAT_TOKEN": "", "WECOM_TOKEN": "", "WECHAT_APP_ID": "", "WECHAT_APP_SECRET": "",
            "WECOM_SECRET": "", "WECOM_AGENT_ID": "", "WECHAT_API_BASE": "http://127.0.0.1:9",
            "WECOM_API_BASE": "http://127.0.0.1:9", **extra}


@pytest.fixture(scope="session")
def console_template(tmp_path_factory) -> Path:
    """Shipped knowledge, its index and two accounts, built once per test session."""
    path = tmp_path_factory.mktemp("console-template")
    store = Store.in_dir(path)
    load_starter(store)
    accounts = Accounts(store)
    accounts.add(ADMIN[0], "admin", ADMIN[1])
    accounts.add(ADVISOR[0], "advisor", ADVISOR[1])
    store.close()
    create_app(app_config(path)).extensions["runtime"].close()
    return path


@pytest.fixture
def console_dir(console_template, tmp_path) -> Path:
    path = tmp_path / "data"
    shutil.copytree(console_template, path, symlinks=True)  # index/current stays a symlink (rebuilds swap it)
    return path


@pytest.fixture
def console_backend() -> str:
    """Where the app keeps accounts, console sessions and conversation takeovers: knowledge.db;
    a module whose tests must run on both overrides this with one over BOTH_BACKENDS."""
    return "sqlite"


BOTH_BACKENDS = ["sqlite", "postgresql"]
_database_urls: dict[Path, str] = {}  # console_dir → the ADVISOR_DATABASE_URL its app was given


def open_store(console_dir: Path) -> Store:
    """A store of our own on the app's data dir and shared database (audits, accounts)."""
    return Store.in_dir(console_dir, _database_urls.get(console_dir, ""))


@pytest.fixture
def database_url(console_backend, console_dir, request):
    """'' on SQLite; on PostgreSQL a fresh schema holding the template's knowledge and two
    accounts (the app then indexes those records: its copied index counts knowledge.db's)."""
    if console_backend == "sqlite":
        yield ""
        return
    url = request.getfixturevalue("postgres_url")
    store = Store.in_dir(console_dir, url)
    load_starter(store)
    accounts = Accounts(store)
    accounts.add(ADMIN[0], "admin", ADMIN[1])
    accounts.add(ADVISOR[0], "advisor", ADVISOR[1])
    store.close()
    _database_urls[console_dir] = url
    yield url
    del _database_urls[console_dir]


@pytest.fixture
def app(console_dir, database_url):
    app = create_app(app_config(console_dir, ADVISOR_DATABASE_URL=database_url))
    yield app
    app.extensions["runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(client, path: str = "/console/login") -> str:
    """The CSRF token the page at `path` carries, as a browser would read it from the form."""
    page = client.get(path)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def audits(console_dir: Path, action: str | None = None):
    """The audit entries written so far (newest first), read through a store of our own."""
    store = open_store(console_dir)
    try:
        return AuditLog(store).list(action=action)
    finally:
        store.close()


def login(client, who: tuple[str, str] = ADMIN):
    token = csrf_from(client)
    response = client.post("/console/login", data={"username": who[0], "password": who[1], "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client, path: str, data: dict | None = None, **kwargs):
    """A form post with the session's CSRF token, like the console's own forms send."""
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def admin(client):
    return login(client, ADMIN)


@pytest.fixture
def advisor(client):
    return login(client, ADVISOR)


# -- a real browser -------------------------------------------------------------------------
@pytest.fixture
def live_server(app):
    """The app on a free loopback port, served by werkzeug in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test, base URL set, 10 s timeouts (CI machines are slow)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


DESKTOP, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


@pytest.fixture(params=[DESKTOP, PHONE], ids=["1366", "390"])
def sized_page(request, browser, live_server):
    """Like `page`, once at a laptop's size and once at a phone's, for what must work on both."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=request.param,
                                  is_mobile=request.param is PHONE, has_touch=request.param is PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, who: tuple[str, str] = ADMIN) -> None:
    page.goto("/console/login")
    page.fill("input[name=username]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/(?!login)"))


def screenshot(page, name: str) -> Path:
    """Saved under tests/artifacts/screenshots/ (kept by CI as test artefacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
