import pytest

from knowledge.regions import NATIONAL, Region, find_mentions, resolve


@pytest.mark.parametrize("written, code, name", [
    ("天河", "440106", "广东省广州市天河区"),
    ("广东省广州市天河区", "440106", "广东省广州市天河区"),
    ("粤", "440000", "广东省"),
    ("南宁", "450100", "广西壮族自治区南宁市"),
    ("广西南宁", "450100", "广西壮族自治区南宁市"),
    ("泾源", "640424", "宁夏回族自治区固原市泾源县"),
    ("宁夏固原市泾源县", "640424", "宁夏回族自治区固原市泾源县"),
    ("惠州市仲恺区", "441300", "广东省惠州市"),
    ("中山", "442000", "广东省中山市"),
    ("北京市朝阳区", "110105", "北京市朝阳区"),
    ("朝阳", "211300", "辽宁省朝阳市"),  # alone, the higher level wins
    ("山东 东营", "370500", "山东省东营市"),
])
def test_resolve_written_forms(written, code, name):
    region = resolve(written)
    assert (region.code, region.name) == (code, name)


@pytest.mark.parametrize("written", ["", "火星", "城区", "全国"])
def test_unknown_or_generic_is_national(written):
    assert resolve(written) == NATIONAL


def test_contains_follows_the_hierarchy():
    guangdong, guangzhou, tianhe, nanning = (Region(c) for c in ("440000", "440100", "440106", "450100"))
    assert guangdong.contains(tianhe) and guangzhou.contains(tianhe)
    assert not tianhe.contains(guangzhou)
    assert not nanning.contains(Region("640424"))
    assert NATIONAL.contains(nanning)
    assert Region("341000").contains(Region("341002"))  # a city code with an inner zero (黄山市)


def test_short_names_and_ancestors():
    assert Region("450000").short == "广西"
    assert [r.name for r in Region("640424").ancestors()] == ["宁夏回族自治区", "宁夏回族自治区固原市", "宁夏回族自治区固原市泾源县"]


def test_single_character_abbreviations_are_not_found_in_free_text():
    assert [alias for _, alias, _ in find_mentions("我在南宁，想去粤北旅居")] == ["南宁"]
