import pytest

from knowledge.records import Record

from index.understand import split_questions


@pytest.mark.parametrize("message, parts", [
    ("南宁长者饭堂有补贴吗？加装电梯呢", ["南宁长者饭堂有补贴吗？", "加装电梯呢"]),
    ("泾源护理型床位改造多少张，困难老人家里适老化改造多少户", ["泾源护理型床位改造多少张", "困难老人家里适老化改造多少户"]),
    ("南宁家庭病床能申请吗 泾源县医院有没有安宁疗护", ["南宁家庭病床能申请吗", "泾源县医院有没有安宁疗护"]),
    ("我妈79了，住在南宁，有什么补贴？", ["我妈79了，住在南宁，有什么补贴？"]),
    ("我在南宁。长者饭堂在哪", ["我在南宁，长者饭堂在哪"]),
    # a trailing remark belongs to the question before it, not a search of its own
    ("能送餐上门吗？我电话13912345678", ["能送餐上门吗？，我电话13912345678"]),
    ("能送餐上门吗？我电话139****5678", ["能送餐上门吗？，我电话139****5678"]),
    ("能送餐上门吗？我电话139-1234-5678", ["能送餐上门吗？，我电话139-1234-5678"]),
    ("能送餐上门吗？我电话139 1234 5678", ["能送餐上门吗？，我电话139，1234，5678"]),
    ("能送餐上门吗？座机０７７１－１２３４５６７８", ["能送餐上门吗？，座机０７７１－１２３４５６７８"]),
    ("南宁长者饭堂在哪？谢谢", ["南宁长者饭堂在哪？，谢谢"]),
    ("南宁有哪些养老院？泾源的高龄津贴", ["南宁有哪些养老院？", "泾源的高龄津贴"]),
    # 什么的 (and so on) asks nothing: one question
    ("我妈住北京，装个扶手防滑什么的，这个适老化改造去哪儿申请？", ["我妈住北京，装个扶手防滑什么的，这个适老化改造去哪儿申请？"]),
])
def test_split_questions(message, parts):
    assert split_questions(message) == parts


@pytest.mark.parametrize("typed, fixed", [
    ("适老话改造补贴", "适老化"), ("南凝有什么养老补贴", "南宁"), ("泾原县老年养护院", "泾源县"),
    ("长者饭唐在哪", "饭堂"), ("南凝的长者饭唐有补贴吗", "长者饭堂"), ("试范基地在哪", "示范"),
    ("黑龙姜旅居养老基地", "黑龙江"), ("南宁适老话改造有补贴吗", "南宁适老化改造"),
])
def test_typos_and_homophones_are_corrected(searcher, typed, fixed):
    query = searcher.understand(typed)[0]
    assert fixed in query.normalized, query


@pytest.mark.parametrize("typed", ["我妈老是接到电话说去海南旅居养老", "南宁打算扶持几家养老企业",
                                   "南宁的养老院住一个月要多少钱", "是先交给村委会评议吗"])
def test_real_words_are_not_typos(searcher, typed):
    assert searcher.understand(typed)[0].corrections == {}  # 接到 is no typo of 街道


@pytest.mark.parametrize("question, region", [
    ("天河有长者饭堂吗", "广东省广州市天河区"), ("泾源的敬老院", "宁夏回族自治区固原市泾源县"),
    ("粤北旅居养老", None), ("泾河源敬老院在哪", None),  # 泾河源 is a place name, not 河源市
    ("聚龙湾护理院在哪个市", None), ("南京德州那些养老协会有没有去东营交流过", "山东省东营市"),
    ("上海的长者饭堂", "上海市"),
])
def test_region_of_a_question(searcher, question, region):
    query = searcher.understand(question)[0]
    assert (query.region.name if query.region else None) == region


def test_a_short_county_name_the_knowledge_titles_use_names_a_record_not_the_county(fresh_searcher):
    assert fresh_searcher.understand("福海的养老院多少钱")[0].region.name == "新疆维吾尔自治区阿勒泰地区福海县"
    fresh_searcher.store.put(Record.from_dict({
        "id": "xa-fuhai", "kind": "service", "title": "福海老年公寓", "region": "陕西省西安市",
        "text": "福海老年公寓。收费：1500（元/月）。", "source": {"title": "西安养老机构名录"}}), actor="test")
    fresh_searcher.refresh()
    assert fresh_searcher.understand("福海老年公寓价格")[0].region is None


def test_two_places_side_by_side_become_two_queries(searcher):
    queries = searcher.understand("佛山和揭阳各有哪家旅居养老示范基地")
    assert [q.region.short for q in queries] == ["佛山", "揭阳"]
    assert queries[0].terms == queries[1].terms


def test_a_follow_up_part_keeps_the_topic(searcher):
    first, second = searcher.understand("广州有几家旅居养老基地？惠州呢")
    assert second.region.short == "惠州" and second.terms == first.terms


def test_a_part_asking_only_how_to_apply_keeps_the_topic(searcher):
    first, second = searcher.understand("南宁失能老人护理补贴每月多少钱，怎么申请")
    assert set(first.terms) < set(second.terms) and "申请" in second.terms and second.kind_hint == "subsidy"


@pytest.mark.parametrize("question, hint", [
    ("泾源护理型床位改造花了多少钱", "subsidy"), ("惠州的示范基地在哪里", "location"),
    ("南宁养老方案的目标", None), ("接到电话说交钱旅居养老", None),
])
def test_kind_hints(searcher, question, hint):
    assert searcher.understand(question)[0].kind_hint == hint


def test_a_way_of_saying_the_lexicon_lists_is_no_typo():
    """长护 sounds like 账户 (长 read zhang): 长护险, a saying of the colloquial lexicon, stays."""
    from index.understand import correct
    from index.vocabulary import Vocabulary

    vocabulary = Vocabulary(["账户", "护理"], ["账户", "护理"])
    assert correct("天津长护险", vocabulary)[1] == {"长护": "账户"}
    assert correct("天津长护险", vocabulary, frozenset({"长护险"})) == ("天津长护险", {})
