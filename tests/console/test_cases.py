"""转介·代办 in the console: the list and its filters, a case's page and every change on it,
cases made by hand, reveals, and the notice an elder gets when the status moves."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from knowledge.audit import AuditLog
from knowledge.cases import CHINA_TZ, CaseBook, next_statuses
from knowledge.conversations import MessageLog
from tests.console.conftest import ADVISOR, BOTH_BACKENDS, open_store, post
from tests.webhook.fake_wechat import APP_ID, APP_SECRET, FakeWeChat


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """Cases and their events in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


PHONE = "13912345678"


@pytest.fixture
def data(console_dir, database_url):
    """The app's own database, for arranging cases and reading what the console wrote."""
    store = open_store(console_dir)
    yield store
    store.close()


def open_case(store, kind="referral", **changes):
    fields = {"user_id": "", "channel": "", "summary": "女儿来电，母亲行动不便，想找人上门助浴",
              "need": "助浴", "region": "广西壮族自治区南宁市青秀区", "region_code": "450103"} | changes
    return CaseBook(store).open(kind, **fields)


def past_due(store, number, days=3):
    """set_due refuses nothing, so a case can be made overdue as if days had passed."""
    day = datetime.now(timezone.utc).astimezone(CHINA_TZ).date() - timedelta(days=days)
    CaseBook(store).set_due(number, day, "test")


def text(response) -> str:
    return response.get_data(as_text=True)


def audits(store, action):
    return [entry for entry in AuditLog(store).list(action=action)]


