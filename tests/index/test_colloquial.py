"""The colloquial lexicon: how people say it (交钱) finds how documents write it (收费), one way."""
from __future__ import annotations

import pytest

from index import analysis
from index.lexicon import Lexicon
from index.synonyms import Synonyms
from index.understand import _content_terms
from knowledge.records import Record


@pytest.fixture(autouse=True)
def shipped_dictionary_afterwards():
    yield
    analysis.use_dictionary(analysis.shipped_dictionary())


def fee_record() -> Record:
    return Record.from_dict({"id": "test-fee", "kind": "policy", "title": "泾源：老年人优待证办理",
                             "text": "办理老年人优待证不收费，当场发放。", "region": "泾源"})


def ids(searcher, question):
    return [h.record.id for result in searcher.search(question) for h in result.hits]


def confidence(searcher, question, record_id):
    return next((h.confidence for r in searcher.search(question) for h in r.hits if h.record.id == record_id), 0.0)


def test_a_spoken_phrase_finds_the_written_word_after_a_save(fresh_searcher, tmp_path):
    fresh_searcher.store.put(fee_record(), "test")
    Lexicon(tmp_path).save_colloquial_pairs(["交钱 → 缴费"])
    before = confidence(fresh_searcher, "泾源办优待证要交钱吗", "test-fee")
    Lexicon(tmp_path).save_colloquial_pairs(["交钱 → 收费 缴费"])
    after = confidence(fresh_searcher, "泾源办优待证要交钱吗", "test-fee")
    assert after == 1.0 > before


def test_the_mapping_is_one_way():
    table = Synonyms.from_groups([], [("交钱", ("收费",))])
    assert ("收费", 0.6) in table.expand("交钱")
    assert table.expand("收费") == [("收费", 1.0)]


def test_a_spoken_phrase_stays_one_term_however_jieba_cuts_it():
    found = _content_terms("养老院每个月要交钱吗", frozenset({"交钱"}))
    assert "交钱" in found and "钱" not in found


@pytest.mark.parametrize("lines, message", [
    (["交钱 缴费"], "第1行"),
    (["交钱 → 缴费", "→ 收费"], "第2行"),
])
def test_a_line_without_its_arrow_is_refused_with_its_number(tmp_path, lines, message):
    with pytest.raises(ValueError, match=message):
        Lexicon(tmp_path).save_colloquial_pairs(lines)


def test_the_shipped_lexicon_parses_entirely():
    lexicon = Lexicon("/nonexistent-data-dir")
    path = lexicon.path("colloquial.txt")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert len(lexicon.colloquial_pairs()) == len(lines) >= 300
