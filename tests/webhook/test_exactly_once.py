"""One turn per message, whatever WeChat's retries and a slow advisor do (issue 13, point 5):
a retry never takes over a claim whose turn is still running in a live worker, and two menu
clicks in the same second are two messages, not one."""
from __future__ import annotations

import time

import pytest

from knowledge.store import Store
from tests.webhook.conftest import WeChatClient, config, event_xml, text_xml, unique
from tests.webhook.fake_wechat import fake_wechat  # noqa: F401 - the fixture
from tests.webhook.test_wechat_delivery import QUESTION, Counter, wait_for
from webhook import ledger as ledger_module
from webhook.app import create_app
from webhook.channels.wxactions import MENU_KEYS
from webhook.channels.wxmessages import dedupe_key, parse_message


def logged_turns(data_dir, user: str) -> list[str]:
    """The message log's rows for one WeChat user, oldest first: 'in' and 'out'."""
    store = Store.in_dir(data_dir)
    try:
        return [row[0] for row in store.db.execute(
            "SELECT direction FROM messages WHERE user_id = ? ORDER BY id", [f"wechat:{user}"])]
    finally:
        store.close()


@pytest.fixture
def fresh_app(module_dir, fake_wechat):
    """An app of its own: its ledger's heartbeat thread starts in the test, with the test's interval."""
    app = create_app(config(module_dir, WECHAT_API_BASE=fake_wechat.url, WECHAT_REPLY_DEADLINE=0.3))
    yield app
    app.extensions["runtime"].close()


def test_a_retry_after_a_long_running_turn_does_not_run_it_again(fresh_app, fake_wechat, module_dir, monkeypatch):
    """Scaled down: a claim goes stale after 0.6 s instead of 15; the turn takes 1.5 s (an index
    catching up) and WeChat's retry comes at 1 s, when the claim would look stale."""
    monkeypatch.setattr(ledger_module, "STALE_SECONDS", 0.6)
    monkeypatch.setattr(ledger_module, "BEAT_EVERY", 0.1, raising=False)
    wechat, api = WeChatClient(fresh_app.test_client()), fake_wechat
    counter = Counter(monkeypatch, delay=1.5)
    user = unique()
    xml = text_xml(user, QUESTION, msg_id=unique("msg"))
    assert wechat.plain(xml).get_data(as_text=True) == "success"
    time.sleep(0.7)
    assert wechat.plain(xml).get_data(as_text=True) == "success"
    wait_for(lambda: [body for body in api.delivered() if body["touser"] == user])
    time.sleep(2.0)  # a second turn, had one been started, would be over by now
    assert len(counter.calls) == 1
    assert len([body for body in api.delivered() if body["touser"] == user]) == 1
    assert logged_turns(module_dir, user) == ["in", "out"]


def test_two_menu_clicks_in_the_same_second_are_two_messages(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    user, created = unique(), int(time.time())
    wechat.plain(event_xml(user, "CLICK", key="MEAL", created=created))
    wechat.plain(event_xml(user, "CLICK", key="HUMAN", created=created))
    assert [message.text for message in counter.calls] == [MENU_KEYS["MEAL"], MENU_KEYS["HUMAN"]]


def test_the_dedupe_key_of_an_event_names_its_key():
    def click(key: str):
        return parse_message(event_xml("o-user", "CLICK", key=key, created=1_700_000_000))

    assert dedupe_key(click("MEAL")) != dedupe_key(click("HUMAN"))
    assert dedupe_key(click("MEAL")) == dedupe_key(click("MEAL"))  # a retry is still the same message
