"""In a real browser, at a laptop's and a phone's size: a canned reply goes into the reply box
with one click, and a private note stays on the advisors' side (issue 16, point 7)."""
from __future__ import annotations

from tests.console.conftest import ADVISOR, browser_login, screenshot

CANNED = "您好，我是社区养老顾问，您的事我来帮您办。"


def test_insert_a_canned_reply_and_keep_a_note(sized_page):
    page = sized_page
    browser_login(page, ADVISOR)
    page.goto("/console/replies/")
    page.fill("textarea[name=text]", CANNED)
    page.click("button:has-text('添加')")
    page.wait_for_selector(".flash.success")
    assert page.request.post("/api/v1/ask", data={"user_id": "u-canned", "text": "转人工"}).ok
    page.goto("/console/conversations/api:u-canned")
    page.click("button:has-text('接管对话')")
    page.wait_for_selector("#reply-text")
    page.fill("#reply-text", "王阿姨，")
    page.click("button.canned-reply")
    assert page.input_value("#reply-text") == "王阿姨，" + CANNED
    page.fill("#notes textarea[name=text]", "女儿说下午三点后方便接电话")
    page.click("#notes button:has-text('保存备注')")
    page.wait_for_selector("[data-testid=note]")
    assert "女儿说下午三点后方便接电话" in page.inner_text("#notes")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"conversation_takeover_{page.viewport_size['width']}")
