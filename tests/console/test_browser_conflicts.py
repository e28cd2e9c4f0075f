"""In a real browser, at a laptop's and a phone's size: two tabs edit one record; the second save
shows both versions field by field and saves what the advisor picks; an old version comes back
from the history (issue 16, trap 2)."""
from __future__ import annotations

from tests.console.conftest import ADVISOR, browser_login, screenshot

RECORD = "dy-association"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_two_tabs_on_one_record_and_a_version_restored(sized_page):
    tab_a = sized_page
    browser_login(tab_a, ADVISOR)
    tab_b = tab_a.context.new_page()
    original = None
    for tab in (tab_a, tab_b):
        tab.goto(f"/console/records/{RECORD}/edit")
        original = tab.input_value("input[name=title]")
    tab_a.fill("input[name=title]", "甲改的标题")
    tab_a.click("button:has-text('保存')")
    tab_a.wait_for_url(f"**/console/records/{RECORD}")

    tab_b.fill("input[name=tags]", "乙加的标签")
    tab_b.click("button:has-text('保存')")
    table = tab_b.locator("[data-testid=conflict]")
    assert "编辑冲突" in tab_b.inner_text("h1")
    assert "甲改的标题" in table.locator("tr[data-field=title]").inner_text()
    assert "乙加的标签" in table.locator("tr[data-field=tags]").inner_text()
    assert fits(tab_b)
    screenshot(tab_b, f"record_conflict_{tab_b.viewport_size['width']}")
    tab_b.click("button:has-text('按所选保存')")
    tab_b.wait_for_url(f"**/console/records/{RECORD}")
    main = tab_b.inner_text("main")
    assert "甲改的标题" in main and "乙加的标签" in main and "第 3 版" in main

    tab_b.click("a[href$='/versions/1']")
    assert "恢复这一版" in tab_b.inner_text("main") and fits(tab_b)
    tab_b.click("button:has-text('恢复这一版')")
    tab_b.wait_for_url(f"**/console/records/{RECORD}")
    assert "已恢复第 1 版的内容" in tab_b.inner_text("main")
    assert tab_b.inner_text("h1") == original
