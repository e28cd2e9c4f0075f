import pytest

from index.analysis import ChineseAnalyzer, normalize, terms
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
