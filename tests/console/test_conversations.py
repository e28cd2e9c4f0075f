"""Conversations in the console: the live list, masked transcripts with an audited reveal, and
taking a conversation over — the bot goes silent, the advisor's replies go out through the
channel's send API (a local fake of WeChat's servers), and the bot answers again when handed back.

The conversations are made the way elders make them: questions through POST /api/v1/ask (the
test client is a loopback client, so no token is needed) and through the WeChat callback.
"""
from __future__ import annotations

import itertools
import re
from urllib.parse import quote

import pytest

from advisor.reply import conversation_id
from advisor.core import WAITING_FOR_ADVISOR
from knowledge.audit import AuditLog
from knowledge.cases import CaseBook
from knowledge.conversations import MessageLog
from knowledge.store import Store
from tests.console.conftest import ADMIN, ADVISOR, BOTH_BACKENDS, app_config, login, open_store, post
from tests.webhook.conftest import WECHAT_AES_KEY, WECHAT_TOKEN, WeChatClient, text_xml
from tests.webhook.fake_wechat import APP_ID, APP_SECRET, fake_wechat  # noqa: F401 - the fixture
from webhook.app import create_app
from webhook.console.conversations import RESUME_NOTICE

PHONE, RESIDENT_ID = "13812345678", "450102195001011234"
_users = itertools.count(1)


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Takeovers, the message log, cases and accounts in knowledge.db, and in PostgreSQL
    (Store.shared)."""
    return request.param


def new_user(prefix: str = "elder") -> str:
    return f"{prefix}-{next(_users)}"


def ask(client, user_id: str, text: str) -> dict:
    response = client.post("/api/v1/ask", json={"user_id": user_id, "text": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def conv(user_id: str, channel: str = "api") -> str:
    """The conversation a channel's user is: what the console lists, opens and audits."""
    return conversation_id(channel, user_id)


def transcript_path(user_id: str, channel: str = "api") -> str:
    return f"/console/conversations/{quote(conv(user_id, channel), safe='')}"


def audit_entries(console_dir, action: str):
    store = open_store(console_dir)
    try:
        return AuditLog(store).list(action=action)
    finally:
        store.close()


def messages_of(console_dir, user_id: str, channel: str = "api"):
    store = open_store(console_dir)
    try:
        return MessageLog(store).transcript(conv(user_id, channel))
    finally:
        store.close()


# -- the list -------------------------------------------------------------------------------
def test_the_list_shows_each_person_newest_first_with_numbers_masked(advisor):
    first, second = new_user(), new_user()
    ask(advisor, first, "南宁的长者饭堂在哪")
    ask(advisor, second, f"我电话{PHONE}，南宁高龄津贴怎么领")
    html = page(advisor, "/console/conversations/")
    assert html.index(second) < html.index(first)
    assert PHONE not in html
    assert "网页/接口" in html and "setInterval" in html  # channel label, live refresh


def test_the_last_message_is_masked_in_the_list(advisor, console_dir):
    user = new_user()
    ask(advisor, user, "你好")
    store = open_store(console_dir)
    try:
        MessageLog(store).log(conv(user), "api", "in", f"我的身份证是{RESIDENT_ID}")
    finally:
        store.close()
    html = page(advisor, "/console/conversations/")
    assert RESIDENT_ID not in html and "4501**********1234" in html


def test_open_handoff_tickets_come_first_with_a_takeover_button(advisor):
    waiting, other = new_user(), new_user()
    number = ask(advisor, waiting, "转人工")["reply"].split("编号 ")[1][:16]
    ask(advisor, other, "南宁的长者饭堂在哪")
    html = page(advisor, "/console/conversations/")
    assert number.startswith("RG-") and number in html
    assert html.index(number) < html.index("最近的对话")
    takeover = f'action="/console/conversations/{conv(waiting)}/takeover"'
    assert html.index(takeover) < html.index("最近的对话")
    assert "等待顾问" in html
    post(advisor, transcript_path(waiting) + "/takeover")
    html = page(advisor, "/console/conversations/")
    assert f"{ADVISOR[0]} 处理中" in html and takeover not in html


# -- transcripts ----------------------------------------------------------------------------
def test_the_transcript_shows_bubbles_sources_and_beijing_time_masked(advisor):
    user = new_user()
    answer = ask(advisor, user, "南宁的长者饭堂在哪")
    ask(advisor, user, f"我的电话是{PHONE}，身份证{RESIDENT_ID}")
    html = page(advisor, transcript_path(user))
    assert 'class="bubble in"' in html and 'class="bubble out"' in html
    assert answer["sources"][0]["title"] in html
    assert PHONE not in html and RESIDENT_ID not in html
    assert "138****5678" in html and "4501**********1234" in html
    assert "北京时间" in html


