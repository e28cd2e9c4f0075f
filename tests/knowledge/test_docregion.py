"""Which place a document applies to, when its title and issuer name none (knowledge/importers/docregion)."""
import pytest

from knowledge.importers.docregion import infer_region


@pytest.mark.parametrize("text, region", [
    ("本次讲座链接深圳恒生医院的宋主任精彩讲解，共吸引30位长者参与。", "广东省深圳市"),  # a city named in passing
    ("饺子形如元宝，是福气的象征。大家分工合作，擀皮、包馅。", ""),  # 元宝, 合作: words, not places
    ("社区新建了活动室，和平日一样热闹。", ""),  # 新建, 和平: counties, and everyday words first
    ("朝阳的老人来参加活动。", ""),  # 朝阳: a city and several districts — no guess
])
def test_a_city_named_only_by_its_short_name(text, region):
    guess = infer_region("冬病夏治健康讲座", "", text)
    assert guess.region.name == region and guess.guessed == bool(region)


def test_a_full_name_in_the_text_still_wins():
    text = "西安市雁塔区丈八街道举办活动，深圳来的志愿者也参加了。西安市民政局到场。"
    assert infer_region("冬至包饺子", "", text).region.name.startswith("陕西省西安市")
