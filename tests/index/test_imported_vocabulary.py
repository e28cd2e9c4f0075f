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
