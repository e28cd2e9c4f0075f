"""In a real browser, at a laptop's and a phone's size: an emergency turn is at the top of the
dashboard and 对话 after one refresh, raises the browser's notification and a sound once, and
leaves when an advisor marks it seen (issue 16, point 4)."""
from __future__ import annotations

from tests.console.conftest import ADVISOR, browser_login, screenshot

FALL = "我爸摔倒了起不来"
# Record what the page asks of the browser: notifications shown and tones played.
SPY = """
window.__notes = [];
window.__tones = 0;
window.Notification = class {
  constructor(title, options) { window.__notes.push(title + "|" + (options && options.body)); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
const RealContext = window.AudioContext;
window.AudioContext = class extends RealContext {
  createOscillator() { window.__tones += 1; return super.createOscillator(); }
};
"""


def test_an_emergency_is_announced_and_stays_on_top_until_seen(sized_page):
    page = sized_page
    page.context.add_init_script(SPY)
    browser_login(page, ADVISOR)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__notes") == [] and page.locator("[data-testid=urgent]").count() == 0

    answer = page.request.post("/api/v1/ask", data={"user_id": "u-fall", "text": FALL}).json()
    assert answer["intent"] == "emergency"
    page.reload()
    urgent = page.locator("[data-testid=urgent]")
    assert FALL in urgent.inner_text() and "紧急情况" in urgent.inner_text()
    assert urgent.bounding_box()["y"] < page.locator("[data-testid=questions]").bounding_box()["y"]
    page.wait_for_function("window.__notes.length === 1")
    assert page.evaluate("window.__notes") == [f"紧急事项：紧急情况|{FALL}"] and page.evaluate("window.__tones") == 1
    screenshot(page, f"dashboard_urgent_{page.viewport_size['width']}")

    page.goto("/console/conversations/")
    assert FALL in page.inner_text("[data-testid=urgent]")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__notes") == []  # announced once, not on every page
    page.click("[data-testid=urgent] button:has-text('已看到')")
    page.wait_for_selector(".flash.success:has-text('已标记为已看到')")
    assert page.locator("[data-testid=urgent]").count() == 0 and page.locator("#urgent-count").count() == 0
