"""命中测试 page: the reply a new user would get and why — intent, records with scores, the
threshold, highlighted terms — with record content escaped and nothing written."""
from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest

from index.search import THRESHOLD
from knowledge.records import Record, Source
from knowledge.regions import resolve
from tests.console.conftest import BOTH_BACKENDS, open_store, post


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The cases a hit test must not leave behind in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


def page(client, question: str, region: str = "") -> str:
    response = client.get(f"/console/hittest/?q={quote(question)}&region={quote(region)}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def counts(console_dir) -> tuple[int, int, int]:
    store = open_store(console_dir)
    try:
        return tuple(store.shared.connection().execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("messages", "sessions", "cases"))
    finally:
        store.close()


def test_empty_form(advisor):
    text = advisor.get("/console/hittest/").get_data(as_text=True)
    assert 'name="q"' in text and 'name="region"' in text and "机器人会这样回复" not in text


def test_shows_reply_intent_records_scores_threshold_and_marks(advisor):
    text = page(advisor, "南宁长者饭堂有补贴吗")
    reply = re.search(r'<pre class="reply"[^>]*>(.*?)</pre>', text, re.S).group(1)
    assert "来源" in html.unescape(reply)
    assert "consult" in text and "政策咨询" in text
    assert f"{THRESHOLD:.2f}" in text
    assert "广西壮族自治区南宁市" in text  # the region the question resolved to
    assert "nn-sub-meal-operation" in text and "回复引用" in text
    assert 'href="/console/records/nn-sub-meal-operation"' in text  # each record links to its page
    assert "<mark>长者饭堂</mark>" in text or "<mark>饭堂</mark>" in text
    assert re.search(r'class="num score" data-label="BM25 得分">\d+\.\d\d<', text)  # in 技术细节
    assert "补贴 → " in text  # synonyms used in the search


def test_typo_corrections_and_region_field(advisor):
    text = page(advisor, "适老化改造有补贴吗", region="泾源")
    assert "宁夏回族自治区固原市泾源县" in text and "测试设定用户在" in text
    assert "jy-s-home-renovation" in text
    typo = page(advisor, "南宁适老话改造有补贴吗")
    assert "错别字纠正" in typo and "适老话 → 适老化" in typo


def test_not_found_shows_candidates_below_the_threshold(advisor):
    text = page(advisor, "北京养老院床位补贴多少钱")
    assert "not_found" in text and "没有记录达到阈值" in text
    assert "低于阈值的候选" in text


def test_emergency_shows_that_no_search_ran(advisor):
    text = page(advisor, "我妈摔倒了起不来")
    assert "emergency" in text and "没有检索知识库" in text and 'data-testid="no-search"' in text
    assert "找到的记录（" not in text and "<table class=\"hits\">" not in text


def test_handoff_shows_the_case_it_would_open_but_opens_none(advisor, console_dir):
    before = counts(console_dir)
    text = page(advisor, "转人工")
    assert "RG-" in text and "没有真的建单" in text
    assert counts(console_dir) == before


def test_record_content_is_escaped_and_still_highlighted(advisor, console_dir):
    store = open_store(console_dir)
    try:
        store.put(Record("test-xss", "service", "南宁<b>助浴</b>服务站",
                         "南宁青秀区助浴服务站<script>alert(1)</script>提供上门助浴，电话见社区公告。",
                         region=resolve("南宁市青秀区"), source=Source(title="测试")), "test")
    finally:
        store.close()
    text = page(advisor, "南宁青秀区助浴服务站在哪")
    assert "test-xss" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert "<b>助浴</b>" not in text and "&lt;b&gt;" in text
    assert "<mark>助浴</mark>" in text


def test_post_works_and_nothing_is_written(advisor, console_dir):
    before = counts(console_dir)
    for question in ("南宁长者饭堂有补贴吗", "帮我登记助餐", "你好", "没用"):
        response = post(advisor, "/console/hittest/", {"q": question})
        assert response.status_code == 200
        assert '<pre class="reply"' in response.get_data(as_text=True)
    assert counts(console_dir) == before


def test_unknown_region_is_reported_not_an_error(advisor):
    text = page(advisor, "长者饭堂有补贴吗", region="火星")
    assert "没有认出地区" in text


def test_edit_shows_in_the_next_hit_test(advisor, console_dir):
    before = page(advisor, "南宁助浴服务有吗")
    assert "蓝天助浴车" not in before
    store = open_store(console_dir)
    try:
        stored = store.get("nn-svc-bathing")
        changed = Record.from_dict({**stored.record.content(), "text": stored.record.text + "新增蓝天助浴车每周上门。"})
        store.put(changed, "console:test")
    finally:
        store.close()
    assert "蓝天助浴车" in page(advisor, "南宁助浴服务有吗")


def test_recent_unanswered_questions_are_offered(advisor, client):
    client.post("/api/v1/ask", json={"user_id": "u-recent", "text": "北京养老院床位补贴多少钱"})
    text = advisor.get("/console/hittest/").get_data(as_text=True)
    assert "最近没答上的问题" in text and "北京养老院床位补贴多少钱" in text


def test_anonymous_is_sent_to_login(client):
    response = client.get("/console/hittest/?q=%E4%BD%A0%E5%A5%BD")
    assert response.status_code == 302 and "/console/login" in response.location


def test_codes_and_scores_only_inside_the_technical_fold(advisor):
    for question in ("南宁长者饭堂有补贴吗", "北京养老院床位补贴多少钱", "我爸摔倒了起不来"):
        text = page(advisor, question)
        outside = re.sub(r'<details class="tech".*?</details>', "", text, flags=re.S)
        outside = re.sub(r"<[^>]+>", " ", outside)  # attributes (ids, classes, links) are not read
        for code in ("consult", "not_found", "emergency", "得分", "BM25"):
            assert code not in outside, (question, code)
        assert "技术细节" in text
    assert re.search(r'class="num score" data-label="BM25 得分">\d+\.\d\d<', page(advisor, "南宁长者饭堂有补贴吗"))
