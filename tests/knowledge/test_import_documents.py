"""Documents in every supported format, built here; and the four real seeds end to end."""
import io

import pytest

from knowledge.importing import import_paths
from tests.conftest import seed_file

NOTICE = [
    "某市民政局",
    "关于印发某市高龄津贴发放办法的通知",
    "某民发〔2025〕3号",
    "各区民政局：现将办法印发给你们，请遵照执行。",
    "某市民政局",
    "2025年3月1日",
    "一、发放对象",
    "（一）本市户籍80周岁以上老年人。",
    "（二）本市户籍百岁老人。",
    "二、发放标准",
    "1.80至89周岁每人每月100元。",
    "2.90周岁以上每人每月300元。（责任单位：市民政局、市财政局）",
]


def docx_bytes(lines, table=None) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(lines) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("STSong-Light", 11)
    for number, line in enumerate(lines):
        page.drawString(40, 800 - 18 * number, line)
    page.drawString(280, 30, "- 1 -")
    page.save()
    return out.getvalue()


HTML = """<html><head><title>x</title><script>var a='关闭窗口';</script></head><body>
<nav>首页 | 政务公开 | 办事服务</nav><div class="crumb">当前位置:首页 - 政策文件</div>
<h1>关于印发某市高龄津贴发放办法的通知</h1><p>某民发〔2025〕3号</p><p>发布时间：2025-03-01 09:30:00</p>
""" + "".join(f"<p>{line}</p>" for line in NOTICE[3:]) + """
<p><img src="a.jpg">图片3.jpg</p><div>打印页面 关闭窗口</div><div>扫描关注</div><footer>版权所有</footer></body></html>"""


def assert_notice_imported(store, file_name):
    records = {s.record.id: s.record for s in store.list()}
    clauses = [r for r in records.values() if r.heading_path]
    assert len(clauses) >= 4, sorted(r.title for r in records.values())
    sample = clauses[0]
    assert sample.source.doc_no == "某民发〔2025〕3号" and sample.source.date == "2025-03-01"
    assert sample.source.file == file_name and "高龄津贴" in sample.source.title
    standard = next(r for r in clauses if "300元" in r.text)
    assert standard.heading_path[0].startswith("二、")
    assert standard.units.get("responsible") == ["市民政局", "市财政局"]
    assert "责任单位" not in standard.text
    everything = " ".join(r.text + r.title for r in records.values())
    for debris in ("关闭窗口", "打印页面", "图片3.jpg", "扫描关注", "当前位置"):
        assert debris not in everything


@pytest.mark.parametrize("name, make", [
    ("notice.docx", lambda: docx_bytes(NOTICE)),
    ("notice.pdf", lambda: pdf_bytes(NOTICE)),
    ("notice.html", lambda: HTML.encode("utf-8")),
    ("notice-gb.txt", lambda: "\r\n".join(NOTICE).encode("gb18030")),
    ("notice-bom.md", lambda: "\n".join(NOTICE).encode("utf-8-sig")),
])
def test_document_formats(fresh_store, tmp_path, name, make):
    path = tmp_path / name
    path.write_bytes(make())
    report = import_paths(fresh_store, [path])
    assert not report.skipped, report.skipped
    assert report.documents == 1
    assert_notice_imported(fresh_store, name)


def test_docx_table_becomes_rows(fresh_store, tmp_path):
    path = tmp_path / "table.docx"
    table = [["序号", "所属地市", "机构名称"], ["1", "广州", "某某颐养院"], ["2", "", "某某护理院"]]
    path.write_bytes(docx_bytes(NOTICE[:6] + ["附件：示范基地名单"], table))
    import_paths(fresh_store, [path])
    text = " ".join(s.record.text for s in fresh_store.list())
    assert "某某颐养院" in text and "某某护理院" in text


@pytest.mark.parametrize("name, data, reason", [
    ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
    ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
])
def test_broken_documents_are_reported(fresh_store, tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    report = import_paths(fresh_store, [path])
    assert fresh_store.count() == 0 and reason in str(report.skipped[0]) and name in str(report.skipped[0])


def test_revised_document_updates_clauses_in_place(fresh_store, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("\n".join(NOTICE), encoding="utf-8")
    import_paths(fresh_store, [path])
    path.write_text("\n".join(NOTICE).replace("每人每月300元", "每人每月350元"), encoding="utf-8")
    report = import_paths(fresh_store, [path])
    assert report.changes["updated"] == 1 and report.changes["inserted"] == 0
    changed = next(s for s in fresh_store.list() if "350元" in s.record.text)
    assert [v.action for v in fresh_store.history(changed.record.id)] == ["insert", "update"]


def test_the_four_seeds_import_with_metadata(fresh_store, seeds):
    report = import_paths(fresh_store, sorted(seeds.glob("*.txt")))
    assert report.documents == 4 and not report.skipped
    by_file = {}
    for stored in fresh_store.list():
        by_file.setdefault(stored.record.source.file, []).append(stored.record)
    nanning = by_file[seed_file("002").name]
    assert {r.source.doc_no for r in nanning} == {"南民发〔2024〕14号"}
    assert {r.source.date for r in nanning} == {"2024-12-26"}
    assert all(r.region.code == "450100" for r in nanning)
    jingyuan = by_file[seed_file("003").name]
    assert {r.source.doc_no for r in jingyuan} == {"泾政办发〔2023〕28号"} and jingyuan[0].region.code == "640424"
    assert {r.source.doc_no for r in by_file[seed_file("001").name]} == {"东老产协【2021】1号"}
    bases = [r for r in by_file[seed_file("000").name] if r.kind == "base"]
    assert len(bases) == 11
    cities = sorted(r.region.short for r in bases)
    assert cities.count("广州") == 3 and cities.count("深圳") == 2 and cities.count("惠州") == 2
    assert all(r.region.province == "广东省" for r in bases)
    measure = next(r for r in nanning if r.heading_path and r.heading_path[-1].startswith("17."))
    assert "市住建局" in measure.units["responsible"]
