"""Every console page passes axe-core (from the npm registry, tests/console/axe) with no serious or
critical violation, its text is at least 16 px, and on the phone every control is at least 44 px
tall — the checks of issue 16."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.conftest import ADMIN, DESKTOP, PHONE, browser_login
from tests.console.test_browser_pages import morning, pages  # noqa: F401 - the fixture

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
# Visible text smaller than 16 px: the element and its size.
SMALL_TEXT = """() => [...document.querySelectorAll('body *')].filter(el => {
  if (!el.checkVisibility || !el.checkVisibility()) return false;
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  return own && parseFloat(getComputedStyle(el).fontSize) < 15.95 && !el.closest('svg');
}).slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className + ' ' + getComputedStyle(el).fontSize)"""
# Controls shorter than 44 px (a checkbox or radio counts by its label, the whole target).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, a.button, input:not([type=hidden]), select, textarea, summary, nav a, label.choice')]
  .filter(el => el.checkVisibility && el.checkVisibility())
  .map(el => ['checkbox', 'radio'].includes(el.type) && el.closest('label') ? el.closest('label') : el)
  .filter(el => el.getBoundingClientRect().height < 43.5)
  .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().height))"""


@pytest.fixture
def checked_page(browser, live_server, request):
    if not AXE.exists():
        pytest.skip(f"{AXE} missing (npm ci --prefix tests/console/axe; `make test` does it)")
    viewport = request.param
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=viewport, bypass_csp=True,
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def audit(page, paths: list[str], phone: bool) -> dict:
    problems = {}
    for path in paths:
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        found = {"axe": [v for v in page.evaluate(RUN_AXE) if v["impact"] in SERIOUS],
                 "text": page.evaluate(SMALL_TEXT), "targets": page.evaluate(SMALL_TARGETS) if phone else []}
        if any(found.values()):
            problems[path] = {k: v for k, v in found.items() if v}
    return problems


@pytest.mark.parametrize("checked_page", [DESKTOP, PHONE], ids=["1366", "390"], indirect=True)
def test_every_page_is_accessible(checked_page, morning):  # noqa: F811
    phone = checked_page.viewport_size["width"] == PHONE["width"]
    assert audit(checked_page, ["/console/login"], phone) == {}
    browser_login(checked_page, ADMIN)
    assert audit(checked_page, pages(morning), phone) == {}
