"""At a phone's width (390 px) every console page fits the screen — nothing scrolls sideways —
the menu folds behind 菜单, and tables become one card per row with each cell's column named
(issue 16, point 12)."""
from __future__ import annotations

from tests.console.conftest import ADMIN, PHONE, browser_login, screenshot
from tests.console.test_browser_pages import morning, pages  # noqa: F401 - the fixture

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""


def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_no_page_is_wider_than_a_phone(browser, live_server, morning):  # noqa: F811
    page = phone_page(browser, live_server)
    page.goto("/console/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    browser_login(page, ADMIN)
    too_wide = {}
    for path in pages(morning):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = (width, page.evaluate(WIDEST))
    page.context.close()
    assert too_wide == {}


def test_the_menu_folds_and_tables_are_cards(browser, live_server, morning):  # noqa: F811
    page = phone_page(browser, live_server)
    browser_login(page, ADMIN)
    page.goto("/console/cases/")
    menu = page.locator("#main-menu")
    assert not menu.is_visible() and page.locator("header.top").bounding_box()["height"] < 80
    page.click("#menu-toggle")
    assert menu.is_visible() and page.get_attribute("#menu-toggle", "aria-expanded") == "true"
    links = menu.locator("a")
    assert all(links.nth(i).bounding_box()["height"] >= 44 for i in range(links.count()))
    screenshot(page, "phone_menu")
    page.click("#menu-toggle")
    row = page.locator("table.cases tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    assert row.locator("td").first.get_attribute("data-label")
    screenshot(page, "phone_cases")
    page.context.close()
