"""The console-editable dictionary and synonyms: saved per data dir, picked up by every searcher."""
import multiprocessing

import jieba
import pytest

from index import analysis, search
from index.lexicon import Lexicon
from knowledge.records import Record


@pytest.fixture(autouse=True)
def shipped_dictionary_afterwards():
    """jieba is one per process: put the shipped words back for the tests that follow."""
    yield
    analysis.use_dictionary(analysis.shipped_dictionary())


def ids(searcher, question):
    return [h.record.id for result in searcher.search(question) for h in result.hits]


def long_life_canteen(text="泾源县新开了一家长寿食堂，每天中午供应老年餐。"):
    return Record.from_dict({"id": "test-canteen", "kind": "service", "title": "泾源：新开的助老餐点",
                             "text": text, "region": "泾源", "tags": ["助老"]})


def test_shipped_files_until_something_is_saved(tmp_path):
    lexicon = Lexicon(tmp_path)
    assert "长者饭堂" in lexicon.dictionary()
    assert any("老年食堂" in group for group in lexicon.synonym_groups())
    before = lexicon.stamp()
    lexicon.add_synonym("搓澡", "助浴")
    assert lexicon.stamp() != before
    assert (tmp_path / "lexicon" / "synonyms.txt").exists()
    assert not list((tmp_path / "lexicon").glob("*.tmp"))  # written aside, then renamed


def test_saving_a_synonym_finds_the_record_at_the_next_search(fresh_searcher):
    assert ids(fresh_searcher, "南宁哪里能搓澡") == []
    build = fresh_searcher.files.current.resolve()
    Lexicon(fresh_searcher.files.root.parent).add_synonym("搓澡", "助浴")
    found = ids(fresh_searcher, "南宁哪里能搓澡")
    assert found and all(fresh_searcher.records[i].region.short in ("南宁", "广西") for i in found[:1])
    assert fresh_searcher.files.current.resolve() == build  # synonyms need no rebuild


def test_add_synonym_joins_the_group_of_the_other_word(tmp_path):
    lexicon = Lexicon(tmp_path)
    lexicon.add_synonym("饭馆", "老年食堂")
    group = next(g for g in lexicon.synonym_groups() if "饭馆" in g)
    assert {"长者饭堂", "老年食堂", "助餐点"} <= set(group)
    lexicon.add_synonym("饭馆", "老年食堂")  # again: nothing changes
    assert sum("饭馆" in g for g in lexicon.synonym_groups()) == 1
    lexicon.add_synonym("托老所", "日间照料")
    assert ["日间照料", "托老所"] in lexicon.synonym_groups()


def test_a_dictionary_word_rebuilds_the_index_and_keeps_serving(fresh_searcher):
    fresh_searcher.store.put(long_life_canteen(), "test")
    assert "长寿食堂" not in analysis.terms("长寿食堂")
    build = fresh_searcher.files.current.resolve()
    lexicon = Lexicon(fresh_searcher.files.root.parent)
    lexicon.save_dictionary(lexicon.dictionary() + ["长寿食堂"])
    assert ids(fresh_searcher, "泾源长寿食堂")[0] == "test-canteen"
    assert fresh_searcher.files.current.resolve() != build  # rebuilt aside and swapped in
    assert "长寿食堂" in analysis.terms("泾源长寿食堂") and fresh_searcher.vocabulary.knows("长寿食堂")
    assert ids(fresh_searcher, "泾源护理型床位改造多少钱")[0] == "jy-s-nursing-bed-renovation"
    assert dict(lexicon.dictionary_entries())["适老化改造"] == 2000  # kept words keep their frequency


def test_while_another_process_rebuilds_the_old_index_keeps_serving(fresh_searcher):
    lexicon = Lexicon(fresh_searcher.files.root.parent)
    build = fresh_searcher.files.current.resolve()
    lexicon.save_dictionary(lexicon.dictionary() + ["长寿食堂"])
    with fresh_searcher.files.write_lock():  # as if another process were rebuilding
        assert ids(fresh_searcher, "泾源护理型床位改造多少钱")[0] == "jy-s-nursing-bed-renovation"
        assert fresh_searcher.files.current.resolve() == build
        assert "长寿食堂" not in analysis.terms("长寿食堂")
    fresh_searcher.search("泾源长寿食堂")
    assert fresh_searcher.files.current.resolve() != build
    assert "长寿食堂" in analysis.terms("长寿食堂")


def test_a_large_store_rebuilds_in_a_process_of_its_own_while_the_old_index_serves(fresh_searcher, monkeypatch):
    """Past BACKGROUND_FROM records a rebuild takes longer than a request may: the refresh
    starts it in a spawned process and returns at once; a later refresh switches."""
    monkeypatch.setattr(search, "BACKGROUND_FROM", 1)
    fresh_searcher.store.put(long_life_canteen(), "test")
    fresh_searcher.refresh()
    build = fresh_searcher.files.current.resolve()
    lexicon = Lexicon(fresh_searcher.files.root.parent)
    lexicon.save_dictionary(lexicon.dictionary() + ["长寿食堂"])
    fresh_searcher.refresh()
    builder, table = fresh_searcher._builder[0], fresh_searcher.synonyms
    assert builder.name == "advisor-rebuild"
    assert "长寿食堂" not in analysis.terms("长寿食堂")  # questions still cut like the serving index
    assert ids(fresh_searcher, "泾源护理型床位改造多少钱")[0] == "jy-s-nursing-bed-renovation"
    assert fresh_searcher.synonyms is table  # not reloaded on every search while the build runs (the answer cache keeps)
    builder.join(120)
    assert builder.exitcode == 0 and fresh_searcher.files.current.resolve() != build
    assert ids(fresh_searcher, "泾源长寿食堂")[0] == "test-canteen"
    assert "长寿食堂" in analysis.terms("长寿食堂") and fresh_searcher._builder[0] is builder  # one build, not one per search
    lexicon.save_dictionary(lexicon.dictionary() + ["托老所"])  # a new change at once: a new build, no retry wait
    fresh_searcher.refresh()
    second = fresh_searcher._builder[0]
    assert second is not builder
    second.join(120)
    assert second.exitcode == 0
    fresh_searcher.refresh()
    assert "托老所" in analysis.terms("泾源托老所")


