"""No request waits for the advisor thread without limit: gunicorn kills a sync worker after
30 s, and the WeChat answers it had promised die with it. A busy thread is a quick 503."""
from __future__ import annotations

import threading
import time

from tests.webhook.conftest import unique
from webhook import runtime as runtime_module


def block_the_advisor_thread(app, seconds: float) -> threading.Event:
    """Occupy the advisor thread (as a long catch-up did) until released or `seconds` pass."""
    release = threading.Event()
    app.extensions["runtime"].submit(release.wait, seconds)
    return release


def timed(fn):
    started = time.monotonic()
    response = fn()
    return response, time.monotonic() - started


def test_ask_and_healthz_answer_503_when_the_advisor_thread_is_busy(app, client, monkeypatch):
    monkeypatch.setattr(runtime_module, "WAIT_S", 0.5, raising=False)
    monkeypatch.setattr(runtime_module, "HEALTH_WAIT_S", 0.5, raising=False)
    client.get("/healthz")  # the advisor is open
    release = block_the_advisor_thread(app, 8)
    try:
        asked, asked_s = timed(lambda: client.post("/api/v1/ask", json={"user_id": unique("api"), "text": "你好"}))
        health, health_s = timed(lambda: client.get("/healthz"))
    finally:
        release.set()
    assert asked.status_code == 503 and asked.headers["Retry-After"] and asked_s < 4
    assert "繁忙" in asked.get_json()["error"]
    assert health.status_code == 503 and health_s < 4
    assert client.get("/healthz").status_code == 200  # free again
