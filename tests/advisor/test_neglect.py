"""Neglect (不赡养) is reported like abuse but answered from the knowledge first (issue 15).

"子女不养老人会被记到信用里吗" asks what the law says; no one is hurt this minute. The reply is
the knowledge's answer with where to report it below; with nothing in the knowledge, the abuse
reply as before. Harm under way (打, 不给饭吃) always gets the abuse reply first.
"""
from __future__ import annotations

import pytest

from advisor import safety
from advisor.core import Advisor
from advisor.intents import detect
from tests.advisor.conftest import advisor_over, conversation

LAW = {"title": "某省居家养老服务条例", "file": "law.md", "date": "2021-01-01"}
TEXTS = ["子女不履行赡养老人义务的，记入个人信用记录，纳入个人诚信平台。", "赡养人不得以放弃继承权为由拒绝履行赡养义务。"]


@pytest.fixture(scope="module")
def advisor(tmp_path_factory) -> Advisor:
    bot = advisor_over(tmp_path_factory.mktemp("neglect"), "河北省", [(f"law-{n}", LAW, text) for n, text in enumerate(TEXTS)])
    yield bot
    bot.store.close()


def ask(advisor: Advisor, text: str):
    return conversation(advisor, text)[0]


def test_neglect_is_detected_as_such():
    assert (detect("在河北子女不养老人会怎样").intent, detect("在河北子女不养老人会怎样").kind) == ("abuse", "neglect")
    assert detect("儿子打我").kind is None


def test_a_question_on_neglect_is_answered_with_where_to_report_it(advisor):
    reply = ask(advisor, "在河北，子女要是不养老人，会被记到啥信用里吗？")
    assert [r.id for r in reply.records] == ["law-0"] and "个人诚信平台" in reply.reply
    assert safety.REPORT_ABUSE in reply.reply


def test_neglect_the_knowledge_does_not_cover_gets_the_abuse_reply(advisor):
    reply = ask(advisor, "没人管我，天天一个人在家")
    assert reply.intent == "abuse" and not reply.records and "110" in reply.reply


def test_harm_under_way_gets_the_abuse_reply_whatever_the_knowledge_holds(advisor):
    reply = ask(advisor, "儿子打我，不履行赡养义务")
    assert reply.intent == "abuse" and not reply.records


def test_what_the_law_does_about_abuse_is_answered_too(advisor):
    assert detect("养老院虐待老人罚多少").kind == "law" and detect("养老院虐待老人找谁").kind is None
    reply = ask(advisor, "在河北，子女虐待老人，会被纳入个人诚信平台吗？有什么处罚？")
    assert reply.records and safety.REPORT_ABUSE in reply.reply
