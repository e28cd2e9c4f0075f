"""Every console page in a real browser, over a morning's worth of data: no English keys or codes
outside the hit test's 技术细节 fold, and one clock (12月3日 10:19, Beijing time) — issue 16,
points 9 and 10."""
from __future__ import annotations

import re

import pytest

from knowledge.cases import CaseBook
from knowledge.store import Store
from tests.console.conftest import ADMIN, browser_login, login, post

QUESTIONS = ("南宁长者饭堂有补贴吗", "北京养老院床位补贴多少钱", "我爸摔倒了起不来", "转人工", "广州有几家旅居养老基地")
RECORD = "jy-s-nursing-bed-renovation"  # a subsidy with who / office / how_to_apply facts
# Visible text of the page, without the hit test's technical fold, code samples and scripts.
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('details.tech, code, script, style, datalist').forEach(el => el.remove());
  return copy.textContent;
}"""
ENGLISH = re.compile(r"(?<![A-Za-z0-9.@/-])[a-z][a-z_]{2,}(?::[\w-]+)?")
MACHINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|UTC")
BEIJING_TIME = re.compile(r"\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


@pytest.fixture
def morning(app, client, console_dir):
    """Questions from five users, an edited record, a case moved and reopened, an admin's changes."""
    for n, text in enumerate(QUESTIONS):
        assert client.post("/api/v1/ask", json={"user_id": f"u-{n}a1b2", "text": text}).status_code == 200
    login(client, ADMIN)
    html = client.get(f"/console/records/{RECORD}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    fields = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', html))
    fields |= dict(re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', html))
    fields |= {"kind": "subsidy", "version": version, "source_kind": "document", "title": "泾源县护理床位改造补贴（已核对）"}
    assert post(client, f"/console/records/{RECORD}/edit", fields).status_code == 302
    store = Store.in_dir(console_dir)
    case = CaseBook(store).open("referral", user_id="api:u-0a1b2", channel="api", need="助餐", summary="想订午餐",
                                region="广西壮族自治区南宁市", region_code="450100")
    store.close()
    post(client, f"/console/cases/{case.number}/status", {"status": "contacted", "note": "已联系"})
    post(client, "/console/users/", {"name": "顾问小李", "role": "advisor", "password": "advisor-pass-2"})
    return {"case": case.number, "user": "api:u-0a1b2"}


def pages(seed) -> list[str]:
    return ["/console/", "/console/records/", f"/console/records/{RECORD}", f"/console/records/{RECORD}/edit",
            "/console/records/new", f"/console/records/{RECORD}/versions/1", "/console/documents/", "/console/lexicon/",
            "/console/import/",
            "/console/hittest/?q=南宁长者饭堂有补贴吗", "/console/hittest/?q=北京养老院床位补贴多少钱",
            "/console/unanswered/", "/console/conversations/", f"/console/conversations/{seed['user']}",
            "/console/cases/", f"/console/cases/{seed['case']}", "/console/cases/new", "/console/users/",
            "/console/users/audit", "/console/replies/"]


def test_no_english_codes_and_one_beijing_clock_on_every_page(page, morning):
    browser_login(page, ADMIN)
    problems, times = {}, 0
    for path in pages(morning):
        page.goto(path)
        text = page.evaluate(VISIBLE_TEXT)
        found = sorted(set(ENGLISH.findall(text)) | set(MACHINE_TIME.findall(text)))
        if found:
            problems[path] = found
        times += len(BEIJING_TIME.findall(text))
    assert problems == {}
    assert times > 20  # the pages do show times, each as 12月3日 10:19
