"""文件: an imported document's metadata, corrected once for all of its records (versioned, audited)."""
from __future__ import annotations

import re

from knowledge.importing import import_paths
from knowledge.store import Store
from tests.console.conftest import audits, post

NEWS = ("<p>2023年3月1日市民政局印发《关于调整全市高龄老人生活津贴发放标准的通知》，标准调整如下：</p>"
        "<p>1、100周岁以上老人每人每月800元；</p><p>2、90—99周岁老人每人每月300元。</p>")


def imported(console_dir, tmp_path):
    path = tmp_path / "津贴新闻.html"
    path.write_text(NEWS, encoding="utf-8")
    store = Store.in_dir(console_dir)
    try:
        import_paths(store, [path], actor="test")
        return [s.record for s in store.list() if s.record.source.file == path.name]
    finally:
        store.close()


def document_url(client) -> str:
    page = client.get("/console/documents/").get_data(as_text=True)
    return re.search(r'href="(/console/documents/[0-9a-f]{12})">关于调整全市高龄老人生活津贴发放标准的通知', page).group(1)


def test_a_document_without_a_region_is_listed_with_a_warning(advisor, console_dir, tmp_path):
    records = imported(console_dir, tmp_path)
    assert records and all(not r.region.code for r in records)
    page = advisor.get("/console/documents/").get_data(as_text=True)
    assert "关于调整全市高龄老人生活津贴发放标准的通知" in page and "地区未识别" in page


def test_one_correction_updates_every_record_of_the_document(admin, console_dir, tmp_path):
    records = imported(console_dir, tmp_path)
    url = document_url(admin)
    response = post(admin, url, {"title": "关于调整全市高龄老人生活津贴发放标准的通知", "issuer": "杭州市民政局",
                                   "doc_no": "", "date": "2023-03-01", "region": "杭州"})
    assert response.status_code == 303
    store = Store.in_dir(console_dir)
    try:
        after = [store.get(r.id) for r in records]
        assert {s.record.region.name for s in after} == {"浙江省杭州市"}
        assert {s.record.source.issuer for s in after} == {"杭州市民政局"}
        assert all(s.version == 2 and len(store.history(s.record.id)) == 2 for s in after)
    finally:
        store.close()
    entry = audits(console_dir, "document_edit")[0]
    assert entry.detail["records"] == len(records) and entry.detail["region"] == "杭州"


def test_an_unknown_region_is_refused_and_nothing_changes(admin, console_dir, tmp_path):
    records = imported(console_dir, tmp_path)
    response = post(admin, document_url(admin), {"title": "x", "issuer": "", "doc_no": "", "date": "",
                                                     "region": "火星市"})
    assert response.status_code == 400 and "不是已知的" in response.get_data(as_text=True)
    store = Store.in_dir(console_dir)
    try:
        assert all(store.get(r.id).version == 1 for r in records)
    finally:
        store.close()
