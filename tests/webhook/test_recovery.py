"""Deferred answers survive their worker: what a dead or hung claimer promised ("success") is
taken over by a sweep in another worker (or the next start) and sent once; past WeChat's 48 h
customer-service window it is reported as failed instead."""
from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from tests.webhook.conftest import WeChatClient, text_xml, unique
from tests.webhook.fake_wechat import fake_wechat  # noqa: F401 - the fixture
from tests.webhook.test_wechat_delivery import wait_for
from webhook import recovery
from webhook.ledger import RECOVER_AFTER, SEND_WINDOW

QUESTION = "南宁长者饭堂有补贴吗"


@pytest.fixture
def api(app, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", fake_wechat.url)
    monkeypatch.setitem(app.config, "WECHAT_REPLY_DEADLINE", 0.3)
    return fake_wechat


def dead_pid() -> int:
    process = multiprocessing.get_context("fork").Process(target=lambda: None)
    process.start()
    process.join()
    return process.pid


def orphan(app, user: str, owner: int, age: float, status: str = "async", text: str = QUESTION) -> str:
    """A claimed, unanswered row as a worker left it when it died or hung `age` seconds ago."""
    ledger = app.extensions["runtime"].ledger
    key = f"wechat:{unique('msg')}"
    ledger.claim(key, "wechat", user, {"text": text, "region": "", "lead": ""})
    ledger.db.connection().execute(
        "UPDATE deliveries SET owner = ?, status = ?, claimed_at = ?, created_at = ?, updated_at = ? WHERE key = ?",
        (owner, status, time.time() - age, time.time() - age, time.time() - age, key))
    return key


def sent_to(fake, user: str) -> list[dict]:
    return [body for body in fake.delivered() if body["touser"] == user]


def test_a_dead_workers_promise_is_answered_once_by_the_sweep(app, api):
    user = unique()
    key = orphan(app, user, dead_pid(), age=1)
    runtime = app.extensions["runtime"]
    assert recovery.sweep(runtime) == 1
    wait_for(lambda: runtime.ledger.get(key).status == "sent")
    assert recovery.sweep(runtime) == 0  # taken once: nothing left for another worker
    (message,) = sent_to(api, user)
    assert "南宁" in message["text"]["content"]
    assert runtime.ledger.get(key).attempt == 2


def test_a_hung_workers_promise_is_taken_over_once_its_claim_is_old(app, api):
    import os

    user = unique()
    runtime = app.extensions["runtime"]
    fresh = orphan(app, unique(), os.getpid(), age=1)  # a live claimer still within its time
    key = orphan(app, user, os.getpid(), age=RECOVER_AFTER + 1)  # alive (SIGSTOPped), silent too long
    assert recovery.sweep(runtime) == 1
    wait_for(lambda: runtime.ledger.get(key).status == "sent")
    assert runtime.ledger.get(fresh).status == "async" and len(sent_to(api, user)) == 1


def test_past_the_48_hour_window_it_is_reported_not_sent(app, api):
    user = unique()
    key = orphan(app, user, dead_pid(), age=SEND_WINDOW + 60)
    runtime = app.extensions["runtime"]
    assert recovery.sweep(runtime) == 0
    row = runtime.ledger.get(key)
    assert row.status == "failed" and "48" in row.outcome
    assert row in runtime.ledger.undelivered() and not sent_to(api, user)


def test_a_deferred_message_whose_worker_died_is_sent_once(app, api):
    """Through the route: the claim keeps the question; the owner dies with its job queued
    (here: queued behind a blocked advisor thread); the sweep answers it; the dead owner's
    job, had it run after all, is skipped, so the person gets one answer."""
    runtime = app.extensions["runtime"]
    release = threading.Event()
    runtime.submit(release.wait, 10)
    user, msg_id = unique(), unique("msg")
    try:
        body = WeChatClient(app.test_client()).plain(text_xml(user, QUESTION, msg_id=msg_id))
        assert body.get_data(as_text=True) == "success"  # deferred: a promise
        key = f"wechat:{msg_id}"
        row = runtime.ledger.get(key)
        assert row.status == "async" and row.parts is None
        runtime.ledger.db.connection().execute("UPDATE deliveries SET owner = ? WHERE key = ?", (dead_pid(), key))
        assert recovery.sweep(runtime) == 1
    finally:
        release.set()
    wait_for(lambda: runtime.ledger.get(key).status == "sent")
    time.sleep(0.3)
    assert len(sent_to(api, user)) == 1


def test_a_frozen_sender_that_resumes_after_a_take_over_does_not_send_again(app, api):
    """SIGSTOP past RECOVER_AFTER: another worker's sweep sent the answer; when the frozen one
    resumes, its queued send finds the row no longer its own."""
    import os

    from webhook import delivery

    runtime, user = app.extensions["runtime"], unique()
    key = orphan(app, user, os.getpid(), age=RECOVER_AFTER + 1)
    runtime.ledger.answer(key, ["长者饭堂在南宁各城区都有。"], "consult")
    runtime.ledger.db.connection().execute("UPDATE deliveries SET updated_at = ? WHERE key = ?",
                                           (time.time() - RECOVER_AFTER - 1, key))
    frozen = recovery.job_for(runtime, runtime.ledger.orphan(key))
    other_worker = os.getppid()  # alive, and not us
    runtime.ledger.db.connection().execute("UPDATE deliveries SET owner = ? WHERE key = ?", (other_worker, key))
    delivery.send_later(runtime, frozen, ["长者饭堂在南宁各城区都有。"]).result(10)
    assert not sent_to(api, user) and runtime.ledger.get(key).status == "async"
