"""A question on what the rules say about a scam is answered from the knowledge, the warning below.

"打着老年大学的名义搞非法集资归谁查" asks who investigates; nobody is handing money over this
minute. With nothing in the knowledge, the scam warning as before; a scam under way (让我先交钱)
always gets the warning first.
"""
from __future__ import annotations

import pytest

from advisor import safety
from advisor.core import Advisor
from advisor.intents import detect
from tests.advisor.conftest import advisor_over, conversation

RULES = {"title": "某省老年教育条例", "file": "rules.md", "date": "2023-01-01"}
TEXTS = ["以老年教育名义进行非法集资的，由公安机关、金融监督管理机构依法查处。",
         "老年大学不得以养生、保健、投资等名义开展营利性讲座或者推销商品。"]


@pytest.fixture(scope="module")
def advisor(tmp_path_factory) -> Advisor:
    bot = advisor_over(tmp_path_factory.mktemp("fraud"), "山东省", [(f"rule-{n}", RULES, text) for n, text in enumerate(TEXTS)])
    yield bot
    bot.store.close()


def test_a_question_on_the_rules_is_told_apart_from_a_scam_under_way():
    assert detect("打着老年大学的名义搞非法集资归谁查").kind == "law"
    assert detect("有人让我交钱投资养老项目，说保本高息").kind is None


def test_a_question_on_the_rules_about_a_scam_is_answered_with_the_warning_below(advisor):
    (reply,) = conversation(advisor, "山东那边打着老年大学的名义搞非法集资的，归谁查啊？")
    assert [r.id for r in reply.records] == ["rule-0"] and "公安机关、金融监督管理机构" in reply.reply
    assert reply.reply.endswith(safety.FRAUD_NOTE)


def test_a_scam_under_way_gets_the_warning_first(advisor):
    (reply,) = conversation(advisor, "山东有人让我先交钱投资养老项目，说保本高息，能信吗？")
    assert reply.intent == "fraud" and reply.reply.startswith("这很可能是骗局")


def test_rules_the_knowledge_lacks_get_the_warning(advisor):
    (reply,) = conversation(advisor, "山东有人卖保健品说能治百病，搞传销，这个合法吗？")
    assert reply.intent == "fraud" and not reply.records
