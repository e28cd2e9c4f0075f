"""Posting arrays: read once per segment, kept across index generations, same scores as fresh."""
import numpy as np
import pytest

from index import engine
from index.scoring import PostingArrays, SegmentCache, _read_blocks, _walk_postings
from index.search import FIELD_BOOSTS
from knowledge.records import Record

WORDS = ["养老", "服务", "长者饭堂", "泾源", "补贴", "没有这个词"]


def canteen(number):
    return Record.from_dict({"id": f"test-canteen-{number}", "kind": "service", "title": f"泾源：第{number}长寿食堂",
                             "text": f"泾源县第{number}长寿食堂每天中午供应老年餐，养老服务补贴由县民政局发放。",
                             "region": "泾源", "tags": ["长者饭堂"]})


def fresh_arrays(searcher):
    return PostingArrays(searcher.searcher.reader(), FIELD_BOOSTS)


def assert_same_scores(ours, fresh):
    assert ours.size == fresh.size and ours.doc_count == fresh.doc_count
    for word in WORDS:
        assert np.allclose(ours.dense(word), fresh.dense(word)), word


def test_blocks_decoded_with_numpy_equal_whooshs_own_walk(searcher):
    reader = searcher.searcher.reader()
    for leaf, _ in reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]:
        for word in ("养老", "南宁", "长者饭堂"):
            fast = _read_blocks(leaf._terms.matcher("body", word.encode(), leaf.schema["body"].format))
            slow = _walk_postings(leaf._terms.matcher("body", word.encode(), leaf.schema["body"].format))
            assert fast[0].tolist() == slow[0].tolist() and np.allclose(fast[1], slow[1])


def test_edits_keep_the_unchanged_segments_arrays_and_score_as_a_fresh_read(fresh_searcher):
    fresh_searcher.search("泾源长者饭堂有补贴吗")
    before = {segment_id for _, _, segment_id in fresh_searcher.postings.leaves}
    for number in range(3):
        fresh_searcher.store.put(canteen(number), "test")
        fresh_searcher.search("泾源长者饭堂有补贴吗")
    fresh_searcher.store.retire("test-canteen-1", "test")
    fresh_searcher.search("泾源长者饭堂有补贴吗")
    after = {segment_id for _, _, segment_id in fresh_searcher.postings.leaves}
    assert before <= after and fresh_searcher.postings.unseen_share < 0.1  # old segments carried over
    assert_same_scores(fresh_searcher.postings, fresh_arrays(fresh_searcher))
    assert not fresh_searcher.postings.live.all()  # the retired record is masked, not scored


def test_a_rebuild_forgets_the_old_segments(fresh_searcher):
    fresh_searcher.search("泾源长者饭堂有补贴吗")
    fresh_searcher.rebuild()
    cached = set(fresh_searcher._segments._segments)
    assert cached == {segment_id for _, _, segment_id in fresh_searcher.postings.leaves}
    assert_same_scores(fresh_searcher.postings, fresh_arrays(fresh_searcher))


def test_opening_reads_the_commonest_words_listed_at_build(fresh_searcher):
    hot = fresh_searcher.files.meta()["hot"]
    assert hot and hot[0][1] >= hot[-1][1] and hot[0][0] in ("养老", "老年", "服务")
    arrays = PostingArrays(fresh_searcher.searcher.reader(), FIELD_BOOSTS, SegmentCache())
    assert arrays.warm(10**9, hot) == len(hot) and set(arrays._terms) == {text for text, _ in hot}
    budget = PostingArrays(fresh_searcher.searcher.reader(), FIELD_BOOSTS, SegmentCache())
    assert budget.warm(hot[0][1], hot) == 1
    scanned = PostingArrays(fresh_searcher.searcher.reader(), FIELD_BOOSTS, SegmentCache())
    assert scanned.warm(engine.HOT_POSTINGS * scanned.size) == len(hot)  # an index without the list


def test_a_piece_of_a_question_word_covers_that_word_in_proportion():
    """五保 of 五保户: a record of 五保供养 covers the word more than the piece's own small weight
    would say, less than a record holding 五保户 itself."""
    from index.fit import coverage

    weights = {"五保户": 6.5, "五保": 3.5, "保户": 6.5, "政府": 1.0}
    whole = coverage(weights, ("五保户", "五保", "保户"), unknown_weight=7.6)
    piece = coverage(weights, ("五保",), unknown_weight=7.6)
    assert whole == pytest.approx(16.5 / 17.5)
    assert 3.5 / 17.5 < piece < whole and piece == pytest.approx(16.5 * 3.5 / 6.5 / 17.5)


def test_an_absent_word_weighs_no_more_at_100k_records_than_at_2k():
    """学学 and 唱歌 are in no record: at 1k records their idf is 5.8, at 100k 12.2, while 老年大学's
    hardly moves. The confidence of the same match must not sink as the knowledge grows."""
    from index.fit import RARITY_CAP, coverage

    def confidence(unknown_idf: float) -> float:
        weights = {"老年大学": 3.0, "大学": 3.0, "学学": unknown_idf, "唱歌": unknown_idf}
        return coverage(weights, ("老年大学", "大学"), unknown_weight=unknown_idf)
    assert confidence(12.2) == pytest.approx(confidence(RARITY_CAP), abs=1e-3)
    assert confidence(12.2) > 0.6
    assert confidence(5.8) > confidence(RARITY_CAP)  # below the cap, rarer still weighs more
