"""Query parameters (issue 13, point 14): a bad value on any console page is a 400 with a
message in Chinese, never a 500 from deep inside the page."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from webhook.console import query

CONSOLE = Path(__file__).resolve().parents[2] / "webhook" / "console"
TYPED_BAD = {query.day: ["0001-01-01", "9999-12-31", "2026-13-01", "昨天"], query.flag: ["2", "yes"],
             query.page_number: ["0", "-1", "abc", "99999999999999999999"]}
GENERIC_BAD = ["\x00", "a\x1bb", "长" * 6000]


def page_path(app, endpoint: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return re.sub(r"<(?:\w+:)?(\w+)>", "x1", rule.rule)


def bad_values(check) -> list[str]:
    values = list(GENERIC_BAD) + TYPED_BAD.get(check, [])
    if getattr(check, "__name__", "") == "<lambda>" and check("zz-not-a-choice"):
        values.append("zz-not-a-choice")
    return values


CASES = [(endpoint, name, value) for endpoint, params in query.PAGES.items()
         for name, check in params.items() for value in bad_values(check)]


def test_the_reported_overflow_is_a_400(admin):
    response = admin.get("/console/unanswered/?since=0001-01-01")
    assert response.status_code == 400 and "起始日期" in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint, name, value", CASES, ids=[f"{e}-{n}-{v[:12]!r}" for e, n, v in CASES])
def test_every_parameter_of_every_page_refuses_bad_values(app, admin, endpoint, name, value):
    response = admin.get(f"{page_path(app, endpoint)}?{name}={quote(value)}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "查询条件有误" in html and f"（{name}）" in html


@pytest.mark.parametrize("endpoint", sorted(query.PAGES))
def test_good_values_still_pass(app, admin, endpoint):
    good = {"day": "2026-12-01", "flag": "1", "page_number": "2"}
    params = "&".join(f"{name}={good.get(getattr(check, '__name__', ''), '')}"
                      for name, check in query.PAGES[endpoint].items())
    assert admin.get(f"{page_path(app, endpoint)}?{params}").status_code != 400


def test_every_endpoint_in_the_table_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(query.PAGES) <= endpoints


def test_every_parameter_a_console_page_reads_is_in_the_table():
    """A grep of the console's sources: a parameter read but not in the table would go unchecked."""
    read = set()
    for source in CONSOLE.glob("*.py"):
        code = source.read_text(encoding="utf-8")
        read |= set(re.findall(r"(?:request\.(?:args|values)|\bargs)\.get(?:list)?\(\s*\"(\w+)\"", code))
        read |= set(re.findall(r"request\.args\[\s*\"(\w+)\"", code))
    checked = {name for params in query.PAGES.values() for name in params}
    assert read and read <= checked, read - checked
