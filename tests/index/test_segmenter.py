"""jieba-rs (rjieba) cuts as Python jieba does on every real text the project has.

Both index and questions are cut by `analysis.block_tokens` (jieba-rs), so they always agree with
each other; these tests hold it to Python jieba's own cut, the reference, on the shipped
knowledge, the question sets and the seed documents — with the shipped dictionary and with a
data dir's dictionary that re-weights words jieba already has. (On contrived strings such as
养南南南养 the two HMMs may break a tie differently; no real text here does.)
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import jieba
import pytest

from index import analysis
from index.engine import text_fields
from knowledge.cli import STARTER_DIR, load_starter
from knowledge.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"


def blocks_of(texts) -> list[str]:
    found = {part for text in texts for part in analysis._BLOCK.split(analysis.normalize.__wrapped__(text))}
    return sorted(part for part in found if analysis._BLOCK.match(part))


def python_jieba_words(block: str) -> list[str]:
    return [word for word, _, _ in jieba.tokenize(block, mode="search")]


def ours(block: str) -> list[str]:
    return [word for word, _, _ in analysis.block_tokens(block)]


@pytest.fixture(scope="module")
def knowledge_texts(tmp_path_factory) -> list[str]:
    store = Store.in_dir(tmp_path_factory.mktemp("segmenter"))
    load_starter(store)
    texts = [text for stored in store.list() for text in text_fields(stored.record).values()]
    store.close()
    assert len(texts) >= 3 * len(list(STARTER_DIR.glob("*.json")))
    return texts


def question_texts() -> list[str]:
    return [json.loads(line)["q"] for name in ("devset.jsonl", "heldout.jsonl")
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def assert_same_cut(texts) -> None:
    analysis.ensure_jieba()
    blocks = blocks_of(texts)
    assert len(blocks) > 300
    differing = [(b, python_jieba_words(b), ours(b)) for b in blocks if python_jieba_words(b) != ours(b)]
    assert differing == []


def test_the_shipped_knowledge_is_cut_as_jieba_cuts_it(knowledge_texts):
    assert_same_cut(knowledge_texts)


def test_questions_are_cut_as_jieba_cuts_them():
    assert_same_cut(question_texts())


def test_seed_documents_are_cut_as_jieba_cuts_them(seeds):
    assert_same_cut(path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt")))


def test_a_data_dirs_dictionary_reaches_both_cutters(knowledge_texts):
    """Words jieba has already, re-weighted (as a console edit may), and a new one."""
    analysis.ensure_jieba()
    rng = random.Random(7)
    known = sorted(word for word, freq in jieba.dt.FREQ.items() if freq and len(word) > 1)
    reweighted = tuple((word, rng.randint(1, 200_000)) for word in rng.sample(known, 2000))
    try:
        analysis.use_dictionary(analysis.shipped_dictionary() + reweighted + (("泾源长者食堂", 3000),))
        assert "泾源长者食堂" in ours("去泾源长者食堂吃饭")
        assert_same_cut(knowledge_texts + question_texts())
    finally:
        analysis.use_dictionary(analysis.shipped_dictionary())
    assert "泾源长者食堂" not in ours("去泾源长者食堂吃饭")


@pytest.mark.parametrize("block, words", [
    ("咨询电话0771-5551234", ["咨询", "电话", "咨询电话", "0771", "-", "5551234"]),
    ("每月补贴1-2次", ["每月", "补贴", "1", "-", "2", "次"]),
    ("补助2.5%", ["补助", "2.5%"]),
])
def test_letters_digits_and_signs_no_dictionary_holds_are_split_as_jieba_splits_them(block, words):
    analysis.ensure_jieba()
    assert ours(block) == python_jieba_words(block) == words


def test_token_offsets_point_at_the_words():
    analysis.ensure_jieba()
    text = "南宁长者饭堂 有补贴\r\n咨询电话0100-68333800。〇"
    tokens = list(analysis._text_tokens(text))
    assert all(text[start:end] == word for word, start, end in tokens)
    assert [word for word, _, _ in tokens] == [word for word, _, _ in jieba.tokenize(text, mode="search")]
