"""Never repeat, never lose: retries get the same reply from one advisor run; late answers and
long answers go out through the customer-service API (a local fake of WeChat's servers)."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from advisor.core import Advisor
from advisor.reply import Reply
from tests.webhook.conftest import WeChatClient, event_xml, text_xml, unique
from tests.webhook.fake_wechat import fake_wechat  # noqa: F401 - the fixture
from webhook.channels.wxmessages import REPLY_LIMIT

QUESTION = "南宁长者饭堂有补贴吗"


class Counter:
    """Wraps Advisor.handle: counts runs, optionally slows them down or replaces the reply."""

    def __init__(self, monkeypatch, delay: float = 0.0, reply: Reply | None = None):
        self.calls, self.delay, self.reply = [], delay, reply
        original = Advisor.handle

        def handle(advisor, message):
            self.calls.append(message)
            time.sleep(self.delay)
            return self.reply or original(advisor, message)

        monkeypatch.setattr(Advisor, "handle", handle)


@pytest.fixture
def api(app, fake_wechat, monkeypatch):
    """Point the app's send API at the fake and make the reply deadline tiny."""
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", fake_wechat.url)
    monkeypatch.setitem(app.config, "WECHAT_REPLY_DEADLINE", 0.3)
    return fake_wechat


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_same_msgid_three_times_runs_the_advisor_once(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    xml = text_xml(unique(), QUESTION, msg_id=unique("msg"))
    replies = [wechat.text(wechat.plain(xml)) for _ in range(3)]
    assert len(counter.calls) == 1
    assert replies[0] == replies[1] == replies[2] and "南宁" in replies[0]


def test_safe_mode_retries_get_the_same_reply(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    xml = text_xml(unique(), QUESTION, msg_id=unique("msg"))
    replies = {wechat.text(wechat.aes(xml)) for _ in range(3)}
    assert len(counter.calls) == 1 and len(replies) == 1


def test_concurrent_retries_wait_for_the_one_run(app, monkeypatch):
    counter = Counter(monkeypatch, delay=0.5)
    xml = text_xml(unique(), QUESTION, msg_id=unique("msg"))

    def post(_):
        client = WeChatClient(app.test_client())
        return client.text(client.plain(xml))

    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(post, range(3)))
    assert len(counter.calls) == 1
    assert replies[0] == replies[1] == replies[2] and replies[0]


def test_events_are_deduplicated_by_sender_and_time(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    user, created = unique(), int(time.time())
    first = wechat.text(wechat.plain(event_xml(user, "subscribe", created=created)))
    again = wechat.text(wechat.plain(event_xml(user, "subscribe", created=created)))
    later = wechat.text(wechat.plain(event_xml(user, "subscribe", created=created + 1)))
    assert first == again == later and len(counter.calls) == 2


def test_a_slow_answer_is_delivered_through_the_api(app, wechat, api, monkeypatch):
    counter = Counter(monkeypatch, delay=1.0)
    user, msg_id = unique(), unique("msg")
    started = time.monotonic()
    response = wechat.plain(text_xml(user, QUESTION, msg_id=msg_id))
    assert response.get_data(as_text=True) == "success" and time.monotonic() - started < 0.9
    wait_for(lambda: api.delivered())
    (body,) = api.delivered()
    assert body["touser"] == user and "南宁" in body["text"]["content"]
    retry = wechat.plain(text_xml(user, QUESTION, msg_id=msg_id))
    assert retry.get_data(as_text=True) == "success" and len(counter.calls) == 1
    # the fake server records the message before the sender hears back and marks the ledger
    ledger = app.extensions["runtime"].ledger
    wait_for(lambda: ledger.get(f"wechat:{msg_id}").status == "sent")
    assert ledger.get(f"wechat:{msg_id}").parts[0] == body["text"]["content"]


def test_a_retry_during_a_slow_answer_does_not_run_it_again(app, wechat, api, monkeypatch):
    counter = Counter(monkeypatch, delay=0.8)
    xml = text_xml(unique(), QUESTION, msg_id=unique("msg"))
    assert [wechat.plain(xml).get_data(as_text=True) for _ in range(2)] == ["success", "success"]
    wait_for(lambda: api.delivered())
    time.sleep(0.2)
    assert len(counter.calls) == 1 and len(api.delivered()) == 1


def test_a_failed_delivery_keeps_the_answer_and_logs(app, wechat, api, monkeypatch, caplog):
    Counter(monkeypatch, delay=0.6)
    api.fail_sends(1, 45015, "response out of time limit")
    msg_id = unique("msg")
    ledger = app.extensions["runtime"].ledger
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        assert wechat.plain(text_xml(unique(), QUESTION, msg_id=msg_id)).get_data(as_text=True) == "success"
        wait_for(lambda: ledger.get(f"wechat:{msg_id}").status == "failed")
        # the ledger row is marked before the delivery line is logged: wait for the line too
        wait_for(lambda: '"outcome": "failed"' in caplog.text)
    delivery = ledger.get(f"wechat:{msg_id}")
    assert "南宁" in delivery.parts[0] and "0/1" in delivery.outcome


def test_a_long_reply_is_split_and_the_rest_sent(wechat, api, monkeypatch):
    sentence = "长者饭堂每天中午供应午餐，六十岁以上老人凭卡就餐。"
    long_text = sentence * 120  # ~9,000 bytes: five WeChat messages
    Counter(monkeypatch, reply=Reply(long_text, "consult"))
    user = unique()
    first = wechat.text(wechat.plain(text_xml(user, QUESTION)))
    assert len(first.encode()) <= REPLY_LIMIT and first.endswith("。")
    wait_for(lambda: len(api.delivered()) >= 4)
    rest = [body["text"]["content"] for body in api.delivered()]
    assert first + "".join(rest) == long_text
    assert all(body["touser"] == user for body in api.delivered())


@pytest.mark.expect_errors(r"webhook.delivery: advisor failed on a wechat message")
def test_an_advisor_failure_is_an_apology_not_an_error(wechat, monkeypatch):
    def explode(advisor, message):
        raise RuntimeError("boom")

    monkeypatch.setattr(Advisor, "handle", explode)
    response = wechat.plain(text_xml(unique(), QUESTION))
    assert response.status_code == 200 and "抱歉" in wechat.text(response)


def test_rate_limit_on_wechat_is_a_polite_reply(app, wechat, monkeypatch):
    monkeypatch.setattr(app.extensions["runtime"].process.limiter, "limit", 2)
    user = unique()
    replies = [wechat.text(wechat.plain(text_xml(user, "你好"))) for _ in range(3)]
    assert "一分钟" in replies[2] and "一分钟" not in replies[0]


def test_unsubscribe_is_idempotent_and_runs_no_advisor(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    user, created = unique(), int(time.time())
    for _ in range(2):
        assert wechat.plain(event_xml(user, "unsubscribe", created=created)).get_data(as_text=True) == "success"
    assert counter.calls == []


def test_log_line_per_wechat_message(wechat, caplog):
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        wechat.plain(text_xml("o-13812345678", QUESTION))
    lines = [r.getMessage() for r in caplog.records if r.name == "webhook.messages"]
    assert len(lines) == 1 and '"channel": "wechat"' in lines[0] and '"outcome": "answered"' in lines[0]
    assert "13812345678" not in caplog.text



def test_a_conversation_taken_over_by_an_advisor_gets_success(wechat, monkeypatch):
    Counter(monkeypatch, reply=Reply("", "human", handoff=True))  # the advisor stays silent
    response = wechat.plain(text_xml(unique(), QUESTION))
    assert response.get_data(as_text=True) == "success"


def test_a_passive_answer_logs_no_error(wechat, caplog):
    """Every passive answer once logged a swallowed TypeError (Delivery built without its
    outcome) as "answer job ... failed": 10,117 false tracebacks in one test run."""
    with caplog.at_level(logging.ERROR):
        reply = wechat.text(wechat.plain(text_xml(unique(), QUESTION)))
    assert "南宁" in reply
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


@pytest.mark.expect_errors(r"webhook.delivery: answer job failed unexpectedly")
def test_an_unexpected_failure_of_a_recovered_answer_job_is_logged(app, api, monkeypatch, caplog):
    """A bug in an answer job nobody waits for (a sweep's) must reach the log, not vanish in its future."""
    from tests.webhook.test_recovery import dead_pid, orphan
    from webhook import delivery, recovery

    def broken(runtime, message):
        raise RuntimeError("a bug outside the ledger")

    monkeypatch.setattr(delivery, "_reply", broken)
    orphan(app, unique(), dead_pid(), age=1)
    with caplog.at_level(logging.ERROR, logger="webhook.delivery"):
        assert recovery.sweep(app.extensions["runtime"]) >= 1
        wait_for(lambda: "answer job failed unexpectedly" in caplog.text)
