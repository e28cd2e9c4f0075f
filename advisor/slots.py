"""Facts about the elder that one message reveals: age, conditions, income status, needs.

Eligibility for most subsidies turns on exactly these (年满80周岁, 失能, 低保, 独居…), so the
conversation layer keeps them across turns to narrow the search and to fill a referral.
The vocabulary lives in the tables below (canonical name → the ways people say it); the
order of a table matters only where one phrase contains another (半失能 before 失能).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.intents import normalise
from index.ages import asked_age

# ── data tables ─────────────────────────────────────────────────────────────────────────────
CONDITIONS = {
    "半失能": (r"半失能", r"半自理", r"部分自理", r"行动不便", r"腿脚不(好|便|利索)", r"走路不(便|稳|方便)", r"坐轮椅"),
    "失能": (r"失能", r"瘫痪", r"瘫(在床|了)", r"偏瘫", r"卧床", r"不能自理", r"生活不能自理", r"不能动", r"起不了床"),
    "失智": (r"失智", r"(老年)?痴呆", r"认知障碍", r"糊涂", r"阿尔茨海默", r"记不住(人|事)", r"不认人"),
    "独居": (r"独居", r"一个人(住|生活|过|在家)", r"自己(一个人)?住", r"独自(居住|生活|在家|一人)", r"单独住"),
    "空巢": (r"空巢", r"子女(都)?不在身边", r"(孩子|儿女|子女)(都)?在外地"),
    "高龄": (r"高龄",),
    "残疾": (r"残疾", r"残障", r"失明", r"盲人", r"聋哑", r"截肢"),
}
INCOME = {
    # 低保边缘 is its own (poorer-than-average) category: mask it before 低保.
    "经济困难": (r"低保边缘", r"经济困难", r"困难家庭", r"低收入", r"困难老人", r"特殊困难", r"家里困难", r"生活困难",
                 r"贫困", r"建档立卡", r"没(有)?钱"),
    "低保": (r"低保", r"最低生活保障"),
    "特困": (r"特困", r"五保", r"分散供养", r"集中供养"),
    "计划生育特殊家庭": (r"计划生育特殊家庭", r"计生特殊家庭", r"失独", r"独生子女[^，。,.]{0,3}(死亡|去世|走了|没了|伤残|残疾)"),
}
NEEDS = {
    "助餐": (r"助餐", r"长者饭堂", r"老年(人)?食堂", r"饭堂", r"食堂", r"送餐", r"配餐", r"吃饭", r"做饭"),
    "助浴": (r"助浴", r"洗澡", r"沐浴"),
    "上门医疗": (r"上门(看病|医疗|诊疗|问诊)", r"家庭病床", r"家庭医生", r"医生[^，。,.]{0,3}上门", r"上门[^，。,.]{0,2}看"),
    "护理院": (r"护理院", r"养老院", r"敬老院", r"养老机构", r"养护院", r"福利院", r"养老公寓", r"住(进)?养老"),
    "旅居": (r"旅居", r"候鸟", r"避暑", r"避寒", r"异地养老"),
    "适老化改造": (r"适老化", r"扶手", r"防滑", r"(加)?装电梯", r"坡道", r"(居家|家里|家庭)改造"),
    "康复": (r"康复", r"理疗", r"复健"),
    "陪诊": (r"陪诊", r"陪(同)?(看病|就医)", r"陪[^，。,.]{0,3}去医院"),
    "助洁": (r"助洁", r"打扫", r"保洁", r"清洁", r"家政"),
    "居家照护": (r"护工", r"保姆", r"陪护", r"照护", r"照顾", r"看护", r"住家阿姨", r"钟点工"),
    "心理慰藉": (r"心理慰藉", r"聊天", r"孤单", r"孤独", r"寂寞", r"谈心", r"没人说话", r"心理"),
}
def _compiled(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[re.Pattern, ...]]:
    """The tables stay plain strings (advisors edit them); matching uses copies compiled once,
    not ~100 strings looked up in (and, once it overflows, recompiled into) re's cache per message."""
    return {name: tuple(re.compile(pattern) for pattern in patterns) for name, patterns in table.items()}


_CONDITIONS, _INCOME, _NEEDS = _compiled(CONDITIONS), _compiled(INCOME), _compiled(NEEDS)


@dataclass(frozen=True)
class Slots:
    age: int | None = None
    conditions: tuple[str, ...] = ()
    income: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


def _find(table: dict[str, tuple[re.Pattern, ...]], text: str) -> tuple[str, ...]:
    """Canonical names in order of first mention; a matched phrase is masked so that a longer
    phrase (半失能, 低保边缘) is not counted again by a shorter one (失能, 低保)."""
    first: dict[str, int] = {}
    for name, patterns in table.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                first[name] = min(first.get(name, match.start()), match.start())
                text = text[: match.start()] + "□" * len(match.group(0)) + text[match.end():]
    return tuple(sorted(first, key=first.get))


def _age(text: str) -> int | None:
    """The first plausible elder age (index.ages: the search matches it against age bands too)."""
    found = asked_age(text)
    return found[0] if found else None


def extract(text: str) -> Slots:
    """All slots one message reveals; empty fields when it says nothing about them."""
    norm = normalise(text)
    return Slots(
        age=_age(norm),
        conditions=_find(_CONDITIONS, norm),
        income=_find(_INCOME, norm),
        needs=_find(_NEEDS, norm),
    )
