"""紧急事项: an emergency or scam turn is at the top of 对话 and the dashboard, in the menu's count
and the notification feed, until an advisor marks it seen (audited)."""
from __future__ import annotations

import re

import pytest

from tests.console.conftest import BOTH_BACKENDS, audits, post


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The message log and the urgent marks in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


FALL = "我爸摔倒了起不来"
SCAM = "我妈老是接到电话说去海南旅居养老先交五万块钱，这个靠谱吗"


def ask(client, text, user):
    response = client.post("/api/v1/ask", json={"user_id": user, "text": text})
    assert response.status_code == 200
    return response.get_json()


def urgent_ids(html: str) -> list[str]:
    section = re.search(r'data-testid="urgent">(.*?)</section>', html, re.S)
    return re.findall(r'data-message="(\d+)"', section.group(1)) if section else []


def test_an_emergency_and_a_scam_are_at_the_top_until_seen(advisor, console_dir):
    assert ask(advisor, FALL, "u-fall")["intent"] == "emergency"
    assert ask(advisor, SCAM, "u-scam")["intent"] == "fraud"
    ask(advisor, "南宁长者饭堂有补贴吗", "u-meal")
    for page in ("/console/", "/console/conversations/"):
        html = advisor.get(page).get_data(as_text=True)
        assert len(urgent_ids(html)) == 2, page
        assert html.index('data-testid="urgent"') < html.index("</h1>") + 400  # right under the heading
        assert "紧急情况" in html and "疑似诈骗" in html and FALL in html and "网页用户 ···fall" in html
        assert '<span class="badge bad" id="urgent-count" title="紧急事项">2</span>' in html
    feed = advisor.get("/console/urgent/feed").get_json()
    assert feed["count"] == 2 and {item["label"] for item in feed["items"]} == {"紧急情况", "疑似诈骗"}
    fall = next(item for item in feed["items"] if item["label"] == "紧急情况")
    assert fall["text"] == FALL and fall["url"] == "/console/conversations/api:u-fall"

    response = post(advisor, f"/console/urgent/{fall['id']}/seen", {"next": "/console/conversations/"})
    assert response.status_code == 302 and response.location.endswith("/console/conversations/")
    assert urgent_ids(advisor.get("/console/").get_data(as_text=True)) != [str(fall["id"])]
    assert advisor.get("/console/urgent/feed").get_json()["count"] == 1
    (entry,) = audits(console_dir, "urgent_seen")
    assert entry.target == str(fall["id"]) and entry.actor == "顾问小王"
    again = post(advisor, f"/console/urgent/{fall['id']}/seen", follow_redirects=True)
    assert "已经标记过了" in again.get_data(as_text=True) and len(audits(console_dir, "urgent_seen")) == 1


def test_only_urgent_replies_can_be_marked(advisor):
    ask(advisor, "南宁长者饭堂有补贴吗", "u-meal")
    assert advisor.get("/console/urgent/feed").get_json() == {"count": 0, "items": []}
    assert 'data-testid="urgent"' not in advisor.get("/console/").get_data(as_text=True)
    assert post(advisor, "/console/urgent/1/seen").status_code == 404
    assert post(advisor, "/console/urgent/99999/seen").status_code == 404


def test_phone_numbers_in_an_urgent_turn_are_masked(advisor):
    ask(advisor, "我妈晕倒了，快打13912345678", "u-faint")
    html = advisor.get("/console/").get_data(as_text=True)
    assert urgent_ids(html) and "13912345678" not in html and "139****5678" in html
    assert "13912345678" not in advisor.get("/console/urgent/feed").get_data(as_text=True)


def test_the_feed_needs_a_sign_in(client):
    assert client.get("/console/urgent/feed").status_code == 302
