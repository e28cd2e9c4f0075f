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


def test_a_headline_opening_with_a_street_named_like_a_county_is_not_that_county():
    text = "宝安区西乡街道麻布社区的长者参加了慢病管理小组。"
    guess = infer_region("西乡街道麻布社区开展长者慢病管理小组活动", "", text)
    assert guess.region.name == "广东省深圳市宝安区" and guess.basis == "text"
    assert infer_region("浦北开展敬老月活动", "", "").region.name == "广西壮族自治区钦州市浦北县"
