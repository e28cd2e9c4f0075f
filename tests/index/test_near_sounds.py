"""Which pinyin syllables count as near (模糊音 and one-letter finals), for typo correction."""
import pytest

from index.vocabulary import Vocabulary, near_syllables


@pytest.mark.parametrize("a, b", [("li", "lie"), ("su", "shu"), ("zi", "zhi"), ("lao", "nao"),
                                  ("jing", "jin"), ("heng", "hen"), ("tiao", "tiao")])
def test_near(a, b):
    assert near_syllables(a, b) and near_syllables(b, a)


@pytest.mark.parametrize("a, b", [("zhu", "shu"), ("ya", "yi"), ("ba", "pa"), ("li", "ma"), ("an", "ou")])
def test_not_near(a, b):
    assert not near_syllables(a, b)


def test_only_one_near_word_corrects():
    vocabulary = Vocabulary([], ["条例", "投诉", "投宿"])
    assert vocabulary.near_sound("条列") == "条例"
    assert vocabulary.near_sound("投述") is None  # 投诉 (su) and 投宿 (su) both sound near: no guess
    assert vocabulary.near_sound("条约") is None
