"""知识库 pages: browse and filter, view with source and history, create and edit with
validation, retire and restore — every change audited, and an edit reaching the bot at once.
The tests that write records run with them in knowledge.db and in PostgreSQL (`on_both`)."""
from __future__ import annotations

import re

import pytest

from advisor.reply import Message
from tests.console.conftest import BOTH_BACKENDS, audits, open_store, post

RECORD = "dy-association"  # 东营市老年产业协会成立 (curated, policy, 东营)
QUESTION = "东营老年产业协会什么时候成立的"
on_both = pytest.mark.parametrize("console_backend", BOTH_BACKENDS)  # the app's records: knowledge.db, PostgreSQL


def stored(console_dir, record_id):
    store = open_store(console_dir)
    try:
        return store.get(record_id), store.history(record_id)
    finally:
        store.close()


def form_of(record_id, client):
    """The edit form's fields, as the browser would submit them unchanged."""
    return form_fields(client.get(f"/console/records/{record_id}/edit").get_data(as_text=True))


def form_fields(html: str) -> dict[str, str]:
    """A record edit page's form fields (what form_of reads, from any client's page)."""
    fields = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', html))
    fields |= {name: value for name, value in re.findall(r'<textarea id="f-(\w+)"[^>]*>([^<]*)</textarea>', html)}
    fields["kind"] = re.search(r'<option value="(\w+)" selected>', html).group(1)
    fields["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}


def ask(client, text, user="records-test"):
    response = client.post("/api/v1/ask", json={"user_id": user, "text": text})
    assert response.status_code == 200
    return response.get_json()


def rows(html):
    return re.findall(r'<div class="id">([^<]+)</div>', html)


# -- browsing ----------------------------------------------------------------------------
def test_list_pages_fifty_records_at_a_time(advisor):
    first = advisor.get("/console/records/").get_data(as_text=True)
    assert len(rows(first)) == 50 and "下一页" in first
    second = advisor.get("/console/records/?page=2").get_data(as_text=True)
    assert rows(second) and not set(rows(second)) & set(rows(first))
    assert advisor.get("/console/records/?page=999").status_code == 200


@pytest.mark.parametrize("query, expect, exclude", [
    ("kind=subsidy", "jy-s-nursing-bed-renovation", "jy-overview"),
    ("region=南宁", "nn-sub-elevator", "jy-overview"),
    ("region=泾源", "jy-overview", "nn-sub-elevator"),
    ("q=老年产业协会", "dy-association", "nn-sub-elevator"),
    ("source=泾政办发〔2023〕28号", "jy-overview", "dy-association"),
    ("validity=expired", "jy-s-nursing-bed-renovation", "dy-association"),
])
def test_filters(advisor, query, expect, exclude):
    found = rows(advisor.get(f"/console/records/?{query}").get_data(as_text=True))
    assert expect in found and exclude not in found


def test_unknown_region_filter_is_explained_not_an_error(advisor):
    html = advisor.get("/console/records/?region=火星").get_data(as_text=True)
    assert "不认识的地区「火星」" in html and len(rows(html)) == 50


@on_both
def test_record_page_shows_citation_validity_and_history(advisor):
    html = advisor.get("/console/records/jy-s-nursing-bed-renovation").get_data(as_text=True)
    assert "泾政办发〔2023〕28号" in html and "泾源县人民政府办公室" in html and "2023-04-04" in html
    assert "已过期" in html and "3,180,000 元" in html and "382 张" in html
    assert "修改历史" in html and "首次录入" in html and "init" in html


def test_unknown_record_is_404(admin):
    assert admin.get("/console/records/no-such-record").status_code == 404
    assert admin.get("/console/records/no-such-record/edit").status_code == 404
    assert post(admin, "/console/records/no-such-record/retire").status_code == 404


# -- creating ----------------------------------------------------------------------------
def test_new_record_validation_keeps_what_was_typed(advisor, console_dir):
    response = post(advisor, "/console/records/new", {
        "kind": "service", "title": "", "text": "每天中午供餐，老人每餐8元。", "region": "火星",
        "valid_from": "2025-03-01", "valid_to": "2025-01-01", "amount_yuan": "8元", "beds": "-3",
        "attrs": "没有冒号的一行", "id": "Bad ID"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("标题不能为空", "不认识的地区「火星」", "失效日期不能早于生效日期", "金额（元）只能填数字",
                    "床位数只能填不小于 0 的整数", "第 1 行应写成", "编号只能用小写字母"):
        assert message in html, message
    assert "每天中午供餐，老人每餐8元。" in html and 'value="火星"' in html and 'value="8元"' in html
    assert not audits(console_dir, "record_create")


@on_both
def test_new_record_is_saved_with_generated_id_resolved_region_and_audit(advisor, console_dir):
    response = post(advisor, "/console/records/new", {
        "kind": "service", "title": "天河区长者饭堂（测试）", "text": "天河区长者饭堂每天中午供餐，60岁以上老人每餐8元。",
        "region": "天河", "tags": "长者饭堂，助餐 天河", "amount": "每餐8元", "amount_yuan": "8", "beds": "",
        "attrs": "hours: 11:00-13:00\nphone: 020-12345678", "units_responsible": "区民政局、各街道（镇）办事处",
        "valid_from": "2025-01-01", "source_kind": "document", "source_title": "天河区助餐服务目录"})
    assert response.status_code == 302
    record_id = response.location.rsplit("/", 1)[-1]
    assert re.fullmatch(r"service-\d{8}-\d+", record_id)
    saved, history = stored(console_dir, record_id)
    record = saved.record
    assert record.region.name == "广东省广州市天河区" and record.tags == ("长者饭堂", "助餐", "天河")
    assert record.attrs == {"hours": "11:00-13:00", "phone": "020-12345678", "amount": "每餐8元", "amount_yuan": 8}
    assert record.units == {"responsible": ["区民政局", "各街道（镇）办事处"]}
    assert [v.action for v in history] == ["insert"] and history[0].actor == "console:顾问小王"
    entry = audits(console_dir, "record_create")[0]
    assert entry.target == record_id and entry.actor == "顾问小王"


def test_new_record_form_can_be_prefilled_by_other_pages(advisor):
    html = advisor.get("/console/records/new?title=助浴点在哪&kind=service").get_data(as_text=True)
    assert 'value="助浴点在哪"' in html


def test_a_typed_id_that_exists_is_refused(advisor):
    response = post(advisor, "/console/records/new", {"id": RECORD, "kind": "policy", "title": "x", "text": "y"})
    assert response.status_code == 400 and "已被使用" in response.get_data(as_text=True)


# -- sources, placeholders, preview (issue 16, trap 1) -------------------------------------
NEW = {"kind": "service", "title": "青秀区助浴点（测试）", "text": "青秀区助浴点为行动不便的老人上门助浴，每次30元。",
       "region": "青秀区"}
OLD_PROMPT = "（请在这里写答案：政策依据、办理地点、电话、条件等）\n\n用户的问法：\n- 哪里能帮老人洗澡"


def test_the_answer_prompt_cannot_be_saved_as_the_answer(advisor, console_dir):
    response = post(advisor, "/console/records/new", NEW | {"text": OLD_PROMPT, "source_title": "青秀区助浴目录"})
    assert response.status_code == 400 and "正文里还有提示文字" in response.get_data(as_text=True)
    response = post(advisor, "/console/records/new", NEW | {"text": "上门助浴。（请在这里写答案）", "source_title": "目录"})
    assert response.status_code == 400
    assert not audits(console_dir, "record_create")


def test_a_record_without_a_source_is_refused(advisor, console_dir):
    response = post(advisor, "/console/records/new", NEW | {"source_kind": "document"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请写明来源文件的标题或文号" in html
    response = post(advisor, "/console/records/new", NEW | {"source_kind": "advisor", "author": "", "written_on": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请写上编写人的姓名" in html and "请写上编写日期" in html
    assert not audits(console_dir, "record_create")


def test_an_advisor_written_record_cites_its_author_and_date(advisor, console_dir):
    form = advisor.get("/console/records/new").get_data(as_text=True)
    assert 'name="author" type="text" value="顾问小王"' in form  # signed by whoever writes it
    response = post(advisor, "/console/records/new",
                    NEW | {"source_kind": "advisor", "author": "顾问小王", "written_on": "2026-12-01"})
    assert response.status_code == 302
    record_id = response.location.rsplit("/", 1)[-1]
    source = stored(console_dir, record_id)[0].record.source
    assert source.citation() == "社区养老顾问编写（顾问小王，2026-12-01）"
    html = advisor.get(f"/console/records/{record_id}").get_data(as_text=True)
    assert "来源：社区养老顾问编写（顾问小王，2026-12-01）" in html and "编写人" in html
    reply = ask(advisor, "青秀区哪里有助浴点")
    assert record_id in [s["id"] for s in reply["sources"]]
    assert "来源：社区养老顾问编写（顾问小王，2026-12-01）" in reply["reply"]
    edit = advisor.get(f"/console/records/{record_id}/edit").get_data(as_text=True)
    assert re.search(r'value="advisor"\s+checked', edit)


def test_a_record_without_a_source_says_so_on_its_page(advisor, console_dir):
    store = open_store(console_dir)
    try:
        record = store.get(RECORD).record
        from dataclasses import replace
        from knowledge.records import Source
        store.put(replace(record, source=Source()), actor="test")
    finally:
        store.close()
    html = advisor.get(f"/console/records/{RECORD}").get_data(as_text=True)
    assert "这条记录没有出处" in html and "未注明出处" not in html
    fields = form_of(RECORD, advisor)
    response = post(advisor, f"/console/records/{RECORD}/edit", fields | {"title": "改个标题"})
    assert response.status_code == 400 and "请写明来源文件的标题或文号" in response.get_data(as_text=True)


def test_preview_shows_the_elders_reply_and_saves_nothing(advisor, console_dir):
    response = post(advisor, "/console/records/new", NEW | {"source_title": "青秀区助浴服务目录", "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = re.search(r'data-testid="reply-preview">([^<]*)</pre>', html).group(1)
    assert preview.startswith("【青秀】青秀区助浴点为行动不便的老人上门助浴") and "来源：《青秀区助浴服务目录》" in preview
    assert 'value="青秀区助浴点（测试）"' in html  # the form stays filled in for 保存
    assert not audits(console_dir, "record_create")
    fields = form_of(RECORD, advisor)
    html = post(advisor, f"/console/records/{RECORD}/edit", fields | {"text": "预览里的新正文。", "preview": "1"}
                ).get_data(as_text=True)
    assert "预览里的新正文。" in re.search(r'data-testid="reply-preview">([^<]*)</pre>', html).group(1)
    assert stored(console_dir, RECORD)[0].version == 1


# -- editing -----------------------------------------------------------------------------
@on_both
def test_edit_saves_a_version_with_a_field_diff_and_audit(advisor, console_dir):
    fields = form_of(RECORD, advisor)
    fields["text"] = fields["text"].replace("正式成立", "正式成立，会址在东营区府前大街88号")
    fields["valid_to"] = "2030-12-31"
    response = post(advisor, f"/console/records/{RECORD}/edit", fields)
    assert response.status_code == 302
    saved, history = stored(console_dir, RECORD)
    assert "府前大街88号" in saved.record.text and saved.version == 2
    assert [v.action for v in history] == ["insert", "update"]
    html = advisor.get(f"/console/records/{RECORD}").get_data(as_text=True)
    assert "<ins>，会址在东营区府前大街88号</ins>" in html and "失效日期" in html and "2030-12-31" in html
    entry = audits(console_dir, "record_update")[0]
    assert entry.target == RECORD and entry.detail["fields"] == "正文、失效日期"


def test_saving_an_unchanged_form_changes_nothing(advisor, console_dir):
    response = post(advisor, f"/console/records/{RECORD}/edit", form_of(RECORD, advisor))
    assert response.status_code == 302
    assert stored(console_dir, RECORD)[0].version == 1 and not audits(console_dir, "record_update")


def test_edit_validation_errors_are_shown_on_the_form(advisor, console_dir):
    fields = form_of(RECORD, advisor) | {"text": "", "valid_from": "2024-13-40"}
    response = post(advisor, f"/console/records/{RECORD}/edit", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "正文不能为空" in html and "「2024-13-40」不是有效日期" in html
    assert stored(console_dir, RECORD)[0].version == 1


@on_both
def test_a_stale_edit_is_refused_not_overwritten(advisor, console_dir):
    stale = form_of(RECORD, advisor)
    post(advisor, f"/console/records/{RECORD}/edit", stale | {"title": "第一次修改"})
    response = post(advisor, f"/console/records/{RECORD}/edit", stale | {"title": "第二次修改"})
    assert response.status_code == 409 and "编辑冲突" in response.get_data(as_text=True)
    assert stored(console_dir, RECORD)[0].record.title == "第一次修改"


def as_submitted(html: str) -> dict:
    """What the conflict form posts as shown: its hidden fields and each preselected choice."""
    unescape = lambda v: v.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    fields = {n: unescape(v) for n, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)}
    fields |= {n: unescape(v) for n, v in re.findall(r'<input type="radio" name="(\w+)" value="([^"]*)" checked>', html)}
    return fields


def choices(html: str) -> dict:
    """field → (colleague's value, mine) as the conflict table shows them."""
    rows = re.findall(r'<tr data-field="(\w+)">(.*?)</tr>', html, re.S)
    return {name: tuple(re.findall(r'<span class="value">(.*?)</span>', row, re.S)) for name, row in rows}


def test_a_conflict_shows_both_versions_field_by_field_and_saves_the_choice(advisor, console_dir):
    tab_a, tab_b = form_of(RECORD, advisor), form_of(RECORD, advisor)
    assert post(advisor, f"/console/records/{RECORD}/edit",
                tab_a | {"title": "标题A", "valid_to": "2030-12-31"}).status_code == 302
    response = post(advisor, f"/console/records/{RECORD}/edit", tab_b | {"title": "标题B", "tags": "协会、东营"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "保存了第 2 版" in html
    shown = choices(html)
    assert shown["title"] == ("标题A", "标题B") and shown["valid_to"] == ("2030-12-31", "（空）")
    assert shown["tags"][1] == "协会、东营" and set(shown) == {"title", "valid_to", "tags"}
    merged = as_submitted(html)
    # preselected: my title and tags, the colleague's end date (I did not touch it)
    assert (merged["title"], merged["valid_to"], merged["tags"], merged["version"]) == ("标题B", "2030-12-31",
                                                                                          "协会、东营", "2")
    assert stored(console_dir, RECORD)[0].version == 2
    assert post(advisor, f"/console/records/{RECORD}/edit", merged | {"title": "标题A"}).status_code == 302
    record = stored(console_dir, RECORD)[0].record
    assert (record.title, record.valid_to, record.tags) == ("标题A", "2030-12-31", ("协会", "东营"))


@on_both
def test_an_old_version_can_be_restored_and_it_is_audited(admin, console_dir):
    original = stored(console_dir, RECORD)[0].record
    fields = form_of(RECORD, admin)
    assert post(admin, f"/console/records/{RECORD}/edit", fields | {"title": "改错的标题", "tags": "改错"}).status_code == 302
    html = admin.get(f"/console/records/{RECORD}").get_data(as_text=True)
    assert f'href="/console/records/{RECORD}/versions/1"' in html
    page = admin.get(f"/console/records/{RECORD}/versions/1").get_data(as_text=True)
    assert "改错的标题" in page and original.title in page and "恢复这一版" in page
    assert post(admin, f"/console/records/{RECORD}/versions/1/restore").status_code == 302
    saved, history = stored(console_dir, RECORD)
    assert saved.version == 3 and saved.record.content_hash == original.content_hash
    assert [v.action for v in history] == ["insert", "update", "update"]
    (entry,) = audits(console_dir, "record_revert")
    assert (entry.target, entry.detail["restored"], entry.detail["version"]) == (RECORD, 1, 3)
    assert admin.get(f"/console/records/{RECORD}/versions/9").status_code == 404


@on_both
def test_an_edit_reaches_the_bot_at_once(app, advisor):
    before = ask(advisor, QUESTION)
    assert RECORD in [s["id"] for s in before["sources"]] and "府前大街88号" not in before["reply"]
    fields = form_of(RECORD, advisor)
    fields["text"] = fields["text"].replace("正式成立", "正式成立，会址在东营区府前大街88号")
    assert post(advisor, f"/console/records/{RECORD}/edit", fields).status_code == 302
    assert "府前大街88号" in ask(advisor, QUESTION, user="records-test-2")["reply"]
    # and through the advisor thread itself, the way the hit test asks
    runtime = app.extensions["runtime"]
    reply = runtime.submit(lambda: runtime._advisor().handle(Message("records-test-3", QUESTION))).result()
    assert "府前大街88号" in reply.reply


# -- retiring ----------------------------------------------------------------------------
@on_both
def test_retire_and_restore(admin, console_dir):
    assert post(admin, f"/console/records/{RECORD}/retire").status_code == 302
    saved, history = stored(console_dir, RECORD)
    assert saved.status == "retired" and history[-1].action == "retire"
    assert RECORD not in rows(admin.get("/console/records/?q=老年产业协会").get_data(as_text=True))
    assert RECORD in rows(admin.get("/console/records/?q=老年产业协会&validity=retired").get_data(as_text=True))
    assert RECORD not in [s["id"] for s in ask(admin, QUESTION)["sources"]]
    html = admin.get(f"/console/records/{RECORD}").get_data(as_text=True)
    assert "已停用" in html and "恢复" in html

    assert post(admin, f"/console/records/{RECORD}/restore").status_code == 302
    saved, history = stored(console_dir, RECORD)
    assert saved.status == "active" and [v.action for v in history] == ["insert", "retire", "restore"]
    assert RECORD in [s["id"] for s in ask(admin, QUESTION, user="records-test-4")["sources"]]
    assert [e.action for e in audits(console_dir, None) if e.target == RECORD] == ["record_restore", "record_retire"]


def test_retiring_twice_is_harmless(admin, console_dir):
    post(admin, f"/console/records/{RECORD}/retire")
    response = post(admin, f"/console/records/{RECORD}/retire")
    assert response.status_code == 302 and len(audits(console_dir, "record_retire")) == 1


def test_facts_are_labelled_fields_and_chinese_names_are_keys(advisor, console_dir):
    html = advisor.get("/console/records/jy-s-nursing-bed-renovation/edit").get_data(as_text=True)
    assert re.search(r'<label for="f-attr_office"[^>]*>办理部门', html) and "office:" not in html
    response = post(advisor, "/console/records/new", NEW | {
        "source_title": "青秀区助浴服务目录", "attr_how_to_apply": "拨打社区电话预约", "attr_who": "失能老人",
        "attrs": "合作单位: 福瑞养老评估中心\n每月探访率: 90%"})
    assert response.status_code == 302
    record = stored(console_dir, response.location.rsplit("/", 1)[-1])[0].record
    assert record.attrs == {"how_to_apply": "拨打社区电话预约", "who": "失能老人", "partner": "福瑞养老评估中心",
                            "monthly_visit_rate": "90%"}
    page = advisor.get(response.location).get_data(as_text=True)
    assert "<dt>办理方式</dt>" in page and "<dt>合作单位</dt>" in page and "partner" not in page
