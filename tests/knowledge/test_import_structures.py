"""Shapes of document that are lists of answers: 办事指南 fields, Q&A pairs, short tables, lead-in lists.

The texts below are written for these tests (no real document of these shapes was found in the
public repositories the corpus comes from; see tests/data/realdocs/SOURCES_*.md).
"""
from __future__ import annotations

from pathlib import Path

from knowledge.importers.documents import parse_document_file
from knowledge.importing import import_paths
from knowledge.regions import NATIONAL

GUIDE = """某县老年人优待证办理指南
一、事项名称：老年人优待证办理
二、办理对象：年满60周岁的本县户籍老年人
三、申请材料：
1.身份证原件；
2.近期一寸免冠照片1张。
四、办理地点：户籍所在地社区居委会
五、办理时限：5个工作日
六、收费标准：不收费
七、咨询电话：0777-1234567
"""
QA = """某市长期护理保险政策问答
1.什么是长期护理保险？
长期护理保险是为长期失能人员提供护理保障的制度。
2.哪些人可以享受待遇？
参加职工医保、经评估为重度失能的人员。
问：待遇标准是多少？
答：居家护理每人每天最高60元。
"""
TABLE = "某县高龄津贴发放标准\n年龄段\t标准\n80—89周岁\t每人每月100元\n90—99周岁\t每人每月300元\n100周岁以上\t每人每月800元\n"


def records(text: str, name: str = "doc.txt"):
    rows, info = parse_document_file(Path(name), text.encode(), None, NATIONAL)
    return {r.title.split("：", 1)[-1]: r.text for r in rows.records}, info


def test_a_service_guide_is_one_record_per_field_titled_with_the_service():
    found, _ = records(GUIDE)
    assert found["老年人优待证办理·收费标准"] == "收费标准：不收费"
    assert found["老年人优待证办理·咨询电话"] == "咨询电话：0777-1234567"
    assert found["老年人优待证办理·申请材料"] == "申请材料：1.身份证原件；\n2.近期一寸免冠照片1张。"


def test_a_qa_page_is_one_record_per_pair_with_the_question_as_title():
    found, info = records(QA)
    assert info.title == "某市长期护理保险政策问答"
    assert found["待遇标准是多少？"] == "居家护理每人每天最高60元。"
    assert found["哪些人可以享受待遇？"] == "参加职工医保、经评估为重度失能的人员。"
    assert len(found) == 3


def test_a_short_amount_table_stays_complete_in_one_record():
    found, _ = records("关于发放高龄津贴的通知\n各乡镇：\n现将标准通知如下。\n\n" + TABLE)
    table = found["某县高龄津贴发放标准"]
    assert table.splitlines() == ["80—89周岁：标准：每人每月100元", "90—99周岁：标准：每人每月300元",
                                  "100周岁以上：标准：每人每月800元"]


def test_a_colon_led_list_in_a_news_text_stays_with_its_lead():
    text = "<p>市民政局调整高龄津贴标准，调整如下：</p><p>1、100周岁以上每人每月800元；</p><p>2、90—99周岁每人每月300元。</p>"
    rows, _ = parse_document_file(Path("news.html"), text.encode(), None, NATIONAL)
    assert len(rows.records) == 1 and "800元" in rows.records[0].text and "300元" in rows.records[0].text


def test_the_seeds_on_top_of_the_starter_knowledge_add_no_duplicate(fresh_store, seeds):
    from knowledge.cli import load_starter
    load_starter(fresh_store)
    before = fresh_store.count()
    report = import_paths(fresh_store, sorted(seeds.glob("*.txt")))
    assert fresh_store.count() == before and report.changes["known"] == report.records > 0


def test_an_attachment_the_text_leaves_out_makes_no_record():
    text = "某县高龄津贴办法\n一、标准\n八十周岁以上每人每月100元。\n附件\n1.某县高龄津贴审核表(略)\n2.某县高龄津贴发放汇总表（略）\n"
    found, _ = records(text)
    assert not any("略" in text for text in found.values()) and any("100元" in t for t in found.values())