def numbers_in(html: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', html)


# -- the list -------------------------------------------------------------------------------
def test_list_shows_counts_masks_phones_and_links_each_case(advisor, data):
    case = open_case(data, contact_phone=PHONE, consent=True)
    open_case(data, "errand", need="代办高龄津贴")
    page = text(advisor.get("/console/cases/"))
    assert case.number in page and f"/console/cases/{case.number}" in page
    assert PHONE not in page and "139****5678" in page
    assert '<span class="stat" data-status="new">2</span>' in page
    assert '<span class="stat" data-status="done">0</span>' in page


def test_list_filters_by_status_kind_assignee_and_search(advisor, data):
    book = CaseBook(data)
    bath = open_case(data)
    errand = open_case(data, "errand", need="代办高龄津贴", region="广东省广州市天河区", region_code="440106")
    mine = open_case(data, need="助餐")
    book.assign(mine.number, ADVISOR[0], "test")
    book.transition(bath.number, "contacted", "test")

    def listed(query):
        return numbers_in(text(advisor.get(f"/console/cases/?{query}")))

    assert listed("status=contacted") == [bath.number]
    assert set(listed("status=open")) == {bath.number, errand.number, mine.number}
    assert listed("kind=errand") == [errand.number]
    assert listed("assignee=me") == [mine.number]
    assert listed(f"assignee={ADVISOR[0]}") == [mine.number]
    assert set(listed("assignee=none")) == {bath.number, errand.number}
    assert listed("q=天河") == [errand.number]
    assert listed("q=高龄") == [errand.number]
    assert listed(f"q={bath.number.lower()}") == [bath.number]
    refused = advisor.get("/console/cases/?status=bogus&kind=bogus")
    assert refused.status_code == 400 and "查询条件有误" in refused.get_data(as_text=True)


def test_overdue_cases_are_highlighted_and_listed_first(advisor, data):
    late = open_case(data, need="助浴")
    newer = open_case(data, need="助餐")
    finished = open_case(data, need="陪诊")
    past_due(data, late.number)
    past_due(data, finished.number)
    book = CaseBook(data)
    for status in ("contacted", "in_progress", "done"):
        book.transition(finished.number, status, "test")  # done late is not overdue
    page = text(advisor.get("/console/cases/"))
    assert numbers_in(page) == [late.number, newer.number, finished.number]
    assert f'<tr class="overdue" data-number="{late.number}">' in page
    assert f'<tr class="overdue" data-number="{finished.number}">' not in page
    assert '<span class="stat" data-status="overdue">1</span>' in page
    assert numbers_in(text(advisor.get("/console/cases/?overdue=1"))) == [late.number]


def test_counts_and_next_statuses_helpers(data):
    book = CaseBook(data)
    first = open_case(data)
    open_case(data)
    book.transition(first.number, "closed", "test")
    assert book.counts() == {"new": 1, "contacted": 0, "in_progress": 0, "done": 0, "closed": 1}
    assert next_statuses("new") == ("contacted", "closed")
    assert next_statuses("in_progress") == ("done", "closed")
    assert next_statuses("done") == next_statuses("closed") == ()


# -- one case -------------------------------------------------------------------------------
def test_case_page_shows_fields_buttons_and_trail(advisor, data):
    case = open_case(data, contact_phone=PHONE, consent=True, summary=f"电话 {PHONE}，母亲想助浴")
    page = text(advisor.get(f"/console/cases/{case.number}"))
    assert "广西壮族自治区南宁市青秀区" in page and "助浴" in page and case.due_date in page
    assert PHONE not in page and "139****5678" in page
    assert 'value="contacted"' in page and 'value="closed"' in page and 'value="in_progress"' not in page
    assert "机器人" in page and "登记" in page  # the opening event
    assert advisor.get("/console/cases/ZJ-19990101-0001").status_code == 404


def test_every_allowed_transition_with_notes_and_the_trail(advisor, data):
    case = open_case(data)
    for status, note in (("contacted", "已电话联系女儿"), ("in_progress", "约好周三上门"), ("done", "已助浴一次")):
        response = post(advisor, f"/console/cases/{case.number}/status", {"status": status, "note": note},
                        follow_redirects=True)
        assert response.status_code == 200 and "状态已改为" in text(response)
    page = text(advisor.get(f"/console/cases/{case.number}"))
    assert all(note in page for note in ("已电话联系女儿", "约好周三上门", "已助浴一次"))
    assert "重新打开" in page and 'name="status"' not in page
    events = CaseBook(data).events(case.number)
    assert [e.status for e in events] == ["new", "contacted", "in_progress", "done"]
    assert {e.actor for e in events[1:]} == {f"console:{ADVISOR[0]}"}
    assert [e.detail["status"] for e in audits(data, "case_status")] == ["done", "in_progress", "contacted"]


def test_a_case_can_be_closed_from_an_open_state(advisor, data):
    case = open_case(data)
    post(advisor, f"/console/cases/{case.number}/status", {"status": "contacted"})
    response = post(advisor, f"/console/cases/{case.number}/status",
                    {"status": "closed", "note": "家属说不需要了", "confirmed": "1"})
    assert response.status_code == 302
    assert CaseBook(data).get(case.number).status == "closed"


def test_closing_asks_first(advisor, data):
    case = open_case(data, user_id="api:u-1", channel="api")
    response = post(advisor, f"/console/cases/{case.number}/status", {"status": "closed", "note": "家属说不需要了"})
    page = text(response)
    assert response.status_code == 200 and "确定关闭案件" in page and "已结束跟进" in page  # the elder's notice
    assert 'name="confirmed" value="1"' in page and 'name="note" value="家属说不需要了"' in page
    assert CaseBook(data).get(case.number).status == "new" and not audits(data, "case_status")


def test_a_closed_case_can_be_reopened_and_it_is_audited(advisor, data):
    case = open_case(data)
    post(advisor, f"/console/cases/{case.number}/status", {"status": "closed", "confirmed": "1"})
    response = post(advisor, f"/console/cases/{case.number}/reopen", {"note": "老人来电说还没办好"},
                    follow_redirects=True)
    assert "已重新打开" in text(response)
    book = CaseBook(data)
    assert book.get(case.number).status == "in_progress"
    events = book.events(case.number)
    assert (events[-1].action, events[-1].note) == ("reopen", "老人来电说还没办好")
    (entry,) = audits(data, "case_reopen")
    assert (entry.target, entry.detail["previous"], entry.detail["status"]) == (case.number, "closed", "in_progress")
    again = post(advisor, f"/console/cases/{case.number}/reopen", follow_redirects=True)
    assert "不需要重新打开" in text(again) and len(audits(data, "case_reopen")) == 1


def test_need_and_summary_can_be_corrected_and_the_trail_keeps_the_old_words(advisor, data):
    case = open_case(data, need="南宁市青秀区", summary="帮我登记家庭养老床位")
    page = text(advisor.get(f"/console/cases/{case.number}"))
    assert 'name="need" value="南宁市青秀区"' in page
    response = post(advisor, f"/console/cases/{case.number}/describe",
                    {"need": "申请家庭养老床位", "summary": "帮我登记家庭养老床位"}, follow_redirects=True)
    assert "已保存" in text(response)
    saved = CaseBook(data).get(case.number)
    assert (saved.need, saved.summary) == ("申请家庭养老床位", "帮我登记家庭养老床位")
    assert CaseBook(data).events(case.number)[-1].note == "需求原为：南宁市青秀区"
    (entry,) = audits(data, "case_edit")
    assert entry.detail == {"need": True, "summary": False}
    empty = post(advisor, f"/console/cases/{case.number}/describe", {"need": "", "summary": "x"}, follow_redirects=True)
    assert "需求不能为空" in text(empty) and CaseBook(data).get(case.number).summary == "帮我登记家庭养老床位"


def test_a_summary_with_a_phone_is_edited_only_after_a_reveal(advisor, data):
    case = open_case(data, summary=f"女儿电话 {PHONE}")
    page = text(advisor.get(f"/console/cases/{case.number}"))
    assert 'name="summary"' not in page and PHONE not in page and "显示号码后修改" in page
    revealed = text(post(advisor, f"/console/cases/{case.number}/reveal"))
    assert f">女儿电话 {PHONE}</textarea>" in revealed


def test_a_refused_transition_is_an_error_message_not_a_500(advisor, data):
    case = open_case(data)
    skip = post(advisor, f"/console/cases/{case.number}/status", {"status": "done"}, follow_redirects=True)
    assert skip.status_code == 200 and "不能直接改为「已完成」" in text(skip)
    book = CaseBook(data)
    for status in ("contacted", "in_progress", "done"):
        book.transition(case.number, status, "test")
    back = post(advisor, f"/console/cases/{case.number}/status", {"status": "contacted"}, follow_redirects=True)
    assert back.status_code == 200 and "状态不能再改" in text(back)
    bogus = post(advisor, f"/console/cases/{case.number}/status", {"status": "lost"}, follow_redirects=True)
    assert bogus.status_code == 200 and "没有这个状态" in text(bogus)
    assert book.get(case.number).status == "done" and not audits(data, "case_status")
    assert post(advisor, "/console/cases/ZJ-19990101-0001/status", {"status": "contacted"}).status_code == 404


def test_assign_to_an_account_to_me_and_back(advisor, data):
    case = open_case(data)
    url = f"/console/cases/{case.number}/assign"
    assert "已分配给 管理员" in text(post(advisor, url, {"assignee": "管理员"}, follow_redirects=True))
    assert CaseBook(data).get(case.number).assignee == "管理员"
    post(advisor, url, {"assignee": ADVISOR[0]})
    assert CaseBook(data).get(case.number).assignee == ADVISOR[0]
    refused = post(advisor, url, {"assignee": "陌生人"}, follow_redirects=True)
    assert "没有可用的账号" in text(refused) and CaseBook(data).get(case.number).assignee == ADVISOR[0]
    post(advisor, url, {"assignee": ""})
    assert CaseBook(data).get(case.number).assignee == ""
    assert [e.detail["assignee"] for e in audits(data, "case_assign")] == ["", ADVISOR[0], "管理员"]
    assert [e.action for e in CaseBook(data).events(case.number)][1:] == ["assign"] * 3


def test_notes_are_kept_and_empty_ones_refused(advisor, data):
    case = open_case(data)
    url = f"/console/cases/{case.number}/note"
    assert "备注是空的" in text(post(advisor, url, {"note": "  "}, follow_redirects=True))
    page = text(post(advisor, url, {"note": "社区卫生站周三有空"}, follow_redirects=True))
    assert "备注已保存" in page and "社区卫生站周三有空" in page
    assert len(audits(data, "case_note")) == 1


def test_due_date_is_validated(advisor, data):
    case = open_case(data)
    url = f"/console/cases/{case.number}/due"
    today = CaseBook(data).today()
    for value, message in (("", "请选择到期日"), ("明天", "不是有效日期"), ("2026-02-30", "不是有效日期"),
                           ((today - timedelta(days=1)).isoformat(), "不能早于今天"),
                           ((today + timedelta(days=400)).isoformat(), "一年之内")):
        assert message in text(post(advisor, url, {"due_date": value}, follow_redirects=True)), value
    assert CaseBook(data).get(case.number).due_date == case.due_date
    later = (today + timedelta(days=10)).isoformat()
    assert f"到期日已改为 {later}" in text(post(advisor, url, {"due_date": later}, follow_redirects=True))
    assert CaseBook(data).get(case.number).due_date == later
    assert audits(data, "case_due")[0].detail == {"due_date": later}


def test_reveal_shows_the_phone_once_and_is_audited(advisor, data):
    case = open_case(data, contact_phone=PHONE, consent=True)
    response = post(advisor, f"/console/cases/{case.number}/reveal")
    assert response.status_code == 200 and PHONE in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    (entry,) = audits(data, "case_reveal")
    assert entry.actor == ADVISOR[0] and entry.target == case.number and PHONE not in str(entry.detail)
    assert PHONE not in text(advisor.get(f"/console/cases/{case.number}"))


# -- made by hand ---------------------------------------------------------------------------
def new_case(**changes):
    return {"kind": "errand", "need": "代办高龄津贴申请", "region": "南宁市青秀区", "summary": "老人腿脚不便",
            "contact_phone": "", "assignee": "", "due_date": "", "user_id": "", "channel": ""} | changes


def test_create_by_hand_with_consent(advisor, data):
    response = post(advisor, "/console/cases/new",
                    new_case(contact_phone="139 1234 5678", consent="1", assignee=ADVISOR[0]))
    assert response.status_code == 302
    number = response.location.rsplit("/", 1)[1]
    case = CaseBook(data).get(number)
    assert number.startswith("DB-") and case.contact_phone == PHONE and case.consent
    assert case.region == "广西壮族自治区南宁市青秀区" and case.region_code == "450103"
    assert case.assignee == ADVISOR[0] and case.user_id == "" and case.due_date
    assert CaseBook(data).events(number)[0].actor == f"console:{ADVISOR[0]}"
    (entry,) = audits(data, "case_create")
    assert entry.target == number and entry.detail["phone"] is True and PHONE not in str(entry.detail)
    assert "已登记" in text(advisor.get(response.location))


def test_a_phone_without_consent_is_refused_on_the_form(advisor, data):
    response = post(advisor, "/console/cases/new", new_case(contact_phone=PHONE))
    page = text(response)
    assert response.status_code == 400 and "请勾选“已征得同意”" in page
    assert 'value="代办高龄津贴申请"' in page  # the form keeps what was typed
    assert CaseBook(data).list() == [] and not audits(data, "case_create")
    without_phone = post(advisor, "/console/cases/new", new_case(kind="referral"))
    assert without_phone.status_code == 302 and CaseBook(data).list()[0].number.startswith("ZJ-")


@pytest.mark.parametrize("changes, field, message", [
    ({"region": "火星基地"}, "region", "没认出"),
    ({"region": ""}, "region", "请填写老人所在地区"),
    ({"need": ""}, "need", "请写明"),
    ({"kind": "nonsense"}, "kind", "请选择类型"),
    ({"contact_phone": "12345", "consent": "1"}, "contact_phone", "电话号码不对"),
    ({"due_date": "2020-01-01"}, "due_date", "不能早于今天"),
    ({"assignee": "陌生人"}, "assignee", "没有这个账号"),
    ({"user_id": "oElder1"}, "channel", "请选择他所在的渠道"),
    ({"channel": "wechat"}, "user_id", "请填写聊天用户 ID"),
])
def test_create_form_errors(advisor, data, changes, field, message):
    response = post(advisor, "/console/cases/new", new_case(**changes))
    page = text(response)
    assert response.status_code == 400 and f'id="error-{field}"' in page and message in page
    assert CaseBook(data).list() == []


@pytest.mark.parametrize("typed", ["oElder7", "wechat:oElder7"])
def test_a_case_made_by_hand_for_a_chat_user_joins_their_conversation(advisor, data, typed):
    """Typed bare or copied from the conversations page, the id names the WeChat conversation,
    so the elder's "查进度" finds the case."""
    response = post(advisor, "/console/cases/new", new_case(user_id=typed, channel="wechat"))
    case = CaseBook(data).get(response.location.rsplit("/", 1)[1])
    assert (case.user_id, case.channel) == ("wechat:oElder7", "wechat")


def test_new_form_renders(advisor):
    page = text(advisor.get("/console/cases/new"))
    assert 'name="consent"' in page and 'value="handoff"' in page and f'<option value="{ADVISOR[0]}" selected>' in page


# -- telling the elder ----------------------------------------------------------------------
@pytest.fixture
def wechat_api(app, monkeypatch):
    """A local fake of WeChat's servers, and the app's send API pointed at it."""
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    fake = FakeWeChat().start()
    for key, value in (("WECHAT_APP_ID", APP_ID), ("WECHAT_APP_SECRET", APP_SECRET), ("WECHAT_API_BASE", fake.url)):
        monkeypatch.setitem(app.config, key, value)
    yield fake
    fake.stop()


def test_a_status_change_is_pushed_to_a_wechat_user(advisor, data, wechat_api):
    case = open_case(data, user_id="oElder-123", channel="wechat")
    response = post(advisor, f"/console/cases/{case.number}/status",
                    {"status": "contacted", "note": "内部备注：家属脾气急"}, follow_redirects=True)
    assert "通知老人：已发送" in text(response)
    (body,) = wechat_api.delivered()
    notice = body["text"]["content"]
    assert body["touser"] == "oElder-123" and case.number in notice and "已联系" in notice
    assert "查进度" in notice and "脾气" not in notice and len(notice) < 80
    assert MessageLog(data).transcript("oElder-123")[-1].text == notice
    assert audits(data, "case_status")[0].detail["notified"] is True


def test_a_failed_push_is_said_in_the_flash(advisor, data, wechat_api):
    wechat_api.fail_sends(3, 45015, "response out of time limit")
    case = open_case(data, user_id="oElder-9", channel="wechat")
    response = post(advisor, f"/console/cases/{case.number}/status", {"status": "closed", "confirmed": "1"}, follow_redirects=True)
    assert "只发出了 0/1 段" in text(response) and CaseBook(data).get(case.number).status == "closed"


def test_cases_without_a_pushable_channel_say_so(advisor, data):
    api_user = open_case(data, user_id="web-1", channel="api")
    page = text(post(advisor, f"/console/cases/{api_user.number}/status", {"status": "contacted"}, follow_redirects=True))
    assert "不能主动推送" in page
    assert "查进度" in MessageLog(data).transcript("web-1")[-1].text
    by_hand = open_case(data)
    page = text(post(advisor, f"/console/cases/{by_hand.number}/status", {"status": "contacted"}, follow_redirects=True))
    assert "请电话告知" in page


# -- from the bot ---------------------------------------------------------------------------
def test_a_case_registered_through_the_bot_appears_in_the_list(app, advisor, data):
    api = app.test_client()
    replies = [api.post("/api/v1/ask", json={"user_id": "elder-42", "text": message}).get_json()
               for message in ("帮我登记，想找人上门助浴", "南宁市青秀区", PHONE, "同意")]
    number = replies[-1]["reply"].split("编号 ")[1][:16]
    assert number.startswith("ZJ-"), replies
    page = text(advisor.get("/console/cases/"))
    assert number in page and "助浴" in page and "139****5678" in page and PHONE not in page
    case_page = text(advisor.get(f"/console/cases/{number}"))
    assert "网页用户 ···r-42" in case_page and "机器人" in case_page


def test_a_handoff_ticket_reads_as_its_conversation_does(advisor, data):
    """等待顾问 → X 处理中 → 已解决 on the cases list too (issue 16, point 5)."""
    reply = advisor.post("/api/v1/ask", json={"user_id": "u-ticket", "text": "转人工"}).get_json()
    number = reply["reply"].split("编号 ")[1][:16]
    state = lambda: re.search(rf'data-number="{number}".*?data-testid="case-state">([^<]+)<',
                              text(advisor.get("/console/cases/")), re.S).group(1)
    assert state() == "等待顾问"
    post(advisor, "/console/conversations/api:u-ticket/takeover")
    assert state() == f"{ADVISOR[0]} 处理中"
    post(advisor, "/console/conversations/api:u-ticket/resume")
    assert state() == "已解决"
