"""Scope from the knowledge, and examples from the knowledge: nothing about the seed places is in code."""
from __future__ import annotations

import itertools

import pytest

from advisor.answers import ASK_REGION
from advisor.core import Advisor
from advisor.examples import examples_of
from advisor.reply import Message
from knowledge.records import Record
from knowledge.regions import NATIONAL, resolve
from knowledge.store import Store

_users = itertools.count(1)


def record(ident: str, region: str, title: str, text: str) -> Record:
    return Record.from_dict({"id": ident, "kind": "policy", "title": title, "text": text, "region": region,
                             "source": {"title": "某县老年人优待办法", "file": "x.txt"}})


@pytest.fixture(scope="module")
def pubei(tmp_path_factory) -> Advisor:
    """A deployment whose knowledge is about two other places than the seeds'."""
    data_dir = tmp_path_factory.mktemp("pubei")
    store = Store.in_dir(data_dir)
    store.put(record("pb-1", "浦北县", "浦北：老年人优待证办理", "年满60周岁的本县户籍老人可以办理老年人优待证，乘坐县内公交免费。"), "test")
    store.put(record("pb-2", "浦北县", "浦北：高龄津贴", "80周岁以上老人每人每月领取高龄津贴50元。"), "test")
    store.put(record("hk-1", "海口市", "海口：高龄津贴", "80周岁以上老人每人每月领取高龄津贴100元。"), "test")
    store.close()
    bot = Advisor.open(data_dir)
    yield bot
    bot.store.close()


def ask(bot: Advisor, text: str):
    return bot.handle(Message(user_id=f"scope-{next(_users)}", text=text, channel="cli"))


def test_examples_come_from_the_knowledges_places_with_the_home_region_first():
    records = [record(f"r{n}", "海口市", "海口：x", "y") for n in range(3)] + [record("p", "浦北县", "浦北：高龄津贴", "z")]
    assert examples_of(records, NATIONAL).places == ("海口", "浦北")
    assert examples_of(records, resolve("浦北县")).places[0] == "浦北"
    assert examples_of(records, NATIONAL).topic == "高龄津贴"


def test_the_clarifying_question_names_the_knowledges_places(pubei):
    reply = ask(pubei, "高龄津贴每个月多少钱")
    assert reply.intent == "clarify"
    assert "浦北" in reply.reply and "海口" in reply.reply
    assert "南宁" not in reply.reply and "泾源" not in reply.reply and "南宁" not in ASK_REGION


def test_a_question_in_the_knowledges_words_is_a_gap_not_out_of_scope(pubei, monkeypatch):
    monkeypatch.setattr(pubei.searcher, "threshold", 1.01)  # nothing is ever good enough: only scope decides
    reply = ask(pubei, "优待证丢了补办要多久")  # 优待证 is the knowledge's word, in no fixed list
    assert reply.intent == "not_found" and "浦北" in reply.reply


@pytest.mark.parametrize("text", ["明天天气怎么样", "这只股票能不能买", "电脑蓝屏了怎么修"])
def test_clearly_elsewhere_is_out_of_scope(pubei, text, monkeypatch):
    monkeypatch.setattr(pubei.searcher, "threshold", 1.01)
    assert ask(pubei, text).intent == "out_of_scope"


def test_the_home_region_answers_a_question_that_names_no_place(tmp_path):
    data_dir = tmp_path / "home"
    store = Store.in_dir(data_dir)
    store.put(record("pb-2", "浦北县", "浦北：高龄津贴", "80周岁以上老人每人每月领取高龄津贴50元。"), "test")
    store.put(record("hk-1", "海口市", "海口：高龄津贴", "80周岁以上老人每人每月领取高龄津贴100元。"), "test")
    store.close()
    bot = Advisor.open(data_dir, home_region="浦北县")
    try:
        reply = ask(bot, "高龄津贴每个月多少钱")
        assert "50元" in reply.reply and "100元" not in reply.reply
    finally:
        bot.store.close()


def test_an_answer_from_another_place_than_the_one_asked_says_so_first(tmp_path):
    data_dir = tmp_path / "province"
    store = Store.in_dir(data_dir)
    store.put(record("gx-1", "广西", "广西：高龄津贴", "80周岁以上老人每人每月领取高龄津贴。"), "test")
    store.close()
    bot = Advisor.open(data_dir)
    try:
        reply = ask(bot, "浦北高龄津贴怎么发")
        assert reply.reply.splitlines()[0] == "没有找到浦北单独的规定，下面是广西壮族自治区的规定："
    finally:
        bot.store.close()


def test_a_follow_up_pointing_back_asks_about_the_institution_just_answered(tmp_path):
    data_dir = tmp_path / "homes"
    store = Store.in_dir(data_dir)
    for n, (name, address) in enumerate([("海口颐养院", "龙华路1号"), ("海口康乐院", "美兰路2号")]):
        store.put(Record.from_dict({"id": f"home-{n}", "kind": "service", "title": name, "region": "海口",
                                    "text": f"{name}。地址：{address}；床位：100张。", "attrs": {"address": address}}), "t")
    store.close()
    bot = Advisor.open(data_dir)
    try:
        user = f"scope-{next(_users)}"
        first = bot.handle(Message(user_id=user, text="海口颐养院有多少床位", channel="cli"))
        assert "海口颐养院" in first.reply
        reply = bot.handle(Message(user_id=user, text="它地址在哪儿？", channel="cli"))
        assert "龙华路1号" in reply.reply and "美兰路2号" not in reply.reply
    finally:
        bot.store.close()
