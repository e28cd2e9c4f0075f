"""Scripted multi-turn conversations over the shipped knowledge.

Each script is a list of turns: what the person types, and what the reply must (not) show —
intent, words in the reply, records among the sources (or no sources), handoff. Conversations
run as fresh users; expectations name record ids of the shipped knowledge, never reply texts
written into the code.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Turn:
    text: str
    intent: str | tuple[str, ...] | None = None
    says: tuple[str, ...] = ()  # all of these appear in the reply
    avoids: tuple[str, ...] = ()  # none of these appear
    cites: tuple[str, ...] = ()  # at least one of these record ids is among the sources
    cites_prefix_not: tuple[str, ...] = ()  # no source id starts with these (wrong region)
    sources: bool | None = None  # True: some, False: none
    handoff: bool | None = None
    first_line: str = ""  # the first line contains this


T = Turn
CONVERSATIONS = {
    # consult, citations, follow-ups
    "subsidy_then_apply": [T("南宁长者饭堂有补贴吗", "consult", says=("来源",), cites=("nn-sub-meal-operation", "nn-m02-meal")),
                           T("怎么申请", "apply", sources=True)],
    "region_follow_up": [T("广州有几家旅居养老基地", "refer", says=("广州", "1.")),
                         T("惠州呢", "refer", says=("惠州",), cites=("gd-base-09-fuliyuan", "gd-bases-2021-huizhou"))],
    "second_item": [T("广州有几家旅居养老基地", "refer", says=("3.",)), T("第二个呢", "refer", cites=("gd-base-02-tianyue",))],
    "choice_two_is_handoff": [T("南宁助浴服务有吗", sources=True), T("2", "handoff", handoff=True, says=("RG-",))],
    "choice_one_is_apply": [T("泾源护理员有啥补贴", sources=True), T("1", "apply", sources=True)],
    "more_after_answer": [T("泾源县医院有安宁疗护吗", sources=True), T("还有吗", sources=True)],
    "clarify_region": [T("适老化改造有补贴吗", "clarify", sources=False),
                       T("泾源", cites=("jy-s-home-renovation", "jy-t11-institution-construction", "jy-a1-major-projects",
                                         "jy-t15-age-friendly-housing"), cites_prefix_not=("nn-",))],
    "remembered_region": [T("我在泾源，护理型床位改造多少张", cites_prefix_not=("nn-", "dy-", "gd-"), sources=True),
                          T("困难老人适老化改造有补贴吗", cites_prefix_not=("nn-", "dy-"), sources=True)],
    "nanning_never_gets_jingyuan": [T("南宁护理型床位占比要达到多少", cites_prefix_not=("jy-", "dy-"), sources=True)],
    "jingyuan_never_gets_nanning": [T("泾源助餐有补贴吗", cites_prefix_not=("nn-", "dy-"))],
    "expired_is_not_current": [T("泾源县老年养护院啥时候运营", says=("已过期",), cites=("jy-i-county-nursing-home",))],
    "multi_question": [T("南宁有助浴服务吗；泾源乐龄学堂是干啥的", cites=("nn-svc-bathing", "jy-i-leling-classroom"),
                         says=("南宁", "泾源"))],
    "traditional_reply": [T("請問南寧長者飯堂有補貼嗎", says=("來源",), sources=True)],
    "apply_in_one_message": [T("南宁家庭适老化改造补贴怎么申请", "apply", sources=True)],
    "list_grouped_by_place": [T("广东有哪些旅居养老示范基地", "refer", says=("广州：", "深圳：", "惠州：", "11."))],
    "list_paged": [T("广东首批旅居养老示范基地名单有哪些", "refer", says=("1.",)), T("更多")],
    "dongying_association": [T("东营养老服务协会是干什么的", sources=True, cites_prefix_not=("nn-", "jy-"))],
    "voice_style": [T("俺想问问南宁那个一刻钟养老服务圈啥时候能建成", sources=True, cites=("nn-svc-15min-circle", "nn-m03-home-community"))],
    "typo": [T("南宁适老话改造有补贴吗", sources=True, cites_prefix_not=("jy-",))],
    # safety first
    "fall": [T("我妈摔倒了起不来", "emergency", first_line="120", sources=False)],
    "chest_pain": [T("我爸胸口疼喘不上气", "emergency", first_line="120", sources=False)],
    "missing": [T("我爷爷走失了找不到", "emergency", first_line="110", sources=False)],
    "emergency_inside_question": [T("我妈摔倒了起不来 养老院能上门吗", "emergency", first_line="120")],
    "scam_rebate": [T("我爸被人拉去交钱说是旅居养老项目，包吃包住还返利，这是不是骗局啊", "fraud",
                      says=("110", "12345"), cites=("gd-coop-3-anti-fraud",))],
    "scam_phone": [T("那个我妈老是接到电话说去海南旅居养老先交五万块钱这个靠谱吗政府管不管", "fraud", says=("110",))],
    "medicine_dose": [T("降压药一次吃几片", "medical", sources=False, says=("医生",))],
    "abuse": [T("隔壁老人被儿子打，不给饭吃", "abuse", says=("110",), sources=False)],
    # handoff, referral
    "handoff": [T("转人工", "handoff", handoff=True, says=("RG-",), sources=False)],
    "handoff_traditional": [T("轉人工", "handoff", handoff=True)],
    "referral_full": [T("帮我登记一下，想找人上门助浴", "refer"), T("南宁市青秀区", "refer", says=("电话",)),
                      T("13800001234", "refer", says=("138****1234",), avoids=("13800001234",)),
                      T("同意", "refer", handoff=True, says=("ZJ-", "138****1234"), avoids=("13800001234",))],
    "referral_no_phone": [T("想让顾问联系我，帮我找个护工", "refer"), T("泾源县", "refer"), T("不留", "refer", says=("ZJ-",))],
    "referral_refuses_consent": [T("帮我登记助餐", "refer"), T("南宁", "refer"), T("13912345678", "refer"),
                                 T("不同意", "refer", says=("ZJ-",), avoids=("1391", "****5678"))],
    "referral_cancel": [T("帮我登记", "refer"), T("算了", "refer", says=("取消",))],
    "progress": [T("转人工"), T("查进度", "refer", says=("RG-",))],
    # feedback, smalltalk, out of scope
    "unhelpful_then_human": [T("南宁老年大学在哪", sources=True), T("没用", "feedback"), T("1", "handoff", handoff=True)],
    "thanks": [T("南宁助浴服务有吗"), T("谢谢", "feedback", sources=False)],
    "greeting": [T("你好", "smalltalk", says=("转人工",), sources=False)],
    "greeting_with_question": [T("你好，请问南宁长者饭堂有补贴吗", "consult", sources=True)],
    "identity": [T("你是谁", "smalltalk", sources=False)],
    "capabilities": [T("你能做什么", "smalltalk", says=("1.", "2."), sources=False)],
    "weather": [T("明天天气怎么样", "out_of_scope", sources=False)],
    "stocks": [T("茅台股票能买吗", "out_of_scope", sources=False)],
    "not_covered_city": [T("北京养老院床位补贴多少钱", "not_found", sources=False, says=("转人工",)),
                         T("1", "handoff", handoff=True)],
    "empty": [T("", "smalltalk", sources=False)],
    "emoji_only": [T("👍👍", sources=False)],
}


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_conversation(name, talk):
    for number, turn in enumerate(CONVERSATIONS[name], 1):
        reply = talk(turn.text)
        where = f"{name} turn {number} ({turn.text!r}) → {reply.intent}: {reply.reply!r}"
        _check(turn, reply, where)


def _check(turn: Turn, reply, where: str) -> None:
    ids = [r.id for r in reply.records]
    if turn.intent:
        assert reply.intent in ((turn.intent,) if isinstance(turn.intent, str) else turn.intent), where
    for word in turn.says:
        assert word in reply.reply, f"{word!r} missing: {where}"
    for word in turn.avoids:
        assert word not in reply.reply, f"{word!r} present: {where}"
    if turn.cites:
        assert set(turn.cites) & set(ids), f"none of {turn.cites} in {ids}: {where}"
    assert not [i for i in ids if i.startswith(turn.cites_prefix_not)] if turn.cites_prefix_not else True, where
    if turn.sources is not None:
        assert bool(ids) == turn.sources, f"sources {ids}: {where}"
    if turn.handoff is not None:
        assert reply.handoff == turn.handoff, where
    if turn.first_line:
        assert turn.first_line in reply.reply.splitlines()[0], where


def test_at_least_forty_conversations():
    assert len(CONVERSATIONS) >= 40


@pytest.mark.parametrize("text", ["我妈摔倒了起不来", "我爷爷走失了找不到", "降压药一次吃几片",
                                  "交钱入股养老项目说保本高息返利靠谱吗", "隔壁老人被儿子打"])
def test_safety_never_searches(text, talk, spy):
    talk(text)
    assert spy.calls == 0


def test_sources_empty_exactly_without_knowledge(talk):
    for text in ("你好", "明天天气怎么样", "南宁长者饭堂有补贴吗"):
        reply = talk(text)
        assert bool(reply.to_dict()["sources"]) == (reply.intent in ("consult", "refer", "apply")), text
