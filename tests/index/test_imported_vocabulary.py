"""Typos are corrected against the words of whatever is indexed, imported documents' words included."""
from __future__ import annotations

from index.search import Searcher
from knowledge.records import Record
from knowledge.store import Store


def body_record(n: int, text: str) -> Record:
    return Record.from_dict({"id": f"imp-{n}", "kind": "policy", "title": f"某县：第{n}条", "text": text,
                             "region": "浦北"})


def test_a_homophone_of_a_word_several_imported_records_use_is_corrected(tmp_path):
    store = Store.in_dir(tmp_path)
    for n, text in enumerate(["八十周岁以上发放高龄补助。", "高龄补助按月发放。", "高龄补助由县民政局审核。",
                              "社区养老服务中心提供助餐。", "日间照料中心提供午休。", "养老服务中心由街道运营。"]):
        store.put(body_record(n, text), "test")
    searcher = Searcher(store, tmp_path)
    (query,) = searcher.understand("浦北高令补助怎么领")
    assert query.corrections == {"高令": "高龄"}
    (query,) = searcher.understand("养老服务中新在哪")  # 中新: a word jieba lists, rare enough to be a typo
    assert query.corrections == {"中新": "中心"}
    (query,) = searcher.understand("我要去接到办事处")  # 接到: a common word, never 'corrected'
    assert query.corrections == {}


def test_a_near_sound_of_an_indexed_word_is_corrected_but_not_through_another_initial(tmp_path):
    """条列 (tiao lie) for 条例 (tiao li), 投述 (tou shu) for 投诉 (tou su): a pinyin IME's near
    miss. 人住 (ren zhu) is no 人数 (ren shu), nor 这合 (zhe he) 整合: another initial, a function word."""
    store = Store.in_dir(tmp_path)
    texts = ["本条例自2023年7月1日起施行。", "违反本条例的，依法处理。", "本条例所称老年人。",
             "老年人可以向老龄工作机构投诉。", "投诉应当及时处理。", "受理投诉的机构。",
             "按入住人数核定经费。", "人数较少的敬老院。", "统计服务人数。",
             "整合社区养老服务资源。", "整合医疗资源。", "资源整合。"]
    for n, text in enumerate(texts):
        store.put(body_record(n, text), "test")
    searcher = Searcher(store, tmp_path)
    assert searcher.understand("养老服务条列哪天施行")[0].corrections == {"条列": "条例"}
    assert searcher.understand("权益受了侵害去哪儿投述")[0].corrections == {"投述": "投诉"}
    assert "人数" not in searcher.understand("我妈一个人住在浦北")[0].corrections.values()
    assert "整合" not in searcher.understand("他们让我们自己带饭这合规矩吗")[0].corrections.values()


def test_an_institution_named_whole_is_never_corrected_though_jieba_cuts_it_into_characters(tmp_path):
    """中颐颐养园 is cut 中|颐|颐养|园: 中颐 would be taken for a typo of 中医, which records use."""
    store = Store.in_dir(tmp_path)
    for n, text in enumerate(["社区提供中医服务。", "开展中医保健。", "推广中医养生。", "中医上门服务。"]):
        store.put(body_record(n, text), "test")
    store.put(Record.from_dict({"id": "home-1", "kind": "service", "title": "中颐颐养园",
                                "text": "中颐颐养园。类型：民营；床位：1100张；收费：2500（元/月）", "region": "重庆"}), "test")
    searcher = Searcher(store, tmp_path)
    assert searcher.understand("重庆那个中颐颐养园一个月多少钱")[0].corrections == {}
