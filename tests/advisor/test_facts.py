"""The asked fact: which record of those fitting equally well answers, and which sentence leads."""
from __future__ import annotations

import pytest

from advisor.facts import answering_first, asked_fact, holds, leading_sentence
from index.search import Hit
from knowledge.records import Record


def hit(ident: str, text: str, confidence: float) -> Hit:
    record = Record.from_dict({"id": ident, "kind": "policy", "title": ident, "text": text})
    return Hit(record, 10.0, confidence, ("补贴",), "")


@pytest.mark.parametrize("question, kind", [
    ("失能护理补贴一个月多少钱", "amount"), ("骗补贴罚多少", "amount"), ("多大岁数算老年人", "age"),
    ("申请交上去多久能批", "duration"), ("这个条例哪天开始施行", "date"), ("打哪个电话问", "phone"),
    ("养老院地址在哪", "address"), ("去哪办", "office"), ("要带啥材料", "materials"),
    ("护理型床位要占多少比例", "count"), ("这个政策好不好", None), ("寿星多大了", "age"),
    ("新小区要配多大的养老用房", "count"), ("比政府定的价贵，多出来的钱谁出", "payer"), ("中心负责人是谁", "person"),
    ("用没健康证的护理员会怎么罚", "penalty"), ("村干部贪了钱会怎么处理", "penalty"), ("养老院该咋处理", None),
    ("冬病夏治讲座谁办", "organizer"), ("生日会是谁组织的", "organizer"), ("讲座请的医生是谁", "person"),
])
def test_the_kind_of_fact_a_question_asks(question, kind):
    assert asked_fact(question) == kind


def test_of_equally_fitting_records_the_one_holding_the_asked_fact_answers():
    hits = [hit("rule", "申请护理补贴需先评估。", 0.87), hit("amount", "重度失能的每人每月600元。", 0.85)]
    assert [h.record.id for h in answering_first(hits, "amount")] == ["amount", "rule"]


def test_a_clearly_better_fit_is_not_passed_over_for_a_number():
    hits = [hit("rule", "申请护理补贴需先评估。", 0.9), hit("amount", "每人每月600元。", 0.6)]
    assert answering_first(hits, "amount")[0].record.id == "rule"


def test_the_higher_confidence_answers_even_when_it_scored_lower():
    hits = [hit("first", "其他规定。", 0.55), hit("second", "其他规定。", 0.9)]
    assert answering_first(hits, None)[0].record.id == "second"


def test_a_long_record_leads_with_the_sentence_holding_the_fact():
    text = "本市对老年人实行补贴制度，具体由各区组织实施，街道负责受理申请并初审。" * 3 + "失能老年人护理补贴每人每月600元。"
    assert leading_sentence(text, "amount", ("补贴",)) == "失能老年人护理补贴每人每月600元。"
    assert leading_sentence("每人每月600元。", "amount", ("补贴",)) == ""


def test_a_listing_names_each_institution_once():
    from advisor.compose import numbered_list
    same = [Record.from_dict({"id": f"r{n}", "kind": "service", "title": title, "text": "x", "region": "海口"})
            for n, title in enumerate(["海口市振东(米铺)老年公寓", "海口市振东（米铺）老年公寓", "海口颐养院"])]
    text, ids = numbered_list(same)
    assert len(ids) == 2 and text.count("振东") == 1


def test_a_question_naming_an_institution_is_answered_from_that_one():
    from advisor.named import named_hit
    homes = [Hit(Record.from_dict({"id": f"h{n}", "kind": "service", "title": f"西安：{name}", "text": "x"}),
                 10.0 - n, 0.8, (), "") for n, name in enumerate(["三桥老年公寓", "天合老年公寓", "福海老年公寓"])]
    assert named_hit(homes, "西安天合老年公寓一个月多少钱").record.id == "h1"
    assert named_hit(homes, "西安的老年公寓一个月多少钱") is None


