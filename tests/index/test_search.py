"""Search over the shipped knowledge: right record, right place, or honestly nothing."""
import multiprocessing
import os

import pytest

from index import engine
from knowledge.records import Record


def top_ids(searcher, question, limit=3):
    results = searcher.search(question, limit=limit)
    return [[h.record.id for h in r.hits] for r in results]


@pytest.mark.parametrize("question, expected", [
    ("南宁长者饭堂有补贴吗", "nn-sub-meal-operation"),
    ("泾源护理型床位改造多少钱", "jy-s-nursing-bed-renovation"),
    ("廣州有哪些旅居養老示範基地", "gd-bases-2021-guangzhou"),
    ("惠州的示范基地", "gd-bases-2021-huizhou"),
    ("泾原县老年养护院什么时候开始运营", "jy-i-county-nursing-home"),
    ("旅居养老交钱返利是骗局吗", "gd-coop-3-anti-fraud"),
])
def test_finds_the_record(searcher, question, expected):
    assert top_ids(searcher, question)[0][0] == expected


@pytest.mark.parametrize("question", ["今天天气怎么样", "上海的长者饭堂在哪", "成都有哪些旅居养老基地",
                                      "二甲双胍饭前吃还是饭后吃", "失独家庭有什么补助", ""])
def test_nothing_good_enough_means_no_hits(searcher, question):
    assert all(ids == [] for ids in top_ids(searcher, question))


@pytest.mark.parametrize("question, noise, kept", [
    ("俺听说广东跟湖南四川那几个省签了个养老协议", {"省签"}, {"协议"}),  # jieba's HMM guess, no word
    ("我是退休护士，能去泾源养老机构当志愿者吗", {"愿者"}, {"志愿", "志愿者"}),  # the compound still counts
    ("退休金怎么领", set(), {"退休", "退休金"}),  # a concept we lack is never noise
    ("咱家不是五保户，泾源的公办敬老院能收社会上的老人不", {"五保", "保户", "咱家"}, {"五保户", "公办"}),  # one word, once
])
def test_unknown_noise_is_no_evidence(searcher, question, noise, kept):
    weights = searcher.weights_of(searcher.understand(question)[0])
    assert not noise & set(weights) and kept <= set(weights), weights


@pytest.mark.parametrize("question", ["退休金怎么领", "嗯那个就是今天晚上有什么电视剧好看"])
def test_a_known_part_of_an_unknown_word_is_not_enough(searcher, question):
    assert top_ids(searcher, question) == [[]]  # 退休金 is not 退休, 电视剧 is not 电视


def test_which_department_is_answered_by_the_responsible_units(searcher):
    (ids,) = top_ids(searcher, "南宁老人助餐这块是哪几个部门负责")
    assert ids and all(searcher.records[i].units.get("responsible") for i in ids[:1])
    assert ids[0] in {"nn-m02-meal", "nn-sub-meal-operation", "nn-svc-meal"}


@pytest.mark.parametrize("city, prefix, other", [("南宁", "nn-", "jy-"), ("泾源", "jy-", "nn-")])
def test_a_city_never_gets_another_citys_numbers(searcher, city, prefix, other):
    for question in (f"{city}适老化改造", f"{city}老年大学", f"{city}有没有消费补贴"):
        for result in searcher.search(question):
            assert not any(h.record.id.startswith(other) for h in result.hits)
            if "补贴" not in question:  # 南宁's plan has no 消费补贴: nothing is the right answer there
                assert result.hits and result.hits[0].record.id.startswith(prefix)


def test_region_and_kind_options(searcher):
    (result,) = searcher.search("示范基地", kind="base", region="深圳")
    assert result.hits and {h.record.kind for h in result.hits} == {"base"}
    assert result.hits[0].record.region.short == "深圳"
    assert all(h.record.region.province == "广东省" for h in result.hits)  # 深圳 itself or 广东-wide


