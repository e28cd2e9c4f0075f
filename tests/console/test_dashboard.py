"""看板: the numbers match the traffic sent through the JSON channel; cases link to their lists;
an empty log shows zeros, not errors."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from knowledge.cases import CaseBook
from knowledge.conversations import MessageLog
from tests.console.conftest import BOTH_BACKENDS, open_store
from webhook.console.dashboard import DAYS
from webhook.console.figures import FIGURES


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The message log and the cases the dashboard counts in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


ANSWERED = ("南宁长者饭堂有补贴吗", "广州有几家旅居养老基地", "泾源县医院有安宁疗护吗")
NOT_FOUND = "北京养老院床位补贴多少钱"


def ask(client, user: str, text: str) -> dict:
    response = client.post("/api/v1/ask", json={"user_id": user, "text": text})
    assert response.status_code == 200
    return response.get_json()


def card(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">(.*?)</div>', html, re.S)
    assert match, name
    return match.group(1)


def stat(html: str, name: str) -> str:
    return re.search(r'class="stat">([^<]*)<', card(html, name)).group(1).strip()


@pytest.fixture
def store(console_dir, database_url):
    opened = open_store(console_dir)
    yield opened
    opened.close()


def test_empty_log_shows_zeros_and_no_errors(advisor):
    response = advisor.get("/console/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert stat(html, "questions") == "0" and stat(html, "answer-rate") == "—" and stat(html, "handoffs") == "0"
    assert stat(html, "cases") == "0" and "暂无数据" in html and "没有逾期" in html


def test_answer_rate_from_traffic(advisor, client):
    for n, text in enumerate(ANSWERED):
        assert ask(client, f"dash-{n}", text)["sources"]
    assert ask(client, "dash-x", NOT_FOUND)["intent"] == "not_found"
    html = advisor.get("/console/").get_data(as_text=True)
    assert stat(html, "questions") == "4"
    assert stat(html, "answer-rate") == "75%"
    assert "3/4" in card(html, "answer-rate") and "<strong>75%</strong>" in card(html, "answer-rate")
    assert "老年助餐服务机构" in html  # the title of a cited record, in the top topics
    assert "南宁" in html and "泾源" in html  # regions of the cited records
    assert "政策和补贴解答" in html and "没找到答案" in html  # what the questions got
    assert html.count("<svg") >= 6


def test_handoffs_and_cases(advisor, client, store):
    reply = ask(client, "dash-h", "转人工")
    assert reply["handoff"]
    book = CaseBook(store)
    late = book.open("referral", user_id="dash-r", channel="api", summary="帮老人申请助餐，电话13800001234",
                     need="助餐", region="广西壮族自治区南宁市", due_date=date.today() - timedelta(days=3))
    html = advisor.get("/console/").get_data(as_text=True)
    assert stat(html, "handoffs") == "1"
    assert stat(html, "cases") == "2"
    assert "/console/cases/?overdue=1" in html and "逾期 1 件" in html
    assert "/console/cases/?status=new" in html and "/console/cases/?status=in_progress" in html
    assert late.number in html and "13800001234" not in html


def test_days_outside_the_period_are_left_out(advisor, store):
    old = MessageLog(store, clock=lambda: datetime.now(timezone.utc) - timedelta(days=30))
    old.log("old-user", "api", "in", "南宁长者饭堂有补贴吗")
    old.log("old-user", "api", "out", "…", intent="consult", answered=True, sources=["nn-sub-meal-operation"])
    html = advisor.get("/console/").get_data(as_text=True)
    assert stat(html, "questions") == "0" and "14 天共 0 个" in card(html, "questions")
    assert "nn-sub-meal-operation" not in html and "南宁长者饭堂" not in html


def test_daily_chart_has_fourteen_days(advisor, client):
    ask(client, "dash-d", ANSWERED[0])
    html = advisor.get("/console/").get_data(as_text=True)
    daily = html.split('id="daily-heading"')[1].split("</svg>")[0]
    assert daily.count('data-series="0"') == 14
    assert 'data-series="0" data-value="1"' in daily


def test_dashboard_is_the_console_home(advisor):
    assert advisor.get("/console/").status_code == 200
    assert 'aria-current="page"' in advisor.get("/console/").get_data(as_text=True)


# -- every figure defined once (issue 16, point 8) ------------------------------------------
def test_only_questions_count(advisor, store):
    log = MessageLog(store)
    for text, intent, answered in (("南宁长者饭堂有补贴吗", "consult", True), ("13912345678", "refer", False),
                                   ("同意", "refer", False), ("谢谢", "thanks", False), ("你好", "greeting", False),
                                   ("青秀区", "consult", True), ("我爸摔倒了", "emergency", False),
                                   ("北京养老院床位补贴多少钱", "not_found", False)):
        log.log("api:u-q", "api", "in", text)
        log.log("api:u-q", "api", "out", "…", intent=intent, answered=answered,
                sources=["nn-sub-meal-operation"] if answered else [])
    log.log("api:u-q", "api", "in", "南宁在哪里")
    log.log("api:u-q", "api", "out", "请问您在哪个地方？", intent="clarify")
    html = advisor.get("/console/").get_data(as_text=True)
    assert stat(html, "questions") == "3" and stat(html, "answer-rate") == "67%"  # 2 of 3, not 2 of 9


def test_handoffs_are_the_tickets_on_the_card_and_in_the_chart(advisor, client, store):
    for n in range(2):
        assert ask(client, f"dash-h{n}", "转人工")["handoff"]
    log = MessageLog(store)  # a reply offering a person is no ticket: only tickets count
    log.log("api:dash-o", "api", "in", "我妈胸口疼")
    log.log("api:dash-o", "api", "out", "请立刻拨打120……回复“转人工”", intent="emergency", handoff=True)
    tickets = CaseBook(store).list(kind="handoff")
    html = advisor.get("/console/").get_data(as_text=True)
    daily = html.split('id="daily-heading"')[1].split("</svg>")[0]
    assert stat(html, "handoffs") == str(len(tickets)) == "2"
    assert f"{DAYS} 天共 2 张工单" in card(html, "handoffs") and 'data-series="2" data-value="2"' in daily


def test_places_asked_about_include_the_unanswered(advisor, client):
    ask(client, "dash-a", ANSWERED[0])
    for n in range(2):
        assert ask(client, f"dash-n{n}", NOT_FOUND)["intent"] == "not_found"
    html = advisor.get("/console/").get_data(as_text=True)
    regions = html.split('id="regions-heading"')[1].split("</section>")[0]
    assert "北京" in regions and "南宁" in regions
    assert re.search(r'data-testid="gaps">.*北京 2 个', regions, re.S)


def test_every_figure_has_its_definition_as_a_tooltip(advisor):
    html = advisor.get("/console/").get_data(as_text=True)
    for key, figure in FIGURES.items():
        if key == "unhelpful":
            continue  # shown only when something was marked 没用
        assert f'data-figure="{key}"' in html, key
        assert f'title="{figure.definition}"' in html, key
