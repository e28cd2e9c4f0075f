"""A follow-up stays inside the document the last answer cited (issue 15, item 8).

Two documents written here share everyday words: a news report on one 讲座 and a regulation.
Asked on its own, "请的是哪个医院的医生" matches the regulation's clause on 医院 better; as a
follow-up to a question about the 讲座 it is about the 讲座's report.
"""
from __future__ import annotations

import pytest

from advisor.core import Advisor
from tests.advisor.conftest import advisor_over, conversation

NEWS = {"title": "麻石社区开展冬病夏治讲座", "file": "news.html", "date": "2023-07-06"}
RULES = {"title": "某市医疗机构管理办法", "file": "rules.md", "doc_no": "某政发〔2020〕1号", "date": "2020-01-01"}
RECORDS = [
    ("news-1", NEWS, "7月5日，麻石社区党群服务中心开展冬病夏治健康讲座，共有25位社区长者参加。"),
    ("news-2", NEWS, "本次讲座邀请市第二人民医院的李主任讲解三伏灸，讲座最后进行了有奖答题。"),
    ("rules-1", RULES, "医院应当为老年人就医提供便利，医生应当耐心讲解病情。"),
    ("rules-2", RULES, "医疗机构应当设置老年人挂号窗口。"),
]


@pytest.fixture(scope="module")
def advisor(tmp_path_factory) -> Advisor:
    bot = advisor_over(tmp_path_factory.mktemp("focus"), "广东省深圳市", RECORDS)
    yield bot
    bot.store.close()


def cited(reply) -> set[str]:
    return {record.id for record in reply.records}


def test_a_follow_up_is_answered_from_the_document_just_cited(advisor):
    first, follow = conversation(advisor, "深圳麻石社区冬病夏治讲座是哪天办的", "那请的是哪个医院的医生？")
    assert cited(first) <= {"news-1", "news-2"} and cited(first)
    assert cited(follow) == {"news-2"}
    assert "李主任" in follow.reply


def test_without_a_conversation_the_same_words_find_the_other_document(advisor):
    (alone,) = conversation(advisor, "深圳请的是哪个医院的医生？")
    assert cited(alone) == {"rules-1"}


def test_a_new_topic_leaves_the_document(advisor):
    _, other = conversation(advisor, "深圳麻石社区冬病夏治讲座是哪天办的", "深圳医疗机构要设老年人挂号窗口吗")
    assert cited(other) == {"rules-2"}


def test_the_document_is_kept_through_a_refusal(advisor):
    replies = conversation(advisor, "深圳麻石社区冬病夏治讲座是哪天办的", "今天股票涨了吗", "那请的是哪个医院的医生？")
    assert cited(replies[-1]) == {"news-2"}


def test_a_later_part_of_one_message_stays_in_the_first_part_s_document(advisor):
    (reply,) = conversation(advisor, "深圳麻石社区冬病夏治讲座是哪天办的？请的是哪家医院？")
    assert cited(reply) <= {"news-1", "news-2"} and "news-2" in cited(reply)


def test_a_later_part_naming_another_subject_searches_everywhere(advisor):
    (reply,) = conversation(advisor, "深圳麻石社区冬病夏治讲座是哪天办的？医疗机构要设老年人挂号窗口吗？")
    assert "rules-2" in cited(reply)



REPORT = {"title": "高龄津贴发放工作启动", "file": "report.html", "date": "2024-01-05"}
MEASURES = {"title": "深圳市高龄津贴发放办法", "file": "measures.md", "doc_no": "深民〔2023〕1号", "date": "2023-12-01"}
AMOUNT_AND_NEWS = [  # a report naming 高龄津贴 often, and the 办法 holding its amount and where to apply
    ("report-1", REPORT, "深圳高龄津贴发放工作启动，高龄津贴每月标准已经公布，高龄津贴按月发放。"),
    ("report-2", REPORT, "市民政局在福田区举行高龄津贴发放仪式，老人代表现场申请领取。"),
    ("measures-1", MEASURES, "八十周岁以上老年人的高龄津贴标准为每人每月100元，按月发放到本人账户，"
                             "所需资金由市、区财政按比例分担，每年根据经济社会发展水平适时调整。"),
    ("measures-2", MEASURES, "高龄津贴由本人或者家属向户籍所在地社区工作站提出申请，街道办事处审核。"),
]


@pytest.fixture(scope="module")
def amount_and_news(tmp_path_factory) -> Advisor:
    bot = advisor_over(tmp_path_factory.mktemp("amount"), "广东省深圳市", AMOUNT_AND_NEWS)
    yield bot
    bot.store.close()


def test_a_later_part_stays_in_the_document_the_first_part_is_answered_from(amount_and_news):
    """The report scores first, but the 办法 holds the amount asked: the second part follows it."""
    (reply,) = conversation(amount_and_news, "深圳高龄津贴一个月多少钱？去哪里申请？")
    assert "measures-1" in cited(reply) and "measures-2" in cited(reply) and not cited(reply) & {"report-1", "report-2"}
