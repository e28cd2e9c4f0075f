"""In a real browser, at a laptop's and a phone's size: a record made from unanswered questions
shows the users' wordings beside an empty answer, cannot be saved without an answer and a source,
and previews the elder's reply — with its 来源 line — before it is saved (issue 16, trap 1)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.console.conftest import ADVISOR, browser_login, screenshot

ASKED = "哪里能帮老人洗澡\n青秀区有没有助浴"
ANSWER = "青秀区助浴点为行动不便的老人上门助浴，每次30元，电话0771-5550000。"


def test_an_unfinished_answer_cannot_go_live_and_the_reply_is_previewed(sized_page):
    page = sized_page
    browser_login(page, ADVISOR)
    page.goto("/console/records/new?" + urlencode({"title": "青秀区助浴点", "asked": ASKED}))
    assert "哪里能帮老人洗澡" in page.inner_text("section.asked")
    assert page.input_value("textarea[name=text]") == ""
    page.fill("input[name=region]", "青秀区")
    page.click("button:has-text('保存')")
    assert "正文不能为空" in page.inner_text("main")
    assert "请写明来源文件的标题或文号" in page.inner_text("main")

    page.check("#src-advisor")
    assert not page.is_visible("input[name=source_title]") and page.is_visible("input[name=author]")
    assert page.input_value("input[name=author]") == ADVISOR[0]
    page.fill("textarea[name=text]", ANSWER)
    page.click("button:has-text('预览回复')")
    preview = page.inner_text("[data-testid=reply-preview]")
    assert ANSWER in preview and re.search(r"来源：社区养老顾问编写（顾问小王，\d{4}-\d{2}-\d{2}）", preview)
    screenshot(page, f"record_preview_{page.viewport_size['width']}")
    assert page.locator("text=已新建记录").count() == 0

    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/console/records/service-\d{8}-\d+$"))
    assert re.search(r"来源：社区养老顾问编写（顾问小王，", page.inner_text("main"))
