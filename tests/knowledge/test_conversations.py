"""The message log: transcripts, the conversation list, unanswered questions — on both backends
of the shared database (shared_store)."""
from datetime import date, datetime, timedelta

import pytest

from knowledge.conversations import Conversation, MessageLog


class Clock:
    def __init__(self, iso: str):
        self.now = datetime.fromisoformat(iso)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)  # every message a second after the previous one
        return self.now


@pytest.fixture
def clock():
    return Clock("2026-11-20T02:00:00+00:00")


@pytest.fixture
def log(shared_store, clock):
    return MessageLog(shared_store, clock=clock)


def exchange(log, user, question, reply, answered=True, intent="consult", **out):
    """One question and the bot's reply; returns both ids."""
    q = log.log(user, "wechat", "in", question, intent=intent)
    sources = ["nn-1"] if answered else []
    a = log.log(user, "wechat", "out", reply, intent=intent, confidence=0.8 if answered else 0.1,
                answered=answered, sources=sources, **out)
    return q, a


def test_log_round_trip(log):
    message_id = log.log("u1", "wechat", "out", "南宁80岁以上老人每月有高龄津贴。", intent="consult",
                         confidence=0.82, answered=True, sources=[{"id": "nn-1", "title": "方案"}, "nn-2"])
    message = log.get(message_id)
    assert (message.direction, message.intent, message.confidence) == ("out", "consult", 0.82)
    assert (message.answered, message.handoff, message.handled, message.feedback) == (True, False, False, "")
    assert message.sources == ("nn-1", "nn-2")
    assert message.at == "2026-11-20T02:00:01+00:00"


def test_texts_are_stored_as_given(log):
    message_id = log.log("u1", "wechat", "in", "我电话13812345678")
    assert log.get(message_id).text == "我电话13812345678"


def test_bad_direction_and_feedback_are_refused(log):
    with pytest.raises(ValueError):
        log.log("u1", "wechat", "sideways", "你好")
    _, answer = exchange(log, "u1", "助餐补贴多少", "每餐补3元")
    with pytest.raises(ValueError):
        log.set_feedback(answer, "great")
    with pytest.raises(KeyError):
        log.set_feedback(answer + 100, "helpful")


def test_last_answer_is_the_last_reply_from_the_knowledge_base(log):
    assert log.last_answer("u1") is None
    _, first = exchange(log, "u1", "南宁高龄津贴多少", "每月50元起")
    exchange(log, "u1", "你好", "您好！", answered=False, intent="smalltalk")
    exchange(log, "u2", "泾源助餐", "有长寿食堂")
    assert log.last_answer("u1").id == first


def test_transcript_is_in_reading_order_and_limited(log):
    exchange(log, "u1", "问题一", "回答一")
    exchange(log, "u1", "问题二", "回答二")
    exchange(log, "u2", "别人的问题", "别人的回答")
    assert [m.text for m in log.transcript("u1")] == ["问题一", "回答一", "问题二", "回答二"]
    assert [m.text for m in log.transcript("u1", limit=3)] == ["回答一", "问题二", "回答二"]


def test_conversations_newest_first_with_who_took_over(log, shared_store):
    exchange(log, "u1", "问题一", "回答一")
    exchange(log, "u2", "问题二", "回答二")
    log.log("u1", "wechat", "in", "还在吗")
    shared_store.shared.connection().execute(
        "INSERT INTO sessions (user_id, channel, state, updated_at, paused_by, paused_at) "
        "VALUES ('u1', 'wechat', '{}', 0, '王顾问', '2026-11-20T02:10:00+00:00')")
    rows = log.conversations()
    assert rows[0] == Conversation("u1", "wechat", "还在吗", "2026-11-20T02:00:05+00:00", 3, "王顾问")
    assert rows[1] == Conversation("u2", "wechat", "回答二", "2026-11-20T02:00:04+00:00", 2, "")
    assert len(log.conversations(limit=1)) == 1


def test_unanswered_pairs_each_question_with_the_next_reply(log):
    exchange(log, "u1", "南宁助餐补贴", "每餐补3元")
    missed, _ = exchange(log, "u1", "火星上有养老院吗", "这个问题我还答不上来", answered=False,
                         intent="out_of_scope")
    exchange(log, "u1", "你好", "您好！", answered=False, intent="smalltalk")
    exchange(log, "u1", "没用", "抱歉没帮上忙", answered=False, intent="feedback")
    exchange(log, "u2", "我要找人", "正在为您转人工", answered=False, intent="handoff",
             handoff=True)
    unknown, _ = exchange(log, "u2", "能帮我看看这个吗", "没找到相关内容", answered=False,
                          intent="not_found")
    log.log("u3", "wechat", "in", "还没有回复的问题")
    assert [m.id for m in log.unanswered()] == [unknown, missed]


def test_interleaved_users_are_paired_correctly(log):
    q1 = log.log("u1", "wechat", "in", "泾源长寿食堂在哪")
    q2 = log.log("u2", "wechat", "in", "深圳有什么补贴")
    log.log("u2", "wechat", "out", "深圳……", answered=True, sources=["sz-1"])
    log.log("u1", "wechat", "out", "没找到", answered=False)
    assert [m.id for m in log.unanswered()] == [q1]
    assert q2 not in [m.id for m in log.unanswered()]


def test_unhelpful_answers_are_listed_with_their_question(log):
    question, answer = exchange(log, "u1", "助浴怎么收费", "每次30元")
    _, liked = exchange(log, "u1", "在哪里预约", "打社区电话")
    log.set_feedback(answer, "unhelpful")
    log.set_feedback(liked, "helpful")
    listed = log.unanswered()
    assert [(m.id, m.direction, m.feedback) for m in listed] == [(answer, "out", "unhelpful")]
    assert log.question_of(answer).id == question


def test_mark_handled_hides_unless_asked(log):
    missed, _ = exchange(log, "u1", "火星养老", "答不上来", answered=False)
    _, disliked = exchange(log, "u1", "助浴", "每次30元")
    log.set_feedback(disliked, "unhelpful")
    assert log.mark_handled([missed, disliked]) == 2
    assert log.mark_handled([]) == 0
    assert log.unanswered() == []
    assert {m.id for m in log.unanswered(include_handled=True)} == {missed, disliked}


def test_unanswered_since(log, clock):
    old, _ = exchange(log, "u1", "旧问题", "答不上来", answered=False)
    clock.now += timedelta(days=3)
    new, _ = exchange(log, "u1", "新问题", "答不上来", answered=False)
    assert [m.id for m in log.unanswered()] == [new, old]
    assert [m.id for m in log.unanswered(since="2026-11-21T00:00:00+00:00")] == [new]
    assert [m.id for m in log.unanswered(since=datetime.fromisoformat("2026-11-22T00:00:00+08:00"))] == [new]
    assert [m.id for m in log.unanswered(since=date(2026, 11, 20))] == [new, old]