def test_reveal_is_a_post_that_is_audited_and_lasts_one_response(advisor, console_dir):
    user = new_user()
    ask(advisor, user, f"请打我电话{PHONE}")
    assert advisor.get(transcript_path(user) + "/reveal").status_code in (404, 405)  # never a GET
    response = post(advisor, transcript_path(user) + "/reveal")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and PHONE in html and "已记入审计" in html
    assert response.headers["Cache-Control"] == "no-store"
    (entry,) = audit_entries(console_dir, "reveal")
    assert (entry.actor, entry.target) == (ADVISOR[0], conv(user))
    assert PHONE not in page(advisor, transcript_path(user))


def test_unknown_people_are_404_not_500(advisor):
    assert advisor.get("/console/conversations/nobody-here").status_code == 404
    for action in ("takeover", "reply", "resume", "reveal"):
        assert post(advisor, f"/console/conversations/nobody-here/{action}").status_code == 404


@pytest.mark.parametrize("user_id", ["web/张三 #1?x=1", "oAbC-123_xyz", "wecom:李四%20"])
def test_any_user_id_has_a_transcript_and_takeover(advisor, user_id):
    ask(advisor, user_id, "南宁的长者饭堂在哪")
    assert "长者饭堂" in page(advisor, transcript_path(user_id))
    response = post(advisor, transcript_path(user_id) + "/takeover")
    assert response.status_code == 302
    assert ask(advisor, user_id, "在吗")["intent"] == "waiting"


# -- taking over ----------------------------------------------------------------------------
def test_while_taken_over_the_bot_is_silent_and_the_question_is_logged(advisor, console_dir):
    user = new_user()
    assert ask(advisor, user, "南宁的长者饭堂在哪")["reply"]
    response = post(advisor, transcript_path(user) + "/takeover")
    assert response.status_code == 302 and response.location.endswith("#reply")
    told = ask(advisor, user, "我想找顾问问问补贴的事")
    assert (told["reply"], told["intent"], told["handoff"]) == (WAITING_FOR_ADVISOR, "waiting", True)
    silent = ask(advisor, user, "就是高龄补贴")  # told once per takeover; then the advisor answers
    assert (silent["reply"], silent["intent"], silent["handoff"]) == ("", "human", True)
    logged = [m.text for m in messages_of(console_dir, user) if m.direction == "in"]
    assert logged[-2:] == ["我想找顾问问问补贴的事", "就是高龄补贴"]
    html = page(advisor, transcript_path(user))
    assert "我想找顾问问问补贴的事" in html and f"{ADVISOR[0]} 处理中" in html and 'name="text"' in html
    (entry,) = audit_entries(console_dir, "takeover")
    assert (entry.actor, entry.target) == (ADVISOR[0], conv(user))
    listed = page(advisor, "/console/conversations/")  # the waiting question, not the bot's silence
    assert "就是高龄补贴" in listed and "机器人未回复" not in listed
    assert re.search(r'data-testid="unread">未读 2<', listed)  # both wait for the advisor


def test_questions_during_a_takeover_are_not_unanswered(advisor, console_dir):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/takeover")
    ask(advisor, user, "火星上有没有养老院")
    store = open_store(console_dir)
    try:
        assert [m for m in MessageLog(store).unanswered() if m.user_id == conv(user)] == []
        assert [m for m in MessageLog(store).transcript(conv(user)) if m.text == "火星上有没有养老院"]
    finally:
        store.close()


def test_a_takeover_works_before_the_person_has_a_session(advisor, console_dir, database_url):
    user = new_user()
    store = Store.in_dir(console_dir, database_url)
    try:
        MessageLog(store).log(conv(user), "api", "in", "有人吗")  # logged, but no session row yet
        assert store.shared.connection().execute("SELECT count(*) FROM sessions WHERE user_id = ?",
                                                 [conv(user)]).fetchone()[0] == 0
    finally:
        store.close()
    assert post(advisor, transcript_path(user) + "/takeover").status_code == 302
    assert ask(advisor, user, "南宁的长者饭堂在哪")["intent"] == "waiting"
    post(advisor, transcript_path(user) + "/resume")
    assert ask(advisor, user, "南宁的长者饭堂在哪")["sources"]