def _other_process(data_dir, ready, go, queue):
    from index import analysis
    from index.search import Searcher
    from knowledge.store import Store

    searcher = Searcher(Store.in_dir(data_dir), data_dir)
    ready.set()
    go.wait(60)
    found = [h.record.id for r in searcher.search("泾源长寿食堂") for h in r.hits]
    queue.put((found, "长寿食堂" in analysis.terms("长寿食堂"), str(searcher.files.current.resolve())))


def test_another_process_picks_up_a_saved_dictionary(fresh_searcher):
    context = multiprocessing.get_context("spawn")
    data_dir = str(fresh_searcher.files.root.parent)
    fresh_searcher.store.put(long_life_canteen(), "test")
    ready, go, queue = context.Event(), context.Event(), context.Queue()
    other = context.Process(target=_other_process, args=(data_dir, ready, go, queue))
    other.start()
    try:
        assert ready.wait(60)
        lexicon = Lexicon(data_dir)
        lexicon.save_dictionary(lexicon.dictionary() + ["长寿食堂"])
        fresh_searcher.refresh()  # this process rebuilds; the other one finds the new index built
        go.set()
        found, whole, build = queue.get(timeout=60)
    finally:
        other.join(30)
    assert found[:1] == ["test-canteen"] and whole
    assert build == str(fresh_searcher.files.current.resolve())


def test_switching_dictionaries_leaves_jieba_as_a_fresh_process_would():
    shipped = analysis.shipped_dictionary()
    analysis.use_dictionary(shipped)
    before = (jieba.dt.total, jieba.dt.FREQ.get("长寿食堂"), jieba.dt.FREQ.get("长者饭堂"), jieba.dt.FREQ.get("长寿食"))
    analysis.use_dictionary(shipped + (("长寿食堂", 1000), ("长者饭堂", 5)))
    assert analysis.terms("长寿食堂")[-1] == "长寿食堂"
    analysis.use_dictionary(shipped)
    after = (jieba.dt.total, jieba.dt.FREQ.get("长寿食堂"), jieba.dt.FREQ.get("长者饭堂"), jieba.dt.FREQ.get("长寿食"))
    assert after == before and before[1] is None


@pytest.mark.parametrize("groups, message", [
    ([["养老院", ""]], "empty"),
    ([["养老院", "敬 老院"]], "spaces"),
    ([["养老院"]], "two different words"),
    ([["养老院", "养老院"]], "two different words"),
    ([["养老院", "敬老院"], ["敬老院", "福利院"]], "groups 1 and 2"),
    ([["養老院", "敬老院"], ["养老院", "福利院"]], "groups 1 and 2"),  # the same word once simplified
    ([["养老院", "敬老院（公办）"]], "only Chinese"),
    (["养老院 敬老院"], "must be a list"),
])
def test_bad_synonym_groups_are_refused(tmp_path, groups, message):
    with pytest.raises(ValueError, match=message):
        Lexicon(tmp_path).save_synonym_groups(groups)
    assert not (tmp_path / "lexicon" / "synonyms.txt").exists()


@pytest.mark.parametrize("words, message", [
    (["长寿食堂", ""], "empty"),
    (["长寿 食堂"], "spaces"),
    (["长寿食堂 很多"], "spaces"),
    (["长寿食堂！"], "only Chinese"),
    (["很" * 30], "longer than"),
])
def test_bad_dictionary_words_are_refused(tmp_path, words, message):
    with pytest.raises(ValueError, match=message):
        Lexicon(tmp_path).save_dictionary(words)


def test_add_synonym_refuses_a_word_for_itself_and_a_word_of_another_group(tmp_path):
    lexicon = Lexicon(tmp_path)
    with pytest.raises(ValueError, match="its own synonym"):
        lexicon.add_synonym("敬老院", "敬老院")
    with pytest.raises(ValueError, match="groups"):
        lexicon.add_synonym("敬老院", "长者饭堂")  # 敬老院 already belongs with 养老院


def test_dictionary_entries_may_carry_a_frequency_and_are_normalised(tmp_path):
    lexicon = Lexicon(tmp_path)
    lexicon.save_dictionary(["長壽食堂 1500 n", "托老服务", "托老服务"])
    assert lexicon.dictionary_entries() == (("长寿食堂", 1500), ("托老服务", 1000))


def test_split_synonyms_are_reported(tmp_path):
    lexicon = Lexicon(tmp_path)
    lexicon.save_synonym_groups([["老人公寓", "养老院"]])
    assert lexicon.split_words() == ["老人公寓"]
