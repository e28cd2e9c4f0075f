"""Unanswered questions: grouped by similarity, turned into knowledge or a synonym, marked handled.

The grouping is checked on its own with sets of real-ish phrasings (similar wordings land in one
group, different topics and different places in different ones), and end to end with questions
sent through POST /api/v1/ask, the way elders ask them.
"""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from index.lexicon import Lexicon
from knowledge.audit import AuditLog
from knowledge.cases import CHINA_TZ
from knowledge.conversations import MessageLog
from tests.console.conftest import ADVISOR, BOTH_BACKENDS, open_store, post
from webhook.console.unanswered_groups import Item, group


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The message log the unanswered list reads in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


_users = itertools.count(1)

STOCKS = ["明天股票会涨吗", "股票明天会涨吗", "明天的股票会不会涨", "股票明天能涨吗"]
POOLS = ["南宁有没有游泳馆", "南宁哪里有游泳池", "南宁游泳馆在哪"]
TRAINS = ["南宁火车票怎么买", "南宁怎么买火车票"]


def items(questions: list[str]) -> list[Item]:
    """Newest first, as the message log lists them."""
    return [Item(n, q, f"u{n % 3}", f"2026-03-01T08:{59 - n:02d}:00+00:00", "unanswered")
            for n, q in enumerate(questions)]


@pytest.mark.parametrize("clusters", [
    [STOCKS, ["今天天气怎么样"], ["火星上有养老院吗", "火星有没有养老院"]],
    [["南宁的长者饭堂在哪", "南宁长者饭堂在哪里", "南宁市长者饭堂地址", "南寧的長者飯堂在哪裡", "南宁哪里有长者饭堂"],
     ["老年大学怎么报名", "老年大学报名方式"], ["帮我订火车票", "火车票怎么买"]],
    [["泾源县高龄津贴怎么领", "泾源高龄津贴怎么领取"], ["南宁高龄津贴怎么领"], ["南宁养老院在哪"]],
    [["我家老人走丢了怎么办", "老人走失了怎么办"], ["我想找人聊天"], POOLS],
], ids=["off-topic", "phrasings", "places", "mixed"])
def test_similar_phrasings_share_a_group_and_topics_do_not(clusters):
    questions = [q for cluster in clusters for q in cluster]
    interleaved = questions[::2] + questions[1::2]  # topics arrive mixed up
    for order in (questions, interleaved, interleaved[::-1]):
        found = sorted(sorted(item.question for item in g.items) for g in group(items(order)))
        assert found == sorted(sorted(cluster) for cluster in clusters), order


def test_a_group_tells_count_users_last_time_and_its_most_common_phrasing():
    (g,) = group(items(["股票明天会涨吗", "明天股票会涨吗", "明天股票会涨吗"]))
    assert (g.count, g.users, g.representative) == (3, 3, "明天股票会涨吗")
    assert g.last_at == "2026-03-01T08:59:00+00:00" and g.examples() == ["股票明天会涨吗", "明天股票会涨吗"]


def test_grouping_is_bounded():
    assert sum(g.count for g in group(items([f"问题{n}号怎么办" for n in range(30)]), limit=10)) == 10


# -- the page -------------------------------------------------------------------------------
def ask(client, text: str, user_id: str | None = None) -> dict:
    user_id = user_id or f"asker-{next(_users)}"
    response = client.post("/api/v1/ask", json={"user_id": user_id, "text": text})
    assert response.status_code == 200
    return response.get_json()


def sections(html: str) -> list[str]:
    return html.split('<section class="card gap')[1:]


def section_with(html: str, question: str) -> str:
    (found,) = [s for s in sections(html) if question in s]
    return found


def ids_of(section: str) -> str:
    return re.search(r'name="ids" value="([\d,]+)"', section).group(1)


def audit(console_dir, action: str):
    store = open_store(console_dir)
    try:
        return AuditLog(store).list(action=action)
    finally:
        store.close()


@pytest.fixture
def asked(advisor):
    """Off-topic and unknown questions from several people, plus one answer marked 没用."""
    for text in STOCKS[:3] + POOLS + TRAINS:
        ask(advisor, text)
    ask(advisor, "南宁的长者饭堂在哪")  # answered: not listed
    disliked = f"asker-{next(_users)}"
    ask(advisor, "南宁养宠物有补贴吗", disliked)
    assert ask(advisor, "没用", disliked)["intent"] == "feedback"
    ask(advisor, "我电话13812345678，明天股票会不会涨")
    return advisor


def test_the_page_groups_what_the_bot_could_not_answer(asked):
    html = asked.get("/console/unanswered/").get_data(as_text=True)
    assert len(sections(html)) == 4
    stocks = section_with(html, "明天的股票会不会涨")
    assert all(q in stocks for q in STOCKS[:3]) and "4 次" in stocks and "4 位用户" in stocks
    assert "138****5678" in stocks and "13812345678" not in html
    assert all(q in section_with(html, POOLS[0]) for q in POOLS)
    pets = section_with(html, "南宁养宠物有补贴吗")
    assert "1 次“没用”" in pets
    assert "南宁的长者饭堂在哪" not in html  # answered: no gap