def test_of_equal_fits_the_record_sharing_a_telling_run_of_the_question_answers():
    hits = [hit("campaign", "全社会要广泛开展敬老、养老宣传教育活动。", 0.58),
            hit("day", "每年农历九月初九重阳节为本市敬老日。", 0.58)]
    assert answering_first(hits, "date", "北京敬老日是哪天")[0].record.id == "day"


def test_a_name_every_candidate_repeats_tells_none_apart():
    hits = [hit("first", "福康老年公寓举办活动，老人们表演节目。", 0.6),
            hit("second", "福康老年公寓的老人大多为五保户。", 0.6)]
    assert answering_first(hits, None, "福康老年公寓举办过什么")[0].record.id == "first"
    assert answering_first(hits, None, "福康老年公寓的老人大多是什么人")[0].record.id == "second"


def test_a_follow_up_naming_only_an_age_leads_with_the_band_holding_it():
    text = ("高龄老年人津贴发放给80周岁及以上的老年人，用于养老服务消费。" * 3
            + "1.80周岁至89周岁的老年人，每人每月100元；2.90周岁至99周岁的老年人，每人每月500元。")
    assert leading_sentence(text, None, (), 92) == "2.90周岁至99周岁的老年人，每人每月500元。"
    assert leading_sentence(text, None, (), None) == ""
    assert leading_sentence("本办法由市民政局负责解释。" * 12, None, (), 92) == ""


def sourced(ident: str, text: str, confidence: float, document: str, matched: tuple[str, ...]) -> Hit:
    record = Record.from_dict({"id": ident, "kind": "policy", "title": ident, "text": text,
                               "source": {"title": document, "file": f"{document}.html"}})
    return Hit(record, 10.0, confidence, matched, "")


def test_a_run_made_only_of_weighed_words_tells_nothing():
    hits = [sourced("most", "院里住的老人大多为五保户。", 0.72, "news", ("福康", "老人", "大多")),
            sourced("visit", "志愿者走进福康老年公寓开展活动。", 0.67, "news", ("福康", "老年公寓", "老人"))]
    assert answering_first(hits, None, "福康老年公寓的老人，大多是啥情况")[0].record.id == "most"


def test_within_the_best_document_the_record_holding_the_asked_fact_answers():
    hits = [sourced("opening", "思南县青年志愿者协会举办集体生日会。", 1.0, "news", ("青年志愿者协会",)),
            sourced("other", "协会每月20日开会。", 0.7, "other", ("协会",)),
            sourced("plan", "协会将每季度为银发志愿者集体庆生。", 0.65, "news", ("协会",))]
    assert answering_first(hits, "duration", "青年志愿者协会多久过一次集体生日")[0].record.id == "plan"
    assert answering_first(hits, "phone", "青年志愿者协会电话")[0].record.id == "opening"


@pytest.mark.parametrize("text, held", [("7月30日下午", False), ("自2023年7月1日起施行", False), ("30日内办理", True),
                                        ("每季度为老人庆生", True), ("20个工作日内", True), ("三个月", True)])
def test_a_duration_is_a_span_or_a_frequency_never_a_date(text, held):
    assert holds(text, "duration") is held


@pytest.mark.parametrize("text, held", [("12月26日，活动走进养老服务中心", True), ("2023年7月", True),
                                        ("自2023年7月1日起施行", True), ("30日内办理", False), ("第十二条", False)])
def test_a_date_is_a_year_and_month_or_a_month_and_day(text, held):
    assert holds(text, "date") is held



def test_of_equal_fits_the_asked_place_s_own_record_answers():
    from knowledge.regions import resolve

    def placed(ident: str, region: str, score: float) -> Hit:
        record = Record.from_dict({"id": ident, "kind": "policy", "title": ident, "text": "建立养老护理员激励机制。",
                                   "region": region})
        return Hit(record, score, 0.78, ("护理员",), "")
    hits = [placed("province", "海南省", 14.4), placed("city", "海口", 11.8)]
    assert answering_first(hits, None, "海口护理员比赛", resolve("海口"))[0].record.id == "city"
    assert answering_first(hits, None, "海南护理员比赛", resolve("海南"))[0].record.id == "province"
    assert answering_first(hits, None, "护理员比赛")[0].record.id == "province"
    # asked about the province, its own rule comes before a city's in it, whatever the score order
    assert answering_first(hits[::-1], None, "海南护理员比赛", resolve("海南"))[0].record.id == "province"


