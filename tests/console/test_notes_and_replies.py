"""常用回复 and private notes on a conversation (issue 16, point 7): advisors share replies they
insert with one click when a conversation is theirs, and notes the elder never sees."""
from __future__ import annotations

import re

import pytest

from knowledge.conversations import MessageLog
from tests.console.conftest import BOTH_BACKENDS, audits, open_store, post


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Notes and canned replies in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


USER = "api:u-notes"
GREETING = "您好，我是顾问小王，您母亲的高龄津贴我来帮您问。"


def ask(client, text):
    return client.post("/api/v1/ask", json={"user_id": "u-notes", "text": text}).get_json()


def test_canned_replies_are_shared_and_offered_in_the_reply_box(advisor, console_dir):
    assert post(advisor, "/console/replies/", {"text": GREETING}).status_code == 302
    assert post(advisor, "/console/replies/", {"text": "  "}, follow_redirects=True).get_data(as_text=True).count(
        "常用回复不能为空") == 1
    assert GREETING in advisor.get("/console/replies/").get_data(as_text=True)
    ask(advisor, "转人工")
    post(advisor, f"/console/conversations/{USER}/takeover")
    html = advisor.get(f"/console/conversations/{USER}").get_data(as_text=True)
    assert f'data-insert="{GREETING}" data-target="reply-text"' in html
    (entry,) = audits(console_dir, "canned_add")
    assert entry.actor == "顾问小王"
    reply_id = re.search(r'/console/replies/(\d+)/delete', advisor.get("/console/replies/").get_data(as_text=True)).group(1)
    assert post(advisor, f"/console/replies/{reply_id}/delete").status_code == 302
    assert GREETING not in advisor.get("/console/replies/").get_data(as_text=True)


def test_a_note_is_for_advisors_only(advisor, console_dir):
    ask(advisor, "南宁长者饭堂有补贴吗")
    response = post(advisor, f"/console/conversations/{USER}/note", {"text": "女儿说下午三点后方便接电话 13912345678"})
    assert response.status_code == 302 and response.location.endswith("#notes")
    html = advisor.get(f"/console/conversations/{USER}").get_data(as_text=True)
    assert "女儿说下午三点后方便接电话 139****5678" in html and "13912345678" not in html
    store = open_store(console_dir)
    try:  # nothing was sent or logged to the elder
        assert not [m for m in MessageLog(store).transcript(USER) if "三点" in m.text]
    finally:
        store.close()
    assert audits(console_dir, "conversation_note")[0].target == USER
    assert post(advisor, f"/console/conversations/{USER}/note", {"text": ""}, follow_redirects=True).status_code == 200
    assert post(advisor, "/console/conversations/api:nobody/note", {"text": "x"}).status_code == 404