def test_another_advisor_cannot_snatch_a_taken_conversation(app, advisor):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/takeover")
    admin = login(app.test_client(), ADMIN)
    post(admin, transcript_path(user) + "/takeover")
    html = page(admin, transcript_path(user))
    assert f"已由 {ADVISOR[0]} 接管" in html and f"{ADVISOR[0]} 处理中" in html
    post(admin, transcript_path(user) + "/reply", {"text": "我也来回答"})
    assert f"由 {ADVISOR[0]} 接管中，只有接管人能回复" in page(admin, transcript_path(user))


def test_two_takeovers_at_once_leave_one_holder(console_dir, database_url):
    """The claim is one conditional write: whoever comes second learns who holds it."""
    from advisor.session import SessionStore

    stores = [Store.in_dir(console_dir, database_url) for _ in range(2)]
    try:
        first, second = (SessionStore(store) for store in stores)
        assert first.pause("o-race", "顾问甲", "wechat") == "顾问甲"
        assert second.pause("o-race", "顾问乙", "wechat") == "顾问甲"
        assert first.pause("o-race", "顾问甲", "wechat") == "顾问甲"  # taking one's own again is fine
        assert second.resume("o-race") and second.pause("o-race", "顾问乙", "wechat") == "顾问乙"
    finally:
        for store in stores:
            store.close()


def test_replies_need_a_takeover_and_some_text(advisor, console_dir):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/reply", {"text": "您好"})
    assert "请先“接管对话”再回复" in page(advisor, transcript_path(user))
    post(advisor, transcript_path(user) + "/takeover")
    post(advisor, transcript_path(user) + "/reply", {"text": "   "})
    assert "回复内容不能为空" in page(advisor, transcript_path(user))
    post(advisor, transcript_path(user) + "/reply", {"text": "好" * 1001})
    assert "回复太长" in page(advisor, transcript_path(user))
    assert not [m for m in messages_of(console_dir, user) if m.intent == "human" and m.text]


