"""答错了 (issue 16, point 6): from any bot turn in a transcript an advisor marks a wrong answer; it
joins the review list next to the unanswered questions with the record it cited, and correcting
that record from there marks the group handled — one flow, like the 没用 answers."""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests.console.conftest import BOTH_BACKENDS, audits, post


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The message log an advisor marks wrong answers in in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


USER = "api:u-wrong"
QUESTION = "东营老年产业协会什么时候成立的"
RECORD = "dy-association"


def test_a_wrong_answer_is_marked_reviewed_and_fixed_in_one_flow(advisor, console_dir):
    reply = advisor.post("/api/v1/ask", json={"user_id": "u-wrong", "text": QUESTION}).get_json()
    assert RECORD in [s["id"] for s in reply["sources"]]
    transcript = advisor.get(f"/console/conversations/{USER}").get_data(as_text=True)
    message_id = re.findall(r'name="message_id" value="(\d+)"', transcript)[-1]
    assert QUESTION not in advisor.get("/console/unanswered/").get_data(as_text=True)

    response = post(advisor, f"/console/conversations/{USER}/wrong", {"message_id": message_id})
    assert response.status_code == 302 and response.location.endswith(f"#m{message_id}")
    assert 'data-testid="wrong">顾问标了答错了' in advisor.get(f"/console/conversations/{USER}").get_data(as_text=True)
    (entry,) = audits(console_dir, "answer_wrong")
    assert (entry.target, entry.detail["message"]) == (USER, int(message_id))

    review = advisor.get("/console/unanswered/").get_data(as_text=True)
    assert QUESTION in review and 'data-testid="wrong">1 次“答错了”' in review
    link = unescape(re.search(rf'href="(/console/records/{RECORD}/edit\?[^"]+)"', review).group(1))
    form = advisor.get(link).get_data(as_text=True)
    assert "用户的问法" in form and QUESTION in form
    fields = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', form))
    fields |= dict(re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', form))
    fields |= {"kind": "policy", "source_kind": "document", "version": "1",
               "answers": re.search(r'name="answers" value="([^"]*)"', form).group(1),
               "text": fields["text"] + "（已核对成立日期）"}
    assert post(advisor, f"/console/records/{RECORD}/edit", fields).status_code == 302
    assert QUESTION not in advisor.get("/console/unanswered/").get_data(as_text=True)
    assert audits(console_dir, "unanswered_to_record")[0].target == RECORD


def test_only_bot_replies_of_that_person_can_be_marked(advisor):
    advisor.post("/api/v1/ask", json={"user_id": "u-wrong", "text": QUESTION})
    advisor.post("/api/v1/ask", json={"user_id": "u-other", "text": QUESTION})
    other = advisor.get("/console/conversations/api:u-other").get_data(as_text=True)
    theirs = re.findall(r'name="message_id" value="(\d+)"', other)[-1]
    assert post(advisor, f"/console/conversations/{USER}/wrong", {"message_id": theirs}).status_code == 404
    assert post(advisor, f"/console/conversations/{USER}/wrong", {"message_id": "1"}).status_code == 404  # a question
    assert post(advisor, f"/console/conversations/{USER}/wrong", {"message_id": "x"}).status_code == 404
