"""A news report's later paragraphs are read with its lead paragraph, which names the subject
they only call 该中心 (knowledge/importers/documents.py, _lead_paragraph).

The report below is written for this test in the shape of the corpus's news pages (a06, b12).
"""
from __future__ import annotations

from pathlib import Path

from knowledge.importers.documents import parse_document_file
from knowledge.regions import NATIONAL
from tests.advisor.conftest import reply_after_importing

REPORT = ("<p>3月5日，记者走进位于城东街道的青松社区养老服务中心，这里的老人正在活动室下棋。"
          "该中心去年12月开始试运营，占地1200平方米。</p>"
          "<p>中心划分为大客厅、社区课堂等6个功能区，可为老人提供日间照料。</p>"
          "<p>据悉，这里由一家物业公司运营，配有12辆送餐车，可辐射到周边三个街道。</p>")


def records(text: str, name: str):
    rows, _ = parse_document_file(Path(name), text.encode(), None, NATIONAL)
    return rows.records


def test_the_later_paragraphs_carry_the_lead_and_the_lead_itself_does_not():
    first, *later = records(REPORT, "report.html")
    assert "lead" not in first.attrs
    assert [r.attrs["lead"][:20] for r in later] == ["3月5日，记者走进位于城东街道的青松社区"] * 2


def test_a_numbered_document_has_no_lead():
    text = "某市养老服务条例\n第一条 为了规范养老服务，制定本条例。\n第二条 本市建立养老服务补贴制度。\n"
    assert all("lead" not in r.attrs for r in records(text, "rules.txt"))


def test_a_question_naming_the_subject_finds_the_paragraph_holding_the_fact(tmp_path):
    reply = reply_after_importing(tmp_path, "report.html", REPORT, "青松社区养老服务中心有几辆送餐车？")
    assert "12辆送餐车" in reply.reply
