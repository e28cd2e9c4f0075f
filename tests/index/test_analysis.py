import unicodedata

import pytest
import zhconv
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT

from index.analysis import ChineseAnalyzer, ChineseText, normalize, terms
from index.engine import make_schema


def test_positions_are_real_and_increasing():
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in ChineseAnalyzer()("南宁长者饭堂有补贴", positions=True, chars=True)]
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    assert ("长者饭堂", 3, 2, 6) in tokens or any(t[0] == "长者饭堂" and t[2:] == (2, 6) for t in tokens)


@pytest.mark.parametrize("word", ["适老化改造", "长者饭堂", "家庭养老床位", "护理型床位", "旅居养老", "医养结合", "安宁疗护", "公建民营"])
def test_domain_words_stay_whole(word):
    assert word in terms(f"请问{word}怎么申请")


@pytest.mark.parametrize("written, expected", [
    ("養老院補貼", "养老院补贴"), ("ＡＢＣ１２３", "abc123"), ("適老化改造", "适老化改造"),
])
def test_normalisation_both_sides(written, expected):
    assert normalize(written) == expected


def test_filler_is_dropped_but_content_kept():
    found = terms("请问一下我想问问有没有长者饭堂吗")
    assert "长者饭堂" in found
    assert not {"请问", "一下", "有没有", "吗"} & set(found)


def test_traditional_and_simplified_questions_analyse_alike():
    assert terms("廣州有哪些旅居養老示範基地") == terms("广州有哪些旅居养老示范基地")


def test_schema_and_query_share_one_analyzer_type():
    schema = make_schema()
    kinds = {type(schema[name].analyzer).__name__ for name in ("title", "tags", "body")}
    assert kinds == {"CompositeAnalyzer"}
    assert type(schema["body"].analyzer.items[0]).__name__ == "ChineseTokenizer"


# -- the fast paths give exactly what the plain ones give ---------------------------------------
# Chinese (simplified and traditional), letters, digits, jieba's in-block symbols, punctuation,
# spaces and line breaks, full-width forms, characters outside jieba's blocks (〇, kana) and
# beyond the BMP: everything that decides where jieba's blocks and zhconv's matches end.
ALPHABET = st.sampled_from(list("养老院補貼長者飯堂适老化改造泾源南宁的了吗请问执行长著乾沖陞營運")
                           + list("abcXYZ019+#&._%-，。、；：？！（）“” \n\r\t") + list("ＡＢ１２〇ゃ𠀀½"))
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_terms_are_the_analyzers_tokens(text):
    assert terms.__wrapped__(text) == tuple(token.text for token in ChineseAnalyzer()(text))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_normalize_by_runs_equals_converting_the_whole_text(text):
    assert normalize.__wrapped__(text) == zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn").lower()


def test_chinese_text_indexes_what_the_analyzer_pipeline_would():
    text = "南宁市民政局负责长者饭堂补贴；南宁市民政局负责。請問養老院補貼，适老化改造 abc 100%"
    for boost in (1.0, 3.0):
        ours = ChineseText(analyzer=ChineseAnalyzer(), field_boost=boost, phrase=False)
        plain = TEXT(analyzer=ChineseAnalyzer(), field_boost=boost, phrase=False)
        assert sorted(ours.index(text)) == sorted(plain.index(text))
