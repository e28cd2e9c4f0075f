"""Sessions remember slots and the last answer, expire after the TTL, survive a restart."""
from __future__ import annotations

import json
from dataclasses import asdict

from advisor.core import WAITING_FOR_ADVISOR, Advisor
from advisor.reply import Message
from advisor.session import Session, SessionStore
from knowledge.store import Store


def test_state_round_trips(shared_store):
    sessions = SessionStore(shared_store)
    session = sessions.load("u")
    session.region, session.slots, session.last_ids = "640424", {"age": 78}, ["jy-s-home-renovation"]
    sessions.save(session, "wechat")
    again = sessions.load("u")
    assert (again.region, again.slots, again.last_ids) == ("640424", {"age": 78}, ["jy-s-home-renovation"])


def test_expires_after_ttl(shared_store):
    now = [1000.0]
    sessions = SessionStore(shared_store, ttl=60, clock=lambda: now[0])
    session = sessions.load("u")
    session.region = "450100"
    sessions.save(session, "json")
    now[0] += 59
    assert sessions.load("u").region == "450100"
    now[0] += 2
    assert sessions.load("u") == Session("u")


def test_end_forgets(shared_store):
    sessions = SessionStore(shared_store)
    session = sessions.load("u")
    session.region = "450100"
    sessions.save(session, "wechat")
    sessions.end("u")
    assert sessions.load("u").region == ""


def test_follow_up_survives_restart(advisor):
    """A second Advisor (another worker process, or after a restart) continues the conversation."""
    advisor.handle(Message(user_id="restart", text="广州有几家旅居养老基地"))
    other = Advisor(Store(advisor.store.path), advisor.searcher)
    reply = other.handle(Message(user_id="restart", text="惠州呢"))
    assert any(r.region.short == "惠州" for r in reply.records)


def test_slots_remembered(advisor):
    advisor.handle(Message(user_id="slots", text="我妈78岁，瘫痪在床，家里是低保户"))
    session = advisor.sessions.load("cli:slots")
    assert session.slots["age"] == 78
    assert "失能" in session.slots["conditions"] and "低保" in session.slots["income"]


def test_self_location_is_remembered_but_a_topic_place_is_not(advisor):
    advisor.handle(Message(user_id="home", text="我住在泾源，有什么养老服务"))
    assert advisor.sessions.load("cli:home").region.startswith("6404")
    advisor.handle(Message(user_id="topic", text="广州有几家旅居养老基地"))
    assert advisor.sessions.load("cli:topic").region == ""


def test_location_message_sets_region(advisor):
    advisor.handle(Message(user_id="loc", text="", region="450100"))
    assert advisor.sessions.load("cli:loc").region == "450100"


def test_paused_conversation_hears_once_that_an_advisor_is_on_it(advisor):
    advisor.handle(Message(user_id="paused", text="你好"))
    with advisor.store.transaction():
        advisor.store.db.execute("UPDATE sessions SET paused_by = 'advisor1' WHERE user_id = 'cli:paused'")
    told = advisor.handle(Message(user_id="paused", text="南宁长者饭堂有补贴吗"))
    assert (told.reply, told.intent, told.handoff, told.records) == (WAITING_FOR_ADVISOR, "waiting", True, ())
    reply = advisor.handle(Message(user_id="paused", text="还有助浴的"))
    assert reply.reply == "" and reply.handoff and not reply.records
    with advisor.store.transaction():  # a later takeover is told again
        advisor.store.db.execute("UPDATE sessions SET paused_by = '' WHERE user_id = 'cli:paused'")
    advisor.handle(Message(user_id="paused", text="你好"))
    with advisor.store.transaction():
        advisor.store.db.execute("UPDATE sessions SET paused_by = 'advisor2' WHERE user_id = 'cli:paused'")
    assert advisor.handle(Message(user_id="paused", text="在吗")).intent == "waiting"


def test_every_turn_is_logged(advisor):
    advisor.handle(Message(user_id="logged", text="北京养老院床位补贴多少钱"))
    transcript = advisor.log.transcript("cli:logged")
    assert [m.direction for m in transcript] == ["in", "out"]
    assert transcript[1].intent == "not_found" and not transcript[1].answered


def test_the_same_user_id_on_two_channels_is_two_people(advisor):
    """A WeCom account "zhangsan" is not the JSON API caller "zhangsan": no shared place,
    follow-up or case, and the API cannot name the WeCom person's conversation either."""
    advisor.handle(Message(user_id="zhangsan", text="我住在泾源", channel="api"))
    number = advisor.handle(Message(user_id="zhangsan", text="转人工", channel="api")).case_number
    assert number and advisor.sessions.load("api:zhangsan").region.startswith("6404")
    progress = advisor.handle(Message(user_id="zhangsan", text="查进度", channel="wecom"))
    assert number not in progress.reply
    assert advisor.sessions.load("wecom:zhangsan").region == ""
    advisor.handle(Message(user_id="wecom:zhangsan", text="查进度", channel="api"))
    assert advisor.sessions.load("wecom:zhangsan").region == ""
    assert [c.number for c in advisor.cases.list(user_id="api:zhangsan")] == [number]
    assert [m.channel for m in advisor.log.transcript("wecom:zhangsan")] == ["wecom", "wecom"]


def test_the_stored_state_is_every_field_but_the_user_and_the_takeover():
    """to_json builds its dict shallowly; the text stays exactly what asdict gave (field order too)."""
    session = Session("u", region="450100", slots={"age": 80, "needs": ["助餐"]}, last_question="南宁长者饭堂",
                      last_ids=["a", "b"], list_ids=["b"], pages=["下一页"], traditional=True, paused_by="顾问甲",
                      pending={"type": "referral", "summary": "帮我登记", "phone": "", "step": "need"})
    expected = {k: v for k, v in asdict(session).items() if k not in ("user_id", "paused_by")}
    assert session.to_json() == json.dumps(expected, ensure_ascii=False)
    assert Session.from_json("u", session.to_json(), "顾问甲") == session
