"""A penalty article citing a duty by number (违反本条例第三条第二款规定) carries the cited words.

The regulation below is written for this test in the shape of a 条例's 法律责任 chapter.
"""
from __future__ import annotations

from pathlib import Path

from knowledge.importers.documents import parse_document_file
from knowledge.regions import NATIONAL
from tests.advisor.conftest import reply_after_importing

REGULATION = """某市居家养老服务条例
第一条 为了规范居家养老服务，制定本条例。
第二条 本条例适用于本市行政区域内的居家养老服务。
第三条 养老服务组织应当与老年人签订服务协议。
养老服务组织的护理人员应当持有有效健康证明。
第四条 违反本条例第三条第二款规定的，由民政部门责令改正，处一万元以上三万元以下罚款。
第五条 违反本条例第三条、第九条规定的，依照有关法律处理。
第六条 本条例自2024年1月1日起施行。
"""


def cites_by_article() -> dict[str, str]:
    rows, _ = parse_document_file(Path("regulation.txt"), REGULATION.encode(), None, NATIONAL)
    return {r.text[:9]: r.attrs.get("cites", "") for r in rows.records}


def test_a_penalty_carries_the_paragraph_it_cites():
    assert cites_by_article()["违反本条例第三条第"] == "养老服务组织的护理人员应当持有有效健康证明。"


def test_an_article_cited_whole_is_carried_whole_and_a_missing_one_is_skipped():
    assert cites_by_article()["违反本条例第三条、"] == "养老服务组织应当与老年人签订服务协议。\n养老服务组织的护理人员应当持有有效健康证明。"


def test_an_article_citing_nothing_carries_nothing():
    cites = cites_by_article()
    assert [cites[start] for start in ("养老服务组织应当与", "为了规范居家养老服", "本条例自2024年")] == ["", "", ""]


def test_a_question_on_the_duty_finds_the_penalty_that_cites_it(tmp_path):
    reply = reply_after_importing(tmp_path, "regulation.txt", REGULATION, "护理人员没有健康证明，养老服务组织会怎么罚？")
    assert "处一万元以上三万元以下罚款" in reply.reply