def test_mark_a_group_handled(asked, console_dir):
    html = asked.get("/console/unanswered/").get_data(as_text=True)
    pools = section_with(html, POOLS[0])
    response = post(asked, "/console/unanswered/handled", {"ids": ids_of(pools), "question": POOLS[0]})
    assert response.status_code == 302
    html = asked.get("/console/unanswered/").get_data(as_text=True)
    assert "已标记 3 条问题为已处理" in html and POOLS[0] not in html and len(sections(html)) == 3
    shown = asked.get("/console/unanswered/?handled=1").get_data(as_text=True)
    assert "已处理" in section_with(shown, POOLS[0])
    (entry,) = audit(console_dir, "unanswered_handled")
    assert (entry.actor, entry.target, entry.detail["count"]) == (ADVISOR[0], POOLS[0], 3)


def test_new_record_opens_the_prefilled_form_and_saving_it_marks_the_group(asked, console_dir):
    html = asked.get("/console/unanswered/").get_data(as_text=True)
    trains = section_with(html, TRAINS[0])
    examples = re.search(r'name="examples" value="([^"]*)"', trains).group(1)
    response = post(asked, "/console/unanswered/new-record",
                    {"ids": ids_of(trains), "question": TRAINS[0], "examples": examples})
    target = urlsplit(response.location)
    assert response.status_code == 302 and target.path == "/console/records/new"
    query = parse_qs(target.query)
    assert query["title"] == [TRAINS[0]] and all(q in query["asked"][0] for q in TRAINS)
    assert query["answers"] == [ids_of(trains)] and "text" not in query  # no prompt inside the answer
    form = asked.get(response.location).get_data(as_text=True)
    assert TRAINS[1] in form and f'name="answers" value="{ids_of(trains)}"' in form and "用户的问法" in form
    assert re.search(r'<textarea id="f-text"[^>]*></textarea>', form)
    # an abandoned form leaves the questions on the list
    assert TRAINS[0] in asked.get("/console/unanswered/").get_data(as_text=True)
    assert audit(console_dir, "unanswered_to_record") == []
    saved = post(asked, "/console/records/new", {"kind": "policy", "title": TRAINS[0], "text": "坐火车的老人优惠（测试）。",
                                                 "source_kind": "advisor", "author": "顾问小王",
                                                 "written_on": "2026-12-01", "answers": ids_of(trains)})
    record_id = saved.location.rsplit("/", 1)[-1]
    assert TRAINS[0] not in asked.get("/console/unanswered/").get_data(as_text=True)
    (entry,) = audit(console_dir, "unanswered_to_record")
    assert (entry.target, entry.detail["count"]) == (record_id, ids_of(trains).count(",") + 1)


def test_filters_since_and_bad_dates(asked):
    tomorrow = (datetime.now(CHINA_TZ) + timedelta(days=1)).date().isoformat()
    assert sections(asked.get(f"/console/unanswered/?since={tomorrow}").get_data(as_text=True)) == []
    today = datetime.now(CHINA_TZ).date().isoformat()
    assert len(sections(asked.get(f"/console/unanswered/?since={today}").get_data(as_text=True))) == 4
    response = asked.get("/console/unanswered/?since=昨天")
    assert response.status_code == 400 and "看不懂" in response.get_data(as_text=True)


def test_empty_and_bogus_actions_are_refused_on_the_page(asked, console_dir):
    assert post(asked, "/console/unanswered/handled", {"ids": "abc"}).status_code == 302
    assert "没有选中问题" in asked.get("/console/unanswered/").get_data(as_text=True)
    for word, to_word, message in (("", "长者饭堂", "请填写两个词"), ("饭堂", "饭堂", "两个词一样"),
                                   ("饭 堂", "长者饭堂", "不能有空格"), ("饭" * 21, "长者饭堂", "词太长了"),
                                   ("饭桌！", "长者饭堂", "没有加上同义词")):
        post(asked, "/console/unanswered/synonym", {"ids": "1", "word": word, "to_word": to_word})
        assert message in asked.get("/console/unanswered/").get_data(as_text=True)
    assert audit(console_dir, "synonym_add") == []


def test_questions_the_advisor_answered_by_hand_stay_out(advisor, console_dir):
    user = f"asker-{next(_users)}"
    ask(advisor, "南宁的长者饭堂在哪", user)
    post(advisor, f"/console/conversations/api:{user}/takeover")
    ask(advisor, "明天股票会涨吗", user)
    assert "明天股票会涨吗" not in advisor.get("/console/unanswered/").get_data(as_text=True)
    store = open_store(console_dir)
    try:
        assert all(m.user_id != f"api:{user}" for m in MessageLog(store).unanswered())
    finally:
        store.close()


def test_a_synonym_teaches_the_bot_and_marks_the_group(advisor, console_dir):
    question = "南宁有没有老人饭桌"
    assert ask(advisor, question)["sources"] == []
    ask(advisor, "南宁有没有老年饭桌")
    html = advisor.get("/console/unanswered/").get_data(as_text=True)
    tables = section_with(html, question)
    assert "南宁有没有老年饭桌" in tables and '<option value="饭桌">' in tables
    response = post(advisor, "/console/unanswered/synonym", {"ids": ids_of(tables), "word": "饭桌", "to_word": "长者饭堂"})
    assert response.status_code == 302
    html = advisor.get("/console/unanswered/").get_data(as_text=True)
    assert "已把“饭桌”加为“长者饭堂”的同义词" in html and question not in html
    assert any({"饭桌", "长者饭堂"} <= set(group) for group in Lexicon(console_dir).synonym_groups())
    (entry,) = audit(console_dir, "synonym_add")
    assert (entry.actor, entry.target, entry.detail["to"], entry.detail["count"]) == (ADVISOR[0], "饭桌", "长者饭堂", 2)
    assert ask(advisor, question)["sources"]  # the bot understands the word at once
