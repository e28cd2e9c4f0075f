"""In a real browser: an elder asks for a person on WeChat, the advisor takes the conversation over
from the handoff ticket, replies (it reaches the fake WeChat API), and hands it back; then the
unanswered questions. Screenshots of the conversation list, a transcript and the unanswered page.
"""
from __future__ import annotations

import re

import pytest

from advisor.core import WAITING_FOR_ADVISOR
from tests.console.conftest import ADVISOR, app_config, browser_login, screenshot
from tests.webhook.conftest import WECHAT_AES_KEY, WECHAT_TOKEN, WeChatClient, text_xml
from tests.webhook.fake_wechat import APP_ID, APP_SECRET, fake_wechat  # noqa: F401 - the fixture
from webhook.app import create_app

ELDER = "oWx-elder-zhang"
# The pages reload themselves every few seconds; a reload in the middle of a click only makes a
# browser test flaky, so timers are switched off here (the refresh is plain, server-side data).
NO_TIMERS = "window.setInterval = function () { return 0; };"


@pytest.fixture
def app(console_dir, fake_wechat):  # noqa: F811 - the fixture imported above
    """The console app with WeChat on, sending through the fake WeChat API (the live server uses it)."""
    app = create_app(app_config(console_dir, WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID=APP_ID,
                                WECHAT_APP_SECRET=APP_SECRET, WECHAT_ENCODING_AES_KEY=WECHAT_AES_KEY,
                                WECHAT_MESSAGE_MODE="compatible",  # they post plaintext
                                WECHAT_API_BASE=fake_wechat.url))
    yield app
    app.extensions["runtime"].close()


def ask(app, user_id: str, text: str) -> str:
    return app.test_client().post("/api/v1/ask", json={"user_id": user_id, "text": text}).get_json()["reply"]


@pytest.fixture
def busy_day(app):
    """A morning's traffic: an elder on WeChat who wants a person, web users, unanswerable questions."""
    wechat = WeChatClient(app.test_client())
    for text in ("南宁的长者饭堂在哪", "我腿脚不方便，能送餐上门吗？我电话13812345678", "转人工"):
        wechat.text(wechat.plain(text_xml(ELDER, text)))
    for n, text in enumerate(["明天股票会涨吗", "股票明天会涨吗", "明天的股票会不会涨", "南宁有没有游泳馆",
                              "南宁哪里有游泳池", "南宁火车票怎么买", "南宁老年大学怎么报名"]):
        ask(app, f"web-{n}", text)
    ask(app, "web-pets", "南宁养宠物有补贴吗")
    ask(app, "web-pets", "没用")
    return wechat


def test_take_over_reply_and_hand_back_in_the_browser(page, busy_day, fake_wechat):  # noqa: F811
    page.add_init_script(NO_TIMERS)
    browser_login(page, ADVISOR)
    page.goto("/console/conversations/")
    tickets = page.locator("section.handoffs")
    assert "RG-" in tickets.inner_text() and f"微信用户 ···{ELDER[-4:]}" in tickets.inner_text()
    assert "13812345678" not in page.content()
    screenshot(page, "conversations")

    tickets.locator("button", has_text="接管对话").first.click()
    page.wait_for_url(re.compile(rf"/console/conversations/wechat(:|%3A){ELDER}#reply$"))  # its conversation id
    assert f"{ADVISOR[0]} 处理中" in page.inner_text("h1")
    assert WAITING_FOR_ADVISOR in busy_day.plain(text_xml(ELDER, "好的，我等您")).get_data(as_text=True)
    page.reload()
    assert "好的，我等您" in page.inner_text("#thread")

    reply = "张阿姨您好，我是社区顾问小王。送餐上门可以办，我下午三点给您打电话。"
    page.fill("textarea[name=text]", reply)
    page.click("text=发送")
    page.wait_for_load_state()
    assert "已发送。" in page.inner_text("main")
    assert reply in page.locator(".bubble.human").last.inner_text()
    assert fake_wechat.delivered()[-1]["text"]["content"] == reply
    assert "138****5678" in page.inner_text("#thread") and "13812345678" not in page.content()
    screenshot(page, "conversation")

    page.click("text=交还机器人")
    page.wait_for_load_state()
    assert "已交还机器人" in page.inner_text("main") and "机器人回复中" in page.inner_text("h1")
    assert "智能助手继续为您服务" in fake_wechat.delivered()[-1]["text"]["content"]
    assert "南宁" in busy_day.text(busy_day.plain(text_xml(ELDER, "南宁长者饭堂在哪里")))


def test_unanswered_questions_in_the_browser(page, busy_day):
    page.add_init_script(NO_TIMERS)
    browser_login(page, ADVISOR)
    page.goto("/console/unanswered/")
    stocks = page.locator("section.gap", has_text="明天的股票会不会涨")
    assert "3 次" in stocks.inner_text()
    pets = page.locator("section.gap", has_text="南宁养宠物有补贴吗")
    assert "1 次“没用”" in pets.inner_text()
    pets.locator("summary", has_text="加为同义词").click()
    pets.locator("input[name=word]").fill("宠物")
    screenshot(page, "unanswered")
    pools = page.locator("section.gap", has_text="南宁有没有游泳馆")
    pools.locator("button", has_text="标记已处理").click()
    page.wait_for_load_state()
    assert "已标记 2 条问题为已处理" in page.inner_text("main")
    assert page.locator("section.gap", has_text="南宁有没有游泳馆").count() == 0