def test_a_nearly_as_good_fit_of_exactly_the_asked_place_answers_before_the_province_s():
    from knowledge.regions import resolve

    def placed(ident: str, region: str, confidence: float) -> Hit:
        record = Record.from_dict({"id": ident, "kind": "policy", "title": ident, "text": "社区定期上门探访独居老年人。",
                                   "region": region})
        return Hit(record, 10.0, confidence, ("探访",), "")
    hits = [placed("province", "海南省", 1.0), placed("city", "海口", 0.82)]
    assert answering_first(hits, None, "海口社区会定期来看看我妈吗", resolve("海口"))[0].record.id == "city"
    assert answering_first(hits, None, "海南社区会定期来看看我妈吗", resolve("海南"))[0].record.id == "province"
    far = [placed("province", "海南省", 1.0), placed("city", "海口", 0.7)]
    assert answering_first(far, None, "海口社区会定期来看看我妈吗", resolve("海口"))[0].record.id == "province"


def test_a_best_fit_holding_the_asked_fact_is_not_passed_over_for_its_document_s_others():
    hits = [sourced("standard", "80周岁至89周岁的老年人，每人每月100元。", 1.0, "rules", ("高龄津贴",)),
            sourced("funding", "市财政按每人每月100元的标准向各区转移支付高龄津贴资金。", 0.78, "rules", ("高龄津贴",))]
    assert answering_first(hits, "amount", "85了高龄津贴的标准每人每月能领多少")[0].record.id == "standard"


def test_a_home_is_named_without_the_district_before_its_name():
    from advisor.named import named_hit, without_places
    homes = [Hit(Record.from_dict({"id": f"h{n}", "kind": "service", "title": name, "text": "x"}), 10.0, 0.8, (), "")
             for n, name in enumerate(["长安区福海老年公寓", "碑林区天合老年公寓"])]
    assert without_places("西安市长安区福海老年公寓") == "福海老年公寓"
    assert without_places("福海老年公寓") == "福海老年公寓"  # 福海 is a county too: short names stay
    assert named_hit(homes, "福海老年公寓价格").record.id == "h0"
    assert named_hit(homes, "老年公寓价格") is None


def test_among_the_equally_sure_two_weighed_words_written_together_tell():
    """威海护理补贴: three records cover 护理 and 补贴 fully; the one writing 护理补贴 together answers."""
    hits = [sourced("assess", "建立能力评估制度，为明确护理、养老服务等补贴领取资格提供依据。", 1.0, "rules", ("护理", "补贴")),
            sourced("services", "失能老年人每月享受一定数额的护理补贴。", 1.0, "rules", ("护理", "补贴"))]
    assert answering_first(hits, None, "威海护理补贴")[0].record.id == "services"


def test_asked_of_no_place_the_countrys_equal_rule_answers_instead_of_a_question_back():
    from advisor.answers import _needs_region
    from index.search import Result
    from index.understand import Query

    def placed(ident: str, region: str, confidence: float, score: float) -> Hit:
        record = Record.from_dict({"id": ident, "kind": "policy", "title": ident, "text": "养老机构应当备案。",
                                   "region": region})
        return Hit(record, score, confidence, ("备案",), "")
    hits = [placed("hainan", "海南省", 0.78, 30.0), placed("hebei", "河北省", 0.78, 20.0),
            placed("national", "", 0.78, 10.0)]
    question = "养老院登记完了还要去哪儿备案"
    assert answering_first(hits, "office", question)[0].record.id == "national"
    assert not _needs_region(Result(Query(question, question, ("备案",)), hits))
    provinces_only = hits[:2] + [placed("zhejiang", "浙江省", 0.78, 15.0), placed("national", "", 0.5, 10.0)]
    assert _needs_region(Result(Query(question, question, ("备案",)), provinces_only))
