"""The Content-Security-Policy blocks nothing the console itself needs: every console page in a
real browser, with no CSP violation reported (issue 13, point 11)."""
from __future__ import annotations

from tests.console.conftest import ADMIN, browser_login
from tests.console.test_auth import console_rules


def test_no_console_page_trips_its_own_policy(page, app):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)
    browser_login(page, ADMIN)
    visited = 0
    for path, methods in console_rules(app):
        if "GET" in methods and "x" not in path.split("/")[-2:] and not path.endswith((".json", ".xlsx", "/feed")):
            page.goto(path)
            visited += 1
    assert visited >= 8 and violations == []
