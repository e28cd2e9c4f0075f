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
