"""A question naming a document by its title is answered from that document (issue 15).

Two regulations of one province, written here: both end with the article on when they take
effect, and one opens with a preamble full of dates. "…养老服务条例是哪天开始施行的" must be
answered from the 养老服务条例, whatever the other holds.
"""
from __future__ import annotations

import pytest

from advisor.core import Advisor
from advisor.named import title_core
from knowledge.regions import NATIONAL, resolve
from tests.advisor.conftest import advisor_over, conversation

SERVICES = {"title": "海南省养老服务条例", "file": "services.md", "date": "2023-05-24"}
INSTITUTIONS = {"title": "海南省养老机构管理条例", "file": "institutions.md", "date": "2014-05-30"}
RECORDS = [
    ("svc-1", SERVICES, "本条例自2023年7月1日起施行。"),
    ("svc-2", SERVICES, "养老服务应当坚持政府主导、社会参与。"),
    ("ins-0", INSTITUTIONS, "为规范养老服务，海南省人民代表大会常务委员会2014年5月30日通过本条例，"
                            "自2014年8月1日开始施行，养老服务机构遵照执行。"),
    ("ins-1", INSTITUTIONS, "本条例自2014年8月1日起施行。"),
    ("ins-2", INSTITUTIONS, "养老机构应当与老年人签订服务合同。"),
]


@pytest.fixture(scope="module")
def advisor(tmp_path_factory) -> Advisor:
    bot = advisor_over(tmp_path_factory.mktemp("named"), "海南省", RECORDS)
    yield bot
    bot.store.close()


def ask(advisor: Advisor, text: str):
    return conversation(advisor, text)[0]


@pytest.mark.parametrize("question, document, date", [
    ("海南省养老服务条例是哪天开始施行的？", "services.md", "2023年7月1日"),
    ("海南养老机构管理条例哪天开始施行", "institutions.md", "2014年8月1日"),
    ("养老服务条例从什么时候开始施行", "services.md", "2023年7月1日"),
])
def test_the_named_document_answers(advisor, question, document, date):
    reply = ask(advisor, question)
    assert {record.source.file for record in reply.records} == {document}
    assert date in reply.reply


@pytest.mark.parametrize("title, region, core", [
    ("《海南省养老服务条例》", "海南省", "养老服务条例"),
    ("海口市居家养老服务条例", "海口", "居家养老服务条例"),
    ("海南省海口市居家养老服务条例（2023年修订）", "海口", "居家养老服务条例"),
    ("中华人民共和国老年人权益保障法", "", "老年人权益保障法"),
])
def test_a_title_without_its_place(title, region, core):
    assert title_core(title, resolve(region) if region else NATIONAL) == core