def test_a_reply_on_the_json_channel_is_logged_but_not_pushed(advisor, console_dir):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/takeover")
    response = post(advisor, transcript_path(user) + "/reply", {"text": "您好，我是社区顾问"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "不能主动推送" in html and "顾问（人工）" in html and "您好，我是社区顾问" in html
    (entry,) = audit_entries(console_dir, "conversation_reply")
    assert entry.target == conv(user) and entry.detail["sent"] is False


def test_hand_back_without_a_takeover_changes_nothing(advisor, console_dir):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/resume", {"notify": "1"})
    assert "没有被接管" in page(advisor, transcript_path(user))
    assert audit_entries(console_dir, "resume") == []


# -- the whole round on WeChat --------------------------------------------------------------
@pytest.fixture
def wechat_app(console_dir, fake_wechat):  # noqa: F811 - the fixture imported above
    """The console app with the WeChat channel on, sending through the fake WeChat API."""
    app = create_app(app_config(console_dir, WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID=APP_ID,
                                WECHAT_APP_SECRET=APP_SECRET, WECHAT_ENCODING_AES_KEY=WECHAT_AES_KEY,
                                WECHAT_MESSAGE_MODE="compatible",  # they post plaintext
                                WECHAT_API_BASE=fake_wechat.url))
    yield app
    app.extensions["runtime"].close()


def test_take_over_a_wechat_conversation_reply_and_hand_back(wechat_app, fake_wechat, console_dir):  # noqa: F811
    console = login(wechat_app.test_client(), ADVISOR)
    wechat = WeChatClient(wechat_app.test_client())
    user = new_user("o-wx")
    assert "南宁" in wechat.text(wechat.plain(text_xml(user, "南宁的长者饭堂在哪")))

    post(console, transcript_path(user, "wechat") + "/takeover")
    told = wechat.plain(text_xml(user, "我腿脚不方便，能不能送餐上门"))
    assert wechat.text(told) == WAITING_FOR_ADVISOR  # told once that a person has the message
    silent = wechat.plain(text_xml(user, "就是送午饭"))
    assert silent.get_data(as_text=True) == "success"  # then the bot says nothing

    reply = "您好，我是社区顾问小王。可以送餐上门，我下午给您打电话0771-5551234。"
    html = post(console, transcript_path(user, "wechat") + "/reply", {"text": reply}, follow_redirects=True).get_data(as_text=True)
    assert "已发送。" in html and "顾问（人工）" in html and "0771-****1234" in html
    (sent,) = fake_wechat.delivered()
    assert sent["touser"] == user and sent["text"]["content"] == reply

    html = post(console, transcript_path(user, "wechat") + "/resume", {"notify": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "已交还机器人" in html and "机器人回复中" in html
    assert fake_wechat.delivered()[-1]["text"]["content"] == RESUME_NOTICE
    assert "南宁" in wechat.text(wechat.plain(text_xml(user, "南宁长者饭堂在哪里")))

    texts = [(m.direction, m.intent, m.text) for m in messages_of(console_dir, user, "wechat")]
    assert ("out", "human", reply) in texts and ("out", "human", RESUME_NOTICE) in texts
    for action in ("takeover", "conversation_reply", "resume"):
        assert [(e.actor, e.target) for e in audit_entries(console_dir, action)] == [(ADVISOR[0], conv(user, "wechat"))]


def test_a_refused_send_is_reported_and_still_logged(wechat_app, fake_wechat, console_dir):  # noqa: F811
    console = login(wechat_app.test_client(), ADVISOR)
    wechat = WeChatClient(wechat_app.test_client())
    user = new_user("o-wx")
    wechat.plain(text_xml(user, "南宁的长者饭堂在哪"))
    post(console, transcript_path(user, "wechat") + "/takeover")
    fake_wechat.fail_sends(3, 45015, "response out of time limit")
    html = post(console, transcript_path(user, "wechat") + "/reply", {"text": "您好，我是顾问"},
                follow_redirects=True).get_data(as_text=True)
    assert "已记入对话记录" in html and "已发送。" not in html
    assert ("out", "human", "您好，我是顾问") in [(m.direction, m.intent, m.text) for m in messages_of(console_dir, user, "wechat")]


# -- one status for ticket and conversation (issue 16, point 5) -------------------------------
def ticket_of(console_dir, user):
    store = open_store(console_dir)
    try:
        return CaseBook(store).list(user_id=conv(user), kind="handoff")[0]
    finally:
        store.close()


def test_the_ticket_follows_the_takeover_waiting_taken_resolved(advisor, console_dir):
    user = new_user()
    number = ask(advisor, user, "转人工")["reply"].split("编号 ")[1][:16]
    listed = page(advisor, "/console/conversations/")
    assert re.search(r'data-testid="ticket-state">等待顾问<', listed)
    assert re.search(r'data-testid="unread">未读 1<', listed)  # the 转人工 request itself
    response = post(advisor, transcript_path(user) + "/takeover", follow_redirects=True)
    assert "不能主动推送" in response.get_data(as_text=True) and "会发给对方" not in response.get_data(as_text=True)
    ticket = ticket_of(console_dir, user)
    assert (ticket.number, ticket.status, ticket.assignee) == (number, "in_progress", ADVISOR[0])
    listed = page(advisor, "/console/conversations/")
    assert re.search(rf'data-testid="ticket-state">{ADVISOR[0]} 处理中<', listed)
    ask(advisor, user, "我妈想申请高龄补贴")
    ask(advisor, user, "她今年八十五")
    assert re.search(r'data-testid="unread">未读 3<', page(advisor, "/console/conversations/"))
    post(advisor, transcript_path(user) + "/reply", {"text": "您好，我是顾问小王，我来帮您。"})
    assert 'data-testid="unread"' not in page(advisor, "/console/conversations/")
    response = post(advisor, transcript_path(user) + "/resume", {"notify": "1"}, follow_redirects=True)
    assert f"工单 {number} 已标为已解决" in response.get_data(as_text=True)
    assert ticket_of(console_dir, user).status == "done"
    assert number not in page(advisor, "/console/conversations/").split("最近的对话")[0]


def test_an_emergency_during_a_takeover_still_gets_the_safety_reply(advisor):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/takeover")
    reply = ask(advisor, user, "我爸摔倒了起不来")
    assert reply["intent"] == "emergency" and "120" in reply["reply"]


def test_handing_back_a_colleagues_takeover_asks_first(app, advisor, console_dir):
    user = new_user()
    ask(advisor, user, "南宁的长者饭堂在哪")
    post(advisor, transcript_path(user) + "/takeover")
    admin = login(app.test_client(), ADMIN)
    response = post(admin, transcript_path(user) + "/resume", {"notify": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f"这个对话由 {ADVISOR[0]} 接管中" in html and 'name="confirmed"' in html
    assert ask(advisor, user, "在吗")["intent"] == "waiting"  # still taken over
    response = post(admin, transcript_path(user) + "/resume", {"notify": "1", "confirmed": "1"})
    assert response.status_code == 302 and ask(advisor, user, "南宁的长者饭堂在哪")["sources"]
    (entry,) = audit_entries(console_dir, "resume")
    assert (entry.actor, entry.detail["holder"]) == (ADMIN[0], ADVISOR[0])
