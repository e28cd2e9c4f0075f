"""In a real browser: sign in, see the console, sign out."""
from __future__ import annotations

from tests.console.conftest import ADVISOR, screenshot


def test_login_page_then_console_then_logout(page):
    page.goto("/console/records/")
    assert "/console/login" in page.url
    screenshot(page, "login")
    page.fill("input[name=username]", ADVISOR[0])
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不对" in page.inner_text("main")
    page.fill("input[name=password]", ADVISOR[1])  # the same form, still carrying ?next=
    page.click("button[type=submit]")
    page.wait_for_url("**/console/records/")
    assert page.url.endswith("/console/records/")
    assert page.locator("header .who").inner_text() == ADVISOR[0]
    assert page.locator("nav a", has_text="用户").count() == 0
    page.click("text=退出")
    page.wait_for_url("**/console/login")
