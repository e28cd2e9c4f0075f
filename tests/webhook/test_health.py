"""Liveness and readiness: `/healthz/live` answers whatever the worker is doing, `/healthz/ready`
only once its index is open and the data dir takes a write (503 with the reason otherwise),
and `/healthz` keeps the shape DESIGN.md fixes."""
from __future__ import annotations

import time

import pytest

from advisor.core import Advisor
from tests.webhook.conftest import config
from webhook.app import create_app


@pytest.fixture
def fresh_app(module_dir):
    """An app whose worker has not opened its index yet (no request, no gunicorn hook)."""
    app = create_app(config(module_dir))
    yield app
    app.extensions["runtime"].close()


def ready_within(client, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/healthz/ready")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_live_is_200_and_touches_nothing(fresh_app):
    response = fresh_app.test_client().get("/healthz/live")
    assert response.status_code == 200 and response.get_json()["status"] == "alive"
    assert fresh_app.extensions["runtime"].process.advisor is None  # the index was not opened for it


def test_ready_is_503_until_the_index_is_loaded(fresh_app):
    client = fresh_app.test_client()
    first = client.get("/healthz/ready")
    assert first.status_code == 503
    assert first.get_json() == {"status": "not_ready", "reason": "index not loaded yet"}
    response = ready_within(client)  # the first probe started the opening; it does not wait for it
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["records"] == 166 and body["write_failure"] == ""


def test_ready_says_why_the_index_could_not_be_opened(fresh_app, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("index/current: No such file or directory")

    monkeypatch.setattr(Advisor, "open", broken)
    client = fresh_app.test_client()
    assert client.get("/healthz/ready").status_code == 503
    deadline = time.monotonic() + 10
    while "could not" not in client.get("/healthz/ready").get_json()["reason"] and time.monotonic() < deadline:
        time.sleep(0.05)
    for _ in range(3):  # it tries again, and keeps saying why while it fails
        response = client.get("/healthz/ready")
        assert response.status_code == 503
        assert response.get_json()["reason"] == "index could not be opened: index/current: No such file or directory"


def _read_only(runtime, database: str, on: bool) -> None:
    """PRAGMA query_only on the connection the advisor thread writes through: SQLite then refuses
    every write as it does for a read-only file (chmod cannot show that: the tests run as root)."""
    def switch():
        advisor = runtime._advisor()
        db = advisor.store.db.conn if database == "knowledge" else runtime.process.channels_db.connection()
        db.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
    runtime.submit(switch).result()


@pytest.mark.parametrize("database", ["knowledge", "channels"])
@pytest.mark.expect_errors(r"webhook\.messages: .*write_failure.*readonly")
def test_ready_is_503_while_a_store_is_read_only(fresh_app, database):
    client, runtime = fresh_app.test_client(), fresh_app.extensions["runtime"]
    assert ready_within(client).status_code == 200
    _read_only(runtime, database, True)
    try:
        response = client.get("/healthz/ready")
    finally:
        _read_only(runtime, database, False)
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not_ready"
    assert body["reason"] == "store not writable: attempt to write a readonly database"
    assert client.get("/healthz/ready").status_code == 200


def test_healthz_keeps_its_contract(fresh_app):
    body = fresh_app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["records"] == 166
