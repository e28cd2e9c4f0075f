"""Slot extraction: age, conditions, income status and needs from one everyday message."""
from __future__ import annotations

import pytest

from advisor.slots import CONDITIONS, INCOME, NEEDS, Slots, extract


@pytest.mark.parametrize("text, age", [
    ("我妈78岁", 78),
    ("七十八岁", 78),
    ("八十多岁", 80),
    ("今年82了", 82),
    ("年满60周岁", 60),
    ("我媽八十多歲了", 80),
    ("我妈79了腿脚不好", 79),
    ("俺爹都九十好几了", 90),
    ("七旬老人", 70),
    ("一百零二岁的老寿星", 102),
    ("泾源65岁以上老人健康管理率", 65),
    ("老人 85 岁", 85),
    ("2026年", None),
    ("5000元", None),
    ("60张床位", None),
    ("南宁到2026年完成多少户", None),
    ("孙子5岁", None),
    ("我孙子十岁", None),
    ("", None),
])
def test_age(text, age):
    assert extract(text).age == age


@pytest.mark.parametrize("text, conditions", [
    ("俺家老头瘫在床上", ("失能",)),
    ("我爸瘫痪好几年了", ("失能",)),
    ("长期卧床不能自理", ("失能",)),
    ("我妈半自理", ("半失能",)),
    ("我爸半失能", ("半失能",)),
    ("老人行动不便", ("半失能",)),
    ("我妈有老年痴呆", ("失智",)),
    ("认知障碍老人", ("失智",)),
    ("我爸最近老糊涂", ("失智",)),
    ("阿尔茨海默病", ("失智",)),
    ("我妈一个人住", ("独居",)),
    ("老人自己住在乡下", ("独居",)),
    ("空巢老人", ("空巢",)),
    ("孩子都在外地", ("空巢",)),
    ("高龄老人", ("高龄",)),
    ("我爸有残疾证", ("残疾",)),
    ("老年痴呆又一个人住", ("失智", "独居")),
    ("我媽癱瘓在床", ("失能",)),
    ("南宁长者饭堂有补贴吗", ()),
])
def test_conditions(text, conditions):
    assert extract(text).conditions == conditions


@pytest.mark.parametrize("text, income", [
    ("我家是低保户", ("低保",)),
    ("享受最低生活保障", ("低保",)),
    ("五保老人", ("特困",)),
    ("特困供养人员", ("特困",)),
    ("经济困难的老人", ("经济困难",)),
    ("困难家庭有补助吗", ("经济困难",)),
    ("低收入老人", ("经济困难",)),
    ("低保边缘家庭", ("经济困难",)),
    ("失独家庭", ("计划生育特殊家庭",)),
    ("计划生育特殊家庭扶助", ("计划生育特殊家庭",)),
    ("低保户又是失独", ("低保", "计划生育特殊家庭")),
    ("養老院一個月多少錢", ()),
])
def test_income(text, income):
    assert extract(text).income == income


@pytest.mark.parametrize("text, needs", [
    ("南宁长者饭堂有补贴吗", ("助餐",)),
    ("老人吃饭的问题怎么解决", ("助餐",)),
    ("能送餐上门吗", ("助餐",)),
    ("能找人上门帮她洗澡吗", ("助浴",)),
    ("南宁医生能上门来看不", ("上门医疗",)),
    ("家庭病床怎么申请", ("上门医疗",)),
    ("想签家庭医生", ("上门医疗",)),
    ("养老院一个月多少钱", ("护理院",)),
    ("敬老院能住吗", ("护理院",)),
    ("想去海南旅居养老", ("旅居",)),
    ("候鸟式养老", ("旅居",)),
    ("家里装扶手防滑", ("适老化改造",)),
    ("老小区加装电梯", ("适老化改造",)),
    ("中风后康复训练", ("康复",)),
    ("有没有陪诊服务", ("陪诊",)),
    ("想找人打扫卫生", ("助洁",)),
    ("帮我找个护工", ("居家照护",)),
    ("请个保姆多少钱", ("居家照护",)),
    ("老人孤单想找人聊天", ("心理慰藉",)),
    ("想住养老院还要有人陪诊", ("护理院", "陪诊")),
    ("長者飯堂和助浴", ("助餐", "助浴")),
    ("泾源养老专班负责人是谁", ()),
])
def test_needs(text, needs):
    assert extract(text).needs == needs


def test_everything_from_one_voice_message():
    slots = extract("嗯那个我妈今年八十三了一个人住腿脚不好家里是低保想找个地方吃饭再找人帮她洗澡")
    assert slots == Slots(age=83, conditions=("独居", "半失能"), income=("低保",), needs=("助餐", "助浴"))


def test_nothing_in_an_unrelated_message():
    assert extract("明天南宁天气怎么样") == Slots()


def test_tables_are_plain_data():
    """Advisors extend the vocabulary by editing tables, so keep them dict[str, tuple[str, ...]]."""
    for table in (CONDITIONS, INCOME, NEEDS):
        assert all(isinstance(name, str) and isinstance(words, tuple) and words for name, words in table.items())
