"""In a real browser: the cases list, one case moved new → contacted → in progress → done with
notes, its trail, and a case registered by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge.cases import CHINA_TZ, CaseBook
from knowledge.store import Store
from tests.console.conftest import ADVISOR, browser_login, screenshot


@pytest.fixture
def cases(console_dir):
    """A morning's worth of cases: one overdue from the bot, an errand, a handoff, one done."""
    store = Store.in_dir(console_dir)
    book = CaseBook(store)
    late = book.open("referral", user_id="oElder-bath", channel="wechat", need="助浴",
                     summary="帮我登记，想找人上门助浴", region="广西壮族自治区南宁市青秀区", region_code="450103",
                     contact_phone="13912345678", consent=True)
    three_days_ago = datetime.now(timezone.utc).astimezone(CHINA_TZ).date() - timedelta(days=3)
    book.set_due(late.number, three_days_ago, "bot")
    errand = book.open("errand", user_id="", channel="", need="代办高龄津贴申请", summary="儿子在外地，委托代办",
                       region="广东省广州市天河区", region_code="440106", actor=f"console:{ADVISOR[0]}")
    book.assign(errand.number, ADVISOR[0], f"console:{ADVISOR[0]}")
    book.open("handoff", user_id="oElder-meal", channel="wechat", need="长者饭堂", summary="转人工：问饭堂补贴",
              region="广西壮族自治区南宁市", region_code="450100")
    meal = book.open("referral", user_id="web-7", channel="api", need="助餐", summary="想订长者饭堂午餐",
                     region="宁夏回族自治区固原市泾源县", region_code="640424")
    for status in ("contacted", "in_progress", "done"):
        book.transition(meal.number, status, "console:管理员")
    store.close()
    return {"late": late.number, "errand": errand.number}


def test_move_a_case_through_its_states(page, cases):
    browser_login(page, ADVISOR)
    page.goto("/console/cases/")
    rows = page.locator("table.cases tbody tr")
    assert rows.first.get_attribute("data-number") == cases["late"]
    assert "overdue" in rows.first.get_attribute("class")
    assert "13912345678" not in page.inner_text("main")
    screenshot(page, "cases")

    page.click(f"text={cases['late']}")
    page.wait_for_url(f"**/console/cases/{cases['late']}")
    for label, note in (("已联系", "已电话联系女儿，老人同意上门助浴"), ("处理中", "约好周三上午上门"),
                        ("已完成", "已助浴一次，家属满意")):
        page.fill("form[action$='/status'] textarea[name=note]", note)
        page.click(f"button:has-text('改为「{label}」')")
        page.wait_for_selector(f"#case-status:has-text('{label}')")
        assert "通知老人" in page.inner_text("main")
    trail = page.inner_text("table.trail")
    assert all(note in trail for note in ("已电话联系女儿", "约好周三上午上门", "已助浴一次")) and ADVISOR[0] in trail
    assert page.locator("form[action$='/status']").count() == 0 and "重新打开" in page.inner_text("main")
    screenshot(page, "case")
    assert "13912345678" not in page.inner_text("main")
    page.click("button:has-text('显示电话')")
    assert "13912345678" in page.inner_text("#case-phone")


def test_register_a_case_by_hand(page, cases):
    browser_login(page, ADVISOR)
    page.goto("/console/cases/new")
    page.check("input[name=kind][value=errand]")
    page.fill("input[name=need]", "代办居家适老化改造申请")
    page.fill("input[name=region]", "青秀区")
    page.fill("input[name=contact_phone]", "0771-5551234")
    page.click("button:has-text('登记')")
    assert "请勾选“已征得同意”" in page.inner_text("main")
    screenshot(page, "cases_new")
    page.check("input[name=consent]")
    page.click("button:has-text('登记')")
    page.wait_for_url("**/console/cases/DB-*")
    assert "已登记" in page.inner_text("main") and "0771-****1234" in page.inner_text("main")


def test_close_asks_first_reopen_and_correct_the_need(sized_page, cases):
    page = sized_page
    browser_login(page, ADVISOR)
    page.goto(f"/console/cases/{cases['errand']}")
    page.click("button:has-text('改为「已关闭」')")
    assert "确定关闭案件" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("a:has-text('不关闭，返回')")
    assert page.inner_text("#case-status") == "新建"
    page.click("button:has-text('改为「已关闭」')")
    page.click("button:has-text('确定关闭')")
    page.wait_for_selector("#case-status:has-text('已关闭')")

    page.fill("form[action$='/reopen'] textarea[name=note]", "家属来电说还要办")
    page.click("button:has-text('重新打开')")
    page.wait_for_selector("#case-status:has-text('处理中')")
    assert "重新打开" in page.inner_text("table.trail") and "家属来电说还要办" in page.inner_text("table.trail")

    page.fill("input[name=need]", "代办高龄津贴（含材料复印）")
    page.click("button:has-text('保存需求和说明')")
    page.wait_for_selector(".flash.success:has-text('需求和情况说明已保存')")
    assert "代办高龄津贴（含材料复印）" in page.inner_text("main")
    assert "需求原为：代办高龄津贴申请" in page.inner_text("table.trail")
    screenshot(page, f"case_reopened_{page.viewport_size['width']}")
