"""Any input gets a reply, never an exception: emoji, huge, control characters, mixed scripts."""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.core import MAX_CHARS
from advisor.reply import Message

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
CONTROL = st.characters(min_codepoint=0, max_codepoint=31)
ANYTHING = st.text(st.one_of(CHINESE, EMOJI, CONTROL, st.characters(), st.sampled_from(string.printable)),
                   max_size=300)
FRAGMENTS = st.lists(st.sampled_from(["南宁", "泾源", "补贴", "养老院", "更多", "1", "2", "第二个", "那深圳呢", "转人工",
                                      "帮我登记", "同意", "13800001234", "謝謝", "😀", "\x00", " ", "？", "怎么申请"]),
                     max_size=8).map("".join)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(ANYTHING, FRAGMENTS))
def test_any_text_gets_a_reply(advisor, text):
    reply = advisor.handle(Message(user_id="fuzz", text=text, channel="test"))
    assert isinstance(reply.reply, str) and reply.intent
    assert bool(reply.to_dict()["sources"]) == bool(reply.records)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(FRAGMENTS, min_size=2, max_size=6))
def test_any_conversation_gets_replies(advisor, turns):
    for text in turns:
        assert advisor.handle(Message(user_id="fuzz-talk", text=text, channel="test")).intent


def test_ten_thousand_characters(advisor):
    reply = advisor.handle(Message(user_id="long", text="南宁长者饭堂有补贴吗" * 1000, channel="test"))
    assert reply.reply and len(reply.reply) <= 600


def test_message_is_capped(advisor):
    reply = advisor.handle(Message(user_id="cap", text="啊" * (MAX_CHARS * 3), channel="test"))
    assert reply.intent


def test_lone_surrogates_and_control_characters(advisor):
    """Found by hypothesis: a lone surrogate cannot be encoded as UTF-8 for SQLite."""
    reply = advisor.handle(Message(user_id="odd", text="\ud800南宁\x00长者饭堂\udfff有补贴吗", channel="test"))
    assert reply.intent == "consult" and reply.records
