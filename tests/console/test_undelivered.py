"""Undelivered must be visible: a WeChat message acknowledged with "success" whose answer did not
arrive is listed on the dashboard and on the conversation (with the API's errcode), marked in the
transcript, and can be resent (CSRF-protected, audited) — once."""
from __future__ import annotations

import multiprocessing
import re
import time

import pytest

from advisor.reply import Message
from tests.console.conftest import audits, post
from tests.webhook.fake_wechat import APP_ID, APP_SECRET, fake_wechat  # noqa: F401 - the fixture
from webhook import delivery
from webhook.channels import wxmessages

QUESTION = "南宁长者饭堂有补贴吗"


@pytest.fixture
def api(app, fake_wechat, monkeypatch):
    for name, value in (("WECHAT_APP_ID", APP_ID), ("WECHAT_APP_SECRET", APP_SECRET),
                        ("WECHAT_API_BASE", fake_wechat.url)):
        monkeypatch.setitem(app.config, name, value)
    return fake_wechat


def wait_for(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def deferred_answer(app, user: str, msg_id: str) -> str:
    """A WeChat message answered late (deadline 0: handed over at once), as wx.receive does it."""
    runtime = app.extensions["runtime"]
    job = delivery.Job(key=f"wechat:{msg_id}", message=Message(user, QUESTION, "wechat"),
                       split=wxmessages.split_text, send=lambda parts: runtime.wechat_api().send_parts(user, parts))
    assert delivery.answer_once(runtime, job, 0).outcome == "deferred"
    return job.key


def sent_to(fake, user: str) -> list[dict]:
    return [body for body in fake.delivered() if body["touser"] == user]


def test_a_failed_send_is_listed_marked_and_resent_once(app, advisor, api, console_dir):
    user, msg_id = "o-undelivered-1", "msg-undelivered-1"
    api.fail_sends(1, errcode=45015)
    key = deferred_answer(app, user, msg_id)
    ledger = app.extensions["runtime"].ledger
    wait_for(lambda: ledger.get(key).status == "failed")

    dashboard = advisor.get("/console/").get_data(as_text=True)
    assert "未送达的消息" in dashboard and "errcode 45015" in dashboard and key in dashboard
    page = advisor.get(f"/console/conversations/wechat:{user}").get_data(as_text=True)
    assert re.search(r'data-testid="not-delivered">未送达：[^<]*errcode 45015', page)  # not shown as delivered

    assert advisor.post(f"/console/conversations/wechat:{user}/resend", data={"key": key}).status_code in (400, 403)
    assert not sent_to(api, user)  # no CSRF token, nothing sent

    response = post(advisor, f"/console/conversations/wechat:{user}/resend", {"key": key, "back": "dashboard"},
                    follow_redirects=True)
    assert "已重新发送" in response.get_data(as_text=True)
    assert ledger.get(key).status == "sent" and len(sent_to(api, user)) == 1
    (entry,) = audits(console_dir, "resend")
    assert entry.target == f"wechat:{user}" and entry.detail["key"] == key and entry.detail["ok"] is True
    assert key not in advisor.get("/console/").get_data(as_text=True)
    page = advisor.get(f"/console/conversations/wechat:{user}").get_data(as_text=True)
    assert 'data-testid="not-delivered"' not in page

    post(advisor, f"/console/conversations/wechat:{user}/resend", {"key": key})  # a second click sends nothing
    assert len(sent_to(api, user)) == 1


def test_a_message_nobody_answered_is_listed_and_answered_on_resend(app, advisor, api):
    user = "o-undelivered-2"
    ledger = app.extensions["runtime"].ledger
    key = "wechat:msg-undelivered-2"
    ledger.claim(key, "wechat", user, {"text": QUESTION, "region": "", "lead": ""})
    process = multiprocessing.get_context("fork").Process(target=lambda: None)
    process.start()
    process.join()
    ledger.db.connection().execute("UPDATE deliveries SET owner = ?, status = 'async', claimed_at = ? WHERE key = ?",
                                   (process.pid, time.time() - 60, key))  # its worker died
    dashboard = advisor.get("/console/").get_data(as_text=True)
    assert "无人回答" in dashboard and key in dashboard
    response = post(advisor, f"/console/conversations/wechat:{user}/resend", {"key": key, "back": "dashboard"},
                    follow_redirects=True)
    assert "已重新交给机器人回答" in response.get_data(as_text=True)
    wait_for(lambda: ledger.get(key).status == "sent")
    (message,) = sent_to(api, user)
    assert "南宁" in message["text"]["content"]
