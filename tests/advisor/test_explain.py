"""The hit test's reasoning: explain() gives exactly the reply a new user gets from
Advisor.handle, says what the search saw, and writes nothing at all."""
from __future__ import annotations

import itertools

import pytest

from advisor.explain import explain, highlight, parse_region, window
from advisor.reply import Message
from index.search import THRESHOLD

_users = itertools.count(1)
TABLES = ("messages", "sessions", "cases", "case_events", "record_versions", "audit_log")


def counts(advisor) -> dict[str, int]:
    return {t: advisor.store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def handled(advisor, text: str, region: str = ""):
    return advisor.handle(Message(f"explain-check-{next(_users)}", text, "test", region=region))


@pytest.mark.parametrize("text, intent", [
    ("南宁长者饭堂有补贴吗", "consult"),
    ("广州有几家旅居养老基地", "refer"),
    ("广东首批旅居养老示范基地名单有哪些", "refer"),  # a long answer: only the first page is sent
    ("南宁家庭适老化改造补贴怎么申请", "apply"),
    ("帮我登记一下，想找人上门助浴", "refer"),
    ("明天天气怎么样", "out_of_scope"),
    ("北京养老院床位补贴多少钱", "not_found"),
    ("适老化改造有补贴吗", "clarify"),
    ("我妈摔倒了起不来", "emergency"),
    ("我爸被人拉去交钱说是旅居养老项目，包吃包住还返利，这是不是骗局啊", "fraud"),
    ("請問南寧長者飯堂有補貼嗎", "consult"),
    ("你好", "smalltalk"),
    ("转人工", "handoff"),
])
def test_same_reply_as_a_new_user_gets(advisor, text, intent):
    explained = explain(advisor, text)
    real = handled(advisor, text)
    assert explained.reply.intent == real.intent == intent
    assert explained.reply.reply == real.reply
    assert [r.id for r in explained.reply.records] == [r.id for r in real.records]
    assert explained.reply.handoff == real.handoff


def test_region_given_is_where_the_user_lives(advisor):
    explained = explain(advisor, "适老化改造有补贴吗", "泾源")
    real = handled(advisor, "适老化改造有补贴吗", region=parse_region("泾源").code)
    assert explained.reply.reply == real.reply and explained.reply.intent == "consult"
    assert explained.default_region.code == explained.region.code == "640424"
    assert all(not r.id.startswith("nn-") for r in explained.reply.records)


@pytest.mark.parametrize("text", ["南宁长者饭堂有补贴吗", "转人工", "帮我登记助餐", "我妈摔倒了起不来", "没用",
                                  "北京养老院床位补贴多少钱", "查进度"])
def test_writes_nothing(advisor, text):
    before = counts(advisor)
    explain(advisor, text)
    assert counts(advisor) == before
    assert not advisor.store.db.conn.in_transaction


def test_search_details(advisor):
    explained = explain(advisor, "南宁长者饭堂有补贴吗")
    assert explained.searched and explained.threshold == THRESHOLD
    assert explained.region.name == "广西壮族自治区南宁市" and explained.detected is None
    (query,) = explained.queries
    assert {"长者饭堂", "补贴"} <= {t.word for t in query.terms}
    assert any(t.synonyms for t in query.terms)
    top = query.hits[0]
    assert top.cited and top.passed and top.confidence >= THRESHOLD and top.score > 0
    assert any(span.marked for span in top.snippet)
    assert [h.score for h in query.hits] == sorted((h.score for h in query.hits), reverse=True)
    assert all(not h.passed and h.confidence < THRESHOLD for h in query.near_misses)


def test_typo_corrections_are_exposed(advisor):
    (query,) = explain(advisor, "南宁适老话改造有补贴吗").queries
    assert query.query.corrections


def test_not_found_shows_near_misses(advisor):
    explained = explain(advisor, "北京养老院床位补贴多少钱")
    assert explained.reply.intent == "not_found" and explained.searched
    assert not explained.queries[0].hits and explained.queries[0].near_misses


@pytest.mark.parametrize("text", ["我妈摔倒了起不来", "我爷爷走失了找不到", "降压药一次吃几片"])
def test_safety_replies_run_no_search(advisor, text):
    explained = explain(advisor, text)
    assert explained.safety and not explained.searched and explained.queries == []


def test_fraud_cites_warnings_without_a_search(advisor):
    explained = explain(advisor, "交钱入股养老项目说保本高息返利靠谱吗")
    assert explained.reply.intent == "fraud" and not explained.searched
    assert explained.cited  # the anti-fraud records, found by tag


def test_multi_question_gives_one_query_each(advisor):
    explained = explain(advisor, "南宁有助浴服务吗；泾源乐龄学堂是干啥的")
    assert len(explained.queries) == 2


def test_handoff_reports_the_case_it_did_not_open(advisor):
    explained = explain(advisor, "转人工")
    assert explained.opened_case and explained.reply.case_number.startswith("RG-")
    assert advisor.cases.get(explained.reply.case_number) is None


def test_highlight_merges_overlaps_and_keeps_text():
    spans = highlight("老年养护院和养护院<b>", ("养护院", "老年养护院"))
    assert "".join(s.text for s in spans) == "老年养护院和养护院<b>"
    assert [s.text for s in spans if s.marked] == ["老年养护院", "养护院"]
    assert highlight("", ("x",)) == []


def test_window_is_cut_around_the_first_match():
    text = "甲" * 200 + "助浴" + "乙" * 200
    piece = window(text, ("助浴",), 60)
    assert "助浴" in piece and piece.startswith("…") and piece.endswith("…") and len(piece) == 62


def test_parse_region():
    assert parse_region("南宁").code == "450100"
    assert parse_region("450100").code == "450100"
    assert parse_region("") is None and parse_region("火星") is None
