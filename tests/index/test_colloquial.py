"""The colloquial lexicon: how people say it (交钱) finds how documents write it (收费), one way."""
from __future__ import annotations

import pytest

from index import analysis
from index.lexicon import Lexicon
from index.synonyms import Synonyms, idle_words
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


# -- one pair at a time (the console's list) ----------------------------------------------------
def test_adding_changing_and_removing_one_pair_keeps_the_rest_of_the_file(tmp_path):
    lexicon = Lexicon(tmp_path)
    shipped = lexicon.path("colloquial.txt").read_text(encoding="utf-8").splitlines()
    assert lexicon.add_colloquial("搓澡", "助浴、洗浴 助浴") == ("搓澡", ("助浴", "洗浴"))
    assert lexicon.change_colloquial("交钱", "交钱", "缴费") == (("交钱", ("缴费", "收费", "缴纳")), ("交钱", ("缴费",)))
    assert lexicon.remove_colloquial("搓澡") == ("搓澡", ("助浴", "洗浴"))
    saved = (tmp_path / "lexicon" / "colloquial.txt").read_text(encoding="utf-8").splitlines()
    assert saved[0].startswith("# 口语→书面语（控制台编辑）")
    assert saved[1:] == [("交钱 → 缴费" if line.startswith("交钱 →") else line) for line in shipped]  # headings kept
    assert len(lexicon.colloquial_table()) == len(shipped_pairs := Lexicon("/nonexistent").colloquial_pairs())
    assert lexicon.colloquial_table()["交钱"] == ("缴费",) and len(shipped_pairs) > 1000


def test_a_renamed_phrase_replaces_every_line_it_had(tmp_path):
    lexicon = Lexicon(tmp_path)
    lexicon.save_colloquial_pairs(["交钱 → 缴费", "看病 → 就医", "交钱 → 收费"])  # a hand-edited file
    assert lexicon.colloquial_table()["交钱"] == ("缴费", "收费")
    lexicon.change_colloquial("交钱", "缴钱", "缴费 收费")
    assert lexicon.colloquial_pairs() == [("缴钱", ("缴费", "收费")), ("看病", ("就医",))]


@pytest.mark.parametrize("spoken, written, message", [
    ("", "缴费", "口语说法不能为空"),
    ("交款", " ，、", "书面写法不能为空"),
    ("交款", "交款", "口语说法和书面写法一样"),
    ("交 款", "缴费", "词里不能有空格"),
    ("交款?", "缴费", "只能含汉字、字母和数字"),
    ("交钱", "缴费", "已经在口语词表里了"),
    ("交錢", "缴费", "已经在口语词表里了"),  # the same phrase in traditional script
])
def test_a_bad_pair_is_refused_and_nothing_is_written(tmp_path, spoken, written, message):
    with pytest.raises(ValueError, match=message):
        Lexicon(tmp_path).add_colloquial(spoken, written)
    assert not (tmp_path / "lexicon" / "colloquial.txt").exists()


def test_changing_onto_another_phrase_or_a_gone_one_is_refused(tmp_path):
    lexicon = Lexicon(tmp_path)
    with pytest.raises(ValueError, match="“交费”已经在口语词表里了"):
        lexicon.change_colloquial("交钱", "交费", "缴费")
    with pytest.raises(ValueError, match="已不在口语词表里"):
        lexicon.change_colloquial("不存在的说法", "不存在的说法", "缴费")
    with pytest.raises(ValueError, match="已不在口语词表里"):
        lexicon.remove_colloquial("不存在的说法")
    assert not (tmp_path / "lexicon" / "colloquial.txt").exists()


def test_words_no_search_can_use_are_named():
    analysis.use_dictionary(analysis.shipped_dictionary())
    assert idle_words("交钱", ("收费", "钱乙")) == ["钱乙"]  # 钱 + 乙: no term, too short to look for word for word
    assert idle_words("交钱", ("收费", "老年人优待证")) == []  # cut into 老年人 + 优待证, looked for word for word
    assert idle_words("看病花钱", ("医疗",)) == []  # 看病 + 花钱: its longest word stands for it
    assert idle_words("搓澡", ("助浴",)) == []


def test_a_written_form_cut_apart_is_found_word_for_word(fresh_searcher, tmp_path):
    """低保 → 最低生活保障: the analyzer cuts the written form into 最低 + 生活 + 保障, so no index
    term stands for it; a record writing it whole covers 低保 all the same."""
    fresh_searcher.store.put(Record.from_dict({
        "id": "test-income", "kind": "policy", "title": "泾源：补贴不算收入",
        "text": "本办法规定的养老服务补贴不计入城乡最低生活保障家庭收入。", "region": "泾源"}), "test")
    Lexicon(tmp_path).save_colloquial_pairs(["低保 → 最低生活保障"])
    hits = {h.record.id: h for r in fresh_searcher.search("泾源养老服务补贴算低保家庭收入吗") for h in r.hits}
    assert "低保" in hits["test-income"].matched


def test_a_spoken_phrase_cut_into_words_finds_its_written_forms_through_its_longest_word(fresh_searcher, tmp_path):
    """做不动饭 is cut into 做 + 不动 + 不动饭: it cannot stand whole, but 不动饭 stands for it and finds
    the written 送餐 of a record that says nothing of cooking."""
    fresh_searcher.store.put(Record.from_dict({
        "id": "test-meals", "kind": "service", "title": "泾源：送餐上门",
        "text": "为居家老年人提供送餐上门服务。", "region": "泾源"}), "test")
    before = confidence(fresh_searcher, "泾源老人做不动饭了怎么办", "test-meals")
    Lexicon(tmp_path).save_colloquial_pairs(["做不动饭 → 送餐 助餐"])
    assert confidence(fresh_searcher, "泾源老人做不动饭了怎么办", "test-meals") > before
