"""The README's console screenshots, fresh at 1366×768 and 390×844 over a morning's worth of data
(tests/artifacts/screenshots/readme_<page>_<width>.png; copied to docs/screenshots/). Each page is
also checked to have loaded as the advisor sees it: its heading is there."""
from __future__ import annotations

import pytest

from tests.console.conftest import ADMIN, ARTIFACTS, DESKTOP, PHONE, browser_login
from tests.console.test_browser_pages import RECORD, morning  # noqa: F401 - the fixture

SHOTS = [("dashboard", "/console/", "看板"), ("records", "/console/records/?q=长者饭唐", "知识库"),
         ("record", f"/console/records/{RECORD}", ""), ("record_edit", f"/console/records/{RECORD}/edit", "编辑"),
         ("hittest", "/console/hittest/?q=南宁长者饭堂有补贴吗", "命中测试"), ("unanswered", "/console/unanswered/", "未答问题"),
         ("conversations", "/console/conversations/", "对话"), ("cases", "/console/cases/", "转介·代办"),
         ("audit", "/console/users/audit", "审计日志")]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366", "390"])
def test_screenshots_for_the_readme(browser, live_server, morning, size):  # noqa: F811
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=size,
                                  is_mobile=size is PHONE, has_touch=size is PHONE)
    page = context.new_page()
    page.goto("/console/login")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"readme_login_{size['width']}.png"))
    browser_login(page, ADMIN)
    for name, path, heading in SHOTS:
        page.goto(path)
        assert heading in page.inner_text("h1"), path
        page.screenshot(path=str(ARTIFACTS / f"readme_{name}_{size['width']}.png"))
    page.goto("/console/cases/")
    if size is PHONE:
        page.click("#menu-toggle")
        page.screenshot(path=str(ARTIFACTS / f"readme_menu_{size['width']}.png"))
    context.close()
