"""The repeated-question cache (advisor/answer_cache.py): reused only while it is right.

A cached answer must be indistinguishable from a fresh one: same reply, the session updated
for follow-ups, both lines logged; and any change to the knowledge — from this process or
another — must show in the very next answer.
"""
from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from advisor.answer_cache import AnswerCache
from advisor.core import Advisor
from advisor.reply import Message
from knowledge.conversations import MessageLog
from knowledge.store import Store
from tests.webhook.conftest import unique

QUESTION = "南宁长者饭堂有补贴吗"
RECORD = "nn-sub-meal-operation"  # the shipped record that answers QUESTION
EDITED = "南宁市长者饭堂对80岁以上老人每餐补贴3元（测试改过的说法）。"


@pytest.fixture
def data_dir(knowledge_template, tmp_path):
    path = tmp_path / "data"
    shutil.copytree(knowledge_template, path, symlinks=True)
    return path


@pytest.fixture
def advisor(data_dir):
    advisor = Advisor.open(data_dir)
    yield advisor
    advisor.store.close()


class CountingSearch:
    """Counts the searcher's own searches (what the cache saves)."""

    def __init__(self, searcher, monkeypatch):
        self.calls, original = 0, searcher.search

        def search(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(searcher, "search", search)


def ask(advisor: Advisor, text: str, user: str | None = None, channel: str = "api", region: str = ""):
    return advisor.handle(Message(user or unique(), text, channel, region))


def test_a_repeated_question_is_answered_from_the_cache_with_the_same_reply(advisor, monkeypatch):
    searches = CountingSearch(advisor.searcher, monkeypatch)
    first, second = ask(advisor, QUESTION, channel="api"), ask(advisor, QUESTION, channel="wechat")
    assert searches.calls == 1 and advisor.answers.cache.hits["search"] == 1  # channel-independent
    assert second == first and RECORD in [r.id for r in second.records]


def test_full_width_and_traditional_spellings_share_the_entry(advisor, monkeypatch):
    searches = CountingSearch(advisor.searcher, monkeypatch)
    ask(advisor, QUESTION)
    traditional = ask(advisor, "南寧長者飯堂有補貼嗎")
    assert searches.calls == 1
    assert "補貼" in traditional.reply or "補助" in traditional.reply  # still answered in traditional


def test_follow_ups_work_after_a_cached_answer(advisor):
    ask(advisor, QUESTION)
    user = unique()
    cached = ask(advisor, QUESTION, user)
    assert advisor.answers.cache.hits["search"] == 1
    apply = ask(advisor, "怎么申请", user)
    assert apply.intent == "apply" and apply.records[0].id == cached.records[0].id
    lines = MessageLog(advisor.store).transcript(f"api:{user}")
    assert [(m.direction, m.text) for m in lines[:2]] == [("in", QUESTION), ("out", cached.reply)]


def test_a_numbered_list_from_the_cache_still_answers_第二个呢(advisor):
    listing = ask(advisor, "广州有哪些示范基地")
    user = unique()
    assert ask(advisor, "广州有哪些示范基地", user) == listing and advisor.answers.cache.hits["search"] == 1
    second = ask(advisor, "第二个呢", user)
    assert second.records[0].id == listing.records[2].id  # records: the summary, then the list in order


def test_the_region_a_session_remembers_is_part_of_the_key(advisor, monkeypatch):
    searches = CountingSearch(advisor.searcher, monkeypatch)
    nowhere = ask(advisor, "长者饭堂有补贴吗")
    in_jingyuan = ask(advisor, "长者饭堂有补贴吗", region="640424")  # a location message: 泾源县
    assert searches.calls == 2
    assert ask(advisor, "长者饭堂有补贴吗") == nowhere and searches.calls == 2
    assert in_jingyuan.reply != nowhere.reply or in_jingyuan.intent != nowhere.intent


def test_an_edit_in_another_process_changes_the_next_answer(advisor, data_dir):
    before = ask(advisor, QUESTION)
    assert EDITED not in before.reply
    console = Store.in_dir(data_dir)  # another process's connection: the console editing
    stored = console.get(RECORD).record
    assert console.put(replace(stored, text=EDITED), actor="console:test") == "updated"
    console.close()
    after = ask(advisor, QUESTION)
    assert EDITED in after.reply and advisor.answers.cache.hits["search"] == 0


def test_a_retired_record_is_not_served_from_the_cache(advisor, data_dir):
    assert RECORD in [r.id for r in ask(advisor, QUESTION).records]
    console = Store.in_dir(data_dir)
    assert console.retire(RECORD, actor="console:test")
    console.close()
    assert RECORD not in [r.id for r in ask(advisor, QUESTION).records]


def test_an_edit_landing_during_a_search_is_answered_from_the_next_question_on(advisor, data_dir, monkeypatch):
    """The search does not catch up in the middle (the cache did, just before): an edit landing
    meanwhile counts as landing after it, and the next lookup sees the new generation and drops
    the entry filed under the old one."""
    original = advisor.searcher.search

    def edit_then_search(*args, **kwargs):
        monkeypatch.setattr(advisor.searcher, "search", original)  # edit once
        console = Store.in_dir(data_dir)
        console.put(replace(console.get(RECORD).record, text=EDITED), actor="console:test")
        console.close()
        return original(*args, **kwargs)

    monkeypatch.setattr(advisor.searcher, "search", edit_then_search)
    assert EDITED not in ask(advisor, QUESTION).reply
    assert EDITED in ask(advisor, QUESTION).reply
    assert advisor.answers.cache.hits["search"] == 0


def test_the_cache_is_bounded_least_recently_used_first(advisor):
    cache, searcher = AnswerCache(size=2), advisor.searcher
    for text in ("南宁长者饭堂有补贴吗", "广州有哪些示范基地", "南宁长者饭堂有补贴吗", "泾源护理型床位改造多少张"):
        cache.search(searcher, text, None, 30)
    assert len(cache) == 2 and cache.hits["search"] == 1  # the repeat was a hit, and became the newest
    cache.search(searcher, "南宁长者饭堂有补贴吗", None, 30)
    assert cache.hits["search"] == 2
    cache.search(searcher, "广州有哪些示范基地", None, 30)
    assert cache.hits["search"] == 2  # evicted


def test_understanding_is_remembered_too(advisor, monkeypatch):
    calls = []
    original = advisor.searcher.understand
    monkeypatch.setattr(advisor.searcher, "understand", lambda *a, **k: calls.append(a) or original(*a, **k))
    assert ask(advisor, "泾源").intent == ask(advisor, "泾源").intent == "smalltalk"  # "记下了：泾源县"
    assert len(calls) == 1 and advisor.answers.cache.hits["understand"] >= 1


def test_size_zero_turns_it_off(data_dir, monkeypatch):
    advisor = Advisor.open(data_dir, cache_size=0)
    searches = CountingSearch(advisor.searcher, monkeypatch)
    first, second = ask(advisor, QUESTION), ask(advisor, QUESTION)
    assert searches.calls == 2 and first == second and len(advisor.answers.cache) == 0
    advisor.store.close()


def test_callers_cannot_change_what_the_next_caller_gets(advisor):
    cache, searcher = advisor.answers.cache, advisor.searcher
    results = cache.search(searcher, QUESTION, None, 30)
    count = len(results[0].hits)
    results[0].hits.clear()
    results.append(results[0])
    again = cache.search(searcher, QUESTION, None, 30)
    assert cache.hits["search"] == 1 and len(again) == 1 and len(again[0].hits) == count


def test_the_server_uses_the_setting(app, client):
    """ADVISOR_ANSWER_CACHE reaches each worker's advisor; the JSON API and WeChat share it."""
    runtime = app.extensions["runtime"]
    question = "泾源护理型床位改造多少张"
    for _ in range(2):
        assert client.post("/api/v1/ask", json={"user_id": unique(), "text": question}).status_code == 200
    cache = runtime.submit(lambda: runtime._advisor().answers.cache).result()
    assert cache.size == app.config["ADVISOR_ANSWER_CACHE"] == 1000 and cache.hits["search"] >= 1


def test_a_new_synonym_table_or_index_generation_empties_the_cache(advisor):
    """A synonym edit swaps in a new table and a rebuild opens a new index generation: both are
    part of what the cached results were computed with."""
    import copy

    cache = advisor.answers.cache
    ask(advisor, QUESTION)
    ask(advisor, QUESTION)
    assert cache.hits["search"] == 1
    advisor.searcher.synonyms = copy.copy(advisor.searcher.synonyms)
    ask(advisor, QUESTION)
    assert cache.hits["search"] == 1 and cache.misses["search"] == 2
    advisor.searcher.seq += 1  # as a rebuild's new index would
    ask(advisor, QUESTION)
    assert cache.hits["search"] == 1 and cache.misses["search"] == 3
