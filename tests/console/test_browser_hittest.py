"""In a real browser: the hit test shows the reply and the records behind it; an edit to a record
changes the bot's answer at the next hit test; the dashboard shows the traffic."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from knowledge.cases import CaseBook
from knowledge.conversations import MessageLog
from knowledge.records import Record
from knowledge.store import Store
from tests.console.conftest import ADVISOR, browser_login, screenshot

QUESTION = "南宁助浴服务有吗"
NEW_TEXT = "新增：每周二、周四有助浴车上门，预约电话见社区公告栏。"


def hit_test(page, question: str, region: str = "") -> None:
    page.goto("/console/hittest/")
    page.fill("input[name=q]", question)
    page.fill("input[name=region]", region)
    page.click("form.hittest-form button[type=submit]")
    page.wait_for_selector("pre.reply")


def test_hit_test_shows_reply_and_records(page):
    browser_login(page, ADVISOR)
    page.click("nav >> text=命中测试")
    page.wait_for_url("**/console/hittest/")
    hit_test(page, "南宁长者饭堂有补贴吗")
    assert "来源" in page.inner_text("pre.reply")
    assert "政策咨询" in page.inner_text("[data-testid=intent]")
    assert "南宁" in page.inner_text("[data-testid=region]")
    assert "0.50" in page.inner_text("[data-testid=threshold]")
    assert page.locator("table.hits tr.cited").count() >= 1
    assert page.locator("table.hits mark").count() >= 1
    assert "q=" in page.url  # the link can be shared
    screenshot(page, "hittest")


def test_emergency_in_the_hit_test_runs_no_search(page):
    browser_login(page, ADVISOR)
    hit_test(page, "我妈摔倒了起不来")
    assert "120" in page.inner_text("pre.reply")
    assert "没有检索知识库" in page.inner_text("[data-testid=no-search]")
    assert page.locator("table.hits").count() == 0


def test_edit_a_record_and_see_the_answer_change(page, console_dir):
    browser_login(page, ADVISOR)
    hit_test(page, QUESTION)
    before = page.inner_text("pre.reply")
    assert NEW_TEXT not in before
    cited = page.locator("table.hits tr.cited").first.get_attribute("data-record")
    store = Store.in_dir(console_dir)
    try:
        stored = store.get(cited)
        edited = Record.from_dict({**stored.record.content(), "text": f"{stored.record.text}{NEW_TEXT}"})
        assert store.put(edited, "console:" + ADVISOR[0]) == "updated"
    finally:
        store.close()
    page.reload()
    page.wait_for_selector("pre.reply")
    assert NEW_TEXT in page.inner_text("pre.reply")
    assert page.locator(f"table.hits tr.cited[data-record='{cited}']").count() == 1
    screenshot(page, "hittest_after_edit")


def test_dashboard_with_traffic(page, app, console_dir):
    generate_traffic(app, console_dir)
    browser_login(page, ADVISOR)
    page.goto("/console/")
    assert page.locator("[data-testid=questions] .stat").inner_text() != "0"
    assert page.locator("svg.chart").count() >= 5
    assert page.locator("svg.columns rect.bar").count() == 14 * 3
    assert "逾期" in page.inner_text("[data-testid=cases]")
    screenshot(page, "dashboard")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    screenshot(page, "dashboard_tablet")
    page.click("[data-testid=cases] a.stat-link")
    page.wait_for_url("**/console/cases/?overdue=1")


def generate_traffic(app, console_dir) -> None:
    """Today through the JSON channel; the days before written to the log with their dates."""
    client = app.test_client()
    questions = ["南宁长者饭堂有补贴吗", "广州有几家旅居养老基地", "泾源县医院有安宁疗护吗", "南宁助浴服务有吗",
                 "泾源护理员有啥补贴", "北京养老院床位补贴多少钱", "转人工"]
    for n, text in enumerate(questions):
        assert client.post("/api/v1/ask", json={"user_id": f"shot-{n}", "text": text}).status_code == 200
    store = Store.in_dir(console_dir)
    try:
        cited = ["nn-sub-meal-operation", "nn-svc-bathing", "jy-i-county-hospital", "gd-base-01-luhu"]
        for back in range(1, 14):
            log = MessageLog(store, clock=lambda back=back: datetime.now(timezone.utc) - timedelta(days=back))
            for n in range(3 + (back * 7) % 9):
                user = f"past-{back}-{n}"
                log.log(user, "wechat", "in", "问题")
                answered = n % 4 != 3
                log.log(user, "wechat", "out", "回复", intent="consult" if answered else "not_found",
                        answered=answered, handoff=n == 5, sources=[cited[(back + n) % 4]] if answered else [])
        CaseBook(store).open("referral", user_id="past-1-0", channel="wechat", summary="想找人上门助浴",
                             need="助浴", region="广西壮族自治区南宁市", due_date=date.today() - timedelta(days=2))
    finally:
        store.close()