def test_hits_carry_snippet_with_matched_words(searcher):
    hit = searcher.search("泾源护理型床位改造")[0].hits[0]
    assert "【" in hit.snippet and 0.5 <= hit.confidence <= 1.0


def record(record_id="test-new", text="泾源县新开了一家长寿食堂，每天中午供应老年餐。", **changes):
    return Record.from_dict({"id": record_id, "kind": "service", "title": "泾源：长寿食堂", "text": text,
                             "region": "泾源", "tags": ["长寿食堂"]} | changes)


def test_add_edit_retire_reach_search_without_rebuild(fresh_searcher):
    build = fresh_searcher.files.current.resolve()
    fresh_searcher.store.put(record(), "test")
    assert top_ids(fresh_searcher, "泾源长寿食堂")[0][0] == "test-new"
    fresh_searcher.store.put(record(text="泾源县长寿食堂搬到了百泉路，每天中午供应老年餐。"), "test")
    assert "百泉路" in fresh_searcher.search("泾源长寿食堂")[0].hits[0].record.text
    fresh_searcher.store.retire("test-new", "test")
    assert "test-new" not in top_ids(fresh_searcher, "泾源长寿食堂")[0]
    assert fresh_searcher.files.current.resolve() == build  # updated in place, not rebuilt


def test_crash_mid_rebuild_leaves_the_old_index_serving(fresh_searcher, monkeypatch):
    before = fresh_searcher.files.current.resolve()

    def broken(_record):
        raise RuntimeError("power cut")

    monkeypatch.setattr(engine, "document", broken)
    with pytest.raises(RuntimeError):
        engine.rebuild(fresh_searcher.store, fresh_searcher.files)
    monkeypatch.undo()
    assert fresh_searcher.files.current.resolve() == before
    assert top_ids(fresh_searcher, "泾源护理型床位改造多少钱")[0][0] == "jy-s-nursing-bed-renovation"


def test_dictionary_change_triggers_rebuild(fresh_searcher, monkeypatch):
    before = fresh_searcher.files.current.resolve()
    monkeypatch.setattr(engine, "fingerprint", lambda *args: "changed")
    engine.ensure_current(fresh_searcher.store, fresh_searcher.files)
    assert fresh_searcher.files.current.resolve() != before


def test_index_from_an_older_schema_is_rebuilt(fresh_searcher):
    """An index written before a field existed (here: no stored words) must not serve searches."""
    files = fresh_searcher.files
    meta = files.meta()
    files.write_meta(files.current.resolve(), {k: v for k, v in meta.items() if k != "fingerprint"})
    before = files.current.resolve()
    engine.ensure_current(fresh_searcher.store, files)
    assert files.current.resolve() != before and files.meta()["fingerprint"] == engine.fingerprint()


def _write_and_search(data_dir, worker, queue):
    from index.search import Searcher
    from knowledge.store import Store

    store = Store.in_dir(data_dir)
    searcher = Searcher(store, data_dir)
    errors = 0
    for n in range(8):
        try:
            store.put(record(f"w{worker}-{n}", text=f"泾源第{worker}号长寿食堂{n}号窗口供应老年餐。"), f"worker{worker}")
            searcher.search("泾源长寿食堂")
        except Exception as error:  # report, do not hide: the assertion below names it
            errors += 1
            queue.put(repr(error))
    queue.put(errors)


@pytest.mark.slow
def test_several_processes_write_and_search_without_lock_errors(fresh_searcher):
    data_dir = fresh_searcher.files.root.parent
    queue = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(target=_write_and_search, args=(str(data_dir), w, queue))
             for w in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    outcomes = [queue.get(timeout=5) for _ in range(2)]
    assert outcomes == [0, 0], outcomes
    fresh_searcher.refresh()
    found = {h.record.id for h in fresh_searcher.search("泾源长寿食堂", limit=20)[0].hits}
    assert {"w0-7", "w1-7"} <= found
    assert os.path.exists(fresh_searcher.files.current)
