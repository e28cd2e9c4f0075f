"""In a real browser, at a laptop's and a phone's size: mark a bot reply 答错了 in the transcript,
find it in 未答问题 and correct the record it cited from there (issue 16, point 6)."""
from __future__ import annotations

from tests.console.conftest import ADVISOR, browser_login, screenshot

QUESTION = "东营老年产业协会什么时候成立的"


def test_mark_a_wrong_answer_and_fix_its_record(sized_page):
    page = sized_page
    browser_login(page, ADVISOR)
    assert page.request.post("/api/v1/ask", data={"user_id": "u-wrong", "text": QUESTION}).ok
    page.goto("/console/conversations/api:u-wrong")
    page.locator("form.mark-wrong button").last.click()
    page.wait_for_selector("[data-testid=wrong]")
    page.goto("/console/unanswered/")
    group = page.locator("section.gap", has_text=QUESTION)
    assert "1 次“答错了”" in group.inner_text()
    screenshot(page, f"unanswered_wrong_{page.viewport_size['width']}")
    group.locator("a:has-text('修改「')").click()
    page.wait_for_url("**/console/records/dy-association/edit?*")
    assert QUESTION in page.inner_text("section.asked")
    page.fill("textarea[name=text]", page.input_value("textarea[name=text]") + "（已核对）")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/console/records/dy-association")
    page.goto("/console/unanswered/")
    assert page.locator("section.gap", has_text=QUESTION).count() == 0
