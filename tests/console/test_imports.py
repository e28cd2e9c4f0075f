"""导入: upload, background job with progress, the summary with skipped rows (file and line),
the size limit, bad files that cost nothing, and the audit entry."""
from __future__ import annotations

import io
import re
import threading
import time

import pytest

from tests.console.conftest import BOTH_BACKENDS, app_config, audits, login, open_store, post
from webhook.app import create_app


@pytest.fixture(params=BOTH_BACKENDS)
def console_backend(request) -> str:
    """The import history in knowledge.db, and in PostgreSQL (Store.shared)."""
    return request.param


CSV = ("名称,市,区,地址,电话,床位\n"
       "青秀区长者饭堂,南宁,青秀区,民族大道1号,0771-5555555,\n"
       ",南宁,,没有名称的一行,,\n"
       "江南区颐养院,南宁,江南区,星光大道2号,0771-6666666,一百\n"
       "良庆区助浴点,南宁,良庆区,五象大道3号,0771-7777777,\n")


def upload(client, name, data, **fields):
    return post(client, "/console/import/", {"file": (io.BytesIO(data), name), **fields},
                content_type="multipart/form-data")


def wait(client, job_url, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(job_url + ".json").get_json()
        if state["finished"]:
            _join_job_thread(state["id"])
            return state
        time.sleep(0.05)
    raise AssertionError(f"import {job_url} did not finish")


def _join_job_thread(job_id: str) -> None:
    """The job's thread runs its after-import hook once the job shows finished: waited for, so
    the hook does not run after the test into the next one (or into a dropped PostgreSQL schema)."""
    for thread in threading.enumerate():
        if thread.name == f"import-{job_id}":
            thread.join(10)


def count(console_dir):
    store = open_store(console_dir)
    try:
        return store.count()
    finally:
        store.close()


def test_csv_import_reports_each_skipped_row_with_file_and_line(admin, console_dir):
    before = count(console_dir)
    response = upload(admin, "南宁机构.csv", CSV.encode())
    assert response.status_code == 303
    state = wait(admin, response.location)
    assert state["state"] == "done" and state["done"] == state["total"] == 2
    html = admin.get(response.location).get_data(as_text=True)
    assert "导入结果" in html and "跳过的内容（2 处）" in html
    skipped = re.findall(r"<tr><td>南宁机构.csv</td><td>(\d+)</td><td>([^<]*)", html)
    assert skipped == [("3", "没有名称（名称/name 列是空的）"), ("4", "床位「一百」不是整数")]
    assert count(console_dir) == before + 2
    entry = audits(console_dir, "import")[0]
    assert entry.actor == "管理员" and entry.target == "南宁机构.csv"
    assert entry.detail == {"records": 2, "inserted": 2, "updated": 0, "unchanged": 0, "retired": 0, "skipped": 2}
    recent = admin.get("/console/import/").get_data(as_text=True)
    assert "<td>管理员</td>" in recent and "南宁机构.csv 第 4 行：床位「一百」不是整数" in recent


def test_imported_records_are_listed_and_answered(admin):
    wait(admin, upload(admin, "南宁机构.csv", CSV.encode()).location)
    listed = admin.get("/console/records/?source=南宁机构.csv").get_data(as_text=True)
    assert "青秀区长者饭堂" in listed and "良庆区助浴点" in listed
    reply = admin.post("/api/v1/ask", json={"user_id": "import-test", "text": "良庆区助浴点在哪里"}).get_json()
    assert "良庆区助浴点" in reply["reply"] and "《南宁机构.csv》" in reply["reply"]


def test_kind_and_region_apply_to_the_file(admin, console_dir):
    job = upload(admin, "bases.csv", "名称,地址\n康养示范基地,青秀山路\n".encode(), kind="base", region="南宁")
    wait(admin, job.location)
    store = open_store(console_dir)
    try:
        record = next(s.record for s in store.list(kind="base") if s.record.title == "康养示范基地")
    finally:
        store.close()
    assert record.region.name == "广西壮族自治区南宁市"


def test_a_file_in_a_wrong_encoding_is_reported_and_costs_nothing(admin, console_dir):
    before = count(console_dir)
    job = upload(admin, "坏文件.csv", b"\xff\xfe\xfa" + "名称\n养老院\n".encode("utf-8")[:-3] + b"\x80\x81")
    state = wait(admin, job.location)
    html = admin.get(job.location).get_data(as_text=True)
    assert state["state"] == "done" and "没有导入任何记录" in html
    assert re.search(r"<td>坏文件.csv</td><td>\d+</td><td>文件", html)
    assert count(console_dir) == before


def test_a_broken_pdf_is_named_in_the_summary(admin, console_dir):
    before = count(console_dir)
    job = upload(admin, "通知.pdf", b"%PDF-1.4\nthis is not really a pdf")
    wait(admin, job.location)
    html = admin.get(job.location).get_data(as_text=True)
    assert "<td>通知.pdf</td><td>—</td><td>PDF 文件损坏或无法读取" in html
    assert count(console_dir) == before


def test_unsupported_type_and_missing_file_are_refused_on_the_form(admin):
    response = upload(admin, "setup.exe", b"MZ")
    assert response.status_code == 400 and "不支持这种文件" in response.get_data(as_text=True)
    response = post(admin, "/console/import/", {}, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要导入的文件" in response.get_data(as_text=True)
    response = upload(admin, "a.csv", b"x", region="火星")
    assert response.status_code == 400 and "不认识的地区「火星」" in response.get_data(as_text=True)


@pytest.fixture
def small_limit_app(console_dir):
    app = create_app(app_config(console_dir, ADVISOR_IMPORT_MAX_BYTES=100_000))
    yield app
    app.extensions["runtime"].close()


def test_an_oversize_upload_is_refused_with_a_clear_message(small_limit_app, console_dir):
    client = login(small_limit_app.test_client())
    before = count(console_dir)
    response = upload(client, "huge.csv", b"x" * 300_000)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "文件太大" in html and "ADVISOR_IMPORT_MAX_BYTES" in html and "开始导入" in html
    assert count(console_dir) == before


def test_uploads_may_exceed_the_webhook_body_limit(admin, app):
    rows = "".join(f"长者饭堂{i},南宁,青秀区,民族大道{i}号\n" for i in range(1600))
    data = ("名称,市,区,地址\n" + rows).encode()
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    state = wait(admin, upload(admin, "big.csv", data).location, timeout=120)
    assert state["state"] == "done" and state["total"] == 1600


def test_the_webhook_limit_still_holds_elsewhere(admin):
    response = admin.post("/api/v1/ask", data=b"x" * 100_000, content_type="application/json")
    assert response.status_code == 413


def test_unknown_job_is_404(admin):
    assert admin.get("/console/import/0123456789abcdef").status_code == 404
    assert admin.get("/console/import/0123456789abcdef.json").status_code == 404
    assert admin.get("/console/import/..%2Fsecret_key").status_code == 404


def test_the_directory_template_downloads_and_an_xlsx_upload_imports(admin):
    page = admin.get("/console/import/")
    assert "/console/import/template.xlsx" in page.get_data(as_text=True)
    template = admin.get("/console/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(template.data))
    book.active.append(["良庆区长者饭堂", "助餐点", "", "南宁", "良庆区", "", "五象大道3号", "0771-7777777"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(admin, "饭堂.xlsx", buffer.getvalue())
    state = wait(admin, response.location)
    assert (state["state"], state["done"], state["total"]) == ("done", 1, 1)
    assert "良庆区长者饭堂" in admin.get("/console/records/?q=良庆区长者饭堂").get_data(as_text=True)


def test_the_summary_lists_each_document_with_what_to_check(admin):
    text = "<p>市民政局调整高龄津贴标准，调整如下：</p><p>1、100周岁以上每人每月800元。</p>"
    response = upload(admin, "津贴.html", text.encode())
    wait(admin, response.location)
    page = admin.get(response.location).get_data(as_text=True)
    assert 'id="import-documents"' in page and "津贴.html" in page and "地区未识别" in page
