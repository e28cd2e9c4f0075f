"""Ages asked against age bands written (index.ages), and compounds spelled out by their pieces."""
from __future__ import annotations

import pytest

from index import ages
from index.fit import compounds
from index.search import Searcher
from knowledge.records import Record
from knowledge.store import Store


@pytest.mark.parametrize("text, bands", [
    ("80周岁至89周岁的老年人，每人每月100元", [(80, 89)]),
    ("80-89周岁的100元、90—99周岁的200元、100周岁及以上的300元", [(80, 89), (90, 99), (100, ages.OLDEST)]),
    ("七十周岁以上的老年人免费乘车", [(70, ages.OLDEST)]),
    ("年满六十五周岁", [(65, ages.OLDEST)]),
    ("不满60周岁的", [(0, 59)]),
    ("发给百岁老人长寿补助金", [(100, ages.OLDEST)]),
    ("2023年3月1日起执行", []),
])
def test_bands_the_text_writes(text, bands):
    assert sorted(set(ages.bands(text))) == bands


@pytest.mark.parametrize("question, age", [
    ("我妈今年85了，高龄津贴多少", 85), ("那我姥姥92了呢", 92), ("过了一百岁呢", 100),
    ("奶奶今年一百零二了", 102), ("八十岁以上的老人", 80), ("90多岁的呢", 90),
    ("交了25年社保", None), ("等了3天了", None), ("百岁补助", 100),
])
def test_the_age_a_question_names(question, age):
    found = ages.asked_age(question)
    assert (found[0] if found else None) == age


def test_the_index_tokens_cover_each_elder_year_of_a_band():
    assert ages.tokens("80周岁至82周岁") == ["a80", "a81", "a82"]
    assert ages.tokens("不满60周岁") == [ages.token(year) for year in range(ages.YOUNGEST, 60)]


def test_compounds_are_spelled_out_by_the_question_s_own_pieces():
    assert compounds({"高龄": 1, "津贴": 1, "高龄津贴": 1, "每月": 1}) == {"高龄津贴": ["高龄", "津贴"]}
    assert compounds({"高龄津贴": 1, "高龄": 1}) == {}  # 津贴 is not asked: the compound is not covered


BANDS = [
    ("young", "七十周岁以上的老年人，乘坐公交免费。"),
    ("allowance", "高龄老年人津贴：80周岁至89周岁的老年人，每人每月100元；90周岁至99周岁的，每人每月500元。"),
    ("other", "高龄老年人津贴由区民政部门按月发放到社保卡。"),
]


@pytest.fixture(scope="module")
def banded(tmp_path_factory) -> Searcher:
    data_dir = tmp_path_factory.mktemp("ages")
    store = Store.in_dir(data_dir)
    for ident, text in BANDS:
        store.put(Record.from_dict({"id": ident, "kind": "subsidy", "title": text[:8], "text": text,
                                    "region": "北京市", "source": {"title": "某办法", "file": "rules.md"}}), actor="test")
    return Searcher(store, data_dir)


def test_an_asked_age_finds_the_record_whose_band_holds_it(banded):
    (result,) = banded.search("北京我妈今年85了，高龄津贴每月多少钱")
    assert result.query.age == 85 and result.hits[0].record.id == "allowance"
    assert "85岁" in result.hits[0].matched and "85岁" not in dict.fromkeys(h for hit in result.hits[1:] for h in hit.matched)


def test_an_age_alone_matches_nothing(banded):
    (result,) = banded.search("北京我爸都75了，还能买重疾险吗")
    assert result.hits == []


def test_a_function_word_and_a_character_are_no_typo(searcher):
    (query,) = searcher.understand("是先交给村委会评议吗")
    assert "实现" not in query.terms and not query.corrections
