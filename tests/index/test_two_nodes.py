"""Two nodes on one PostgreSQL (ADVISOR_DATABASE_URL), each with its own data dir and whoosh
index: what one node's store writes, the other's searcher finds once it has caught up from the
shared change log — a few changes at its next search, a bulk import aside (a process of its own
reading the records from PostgreSQL). The console's lexicon is shared too: a dictionary word or
a colloquial pair saved on one node is mirrored into every node's data dir and searched with."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from index import analysis, engine, search
from index.lexicon import Lexicon
from index.search import Searcher
from index.shared_lexicon import shared_of
from knowledge.cli import load_starter
from knowledge.store import Store
from tests.index.test_catch_up_aside import canteen, ids
from tests.index.test_lexicon import long_life_canteen

WITHIN = 10  # seconds a node may take to mirror another's lexicon save (it looks every second)


@pytest.fixture
def nodes(tmp_path, postgres_url):
    """(node A's store, node B's searcher): the shipped knowledge loaded once, into PostgreSQL."""
    node_a = Store.in_dir(tmp_path / "a", postgres_url)
    load_starter(node_a)
    node_b = Searcher(Store.in_dir(tmp_path / "b", postgres_url), tmp_path / "b")
    yield node_a, node_b
    node_b.store.close()
    node_a.close()


def test_an_edit_on_one_node_is_found_on_the_other(nodes):
    node_a, node_b = nodes
    assert "bulk-1" not in ids(node_b, "泾源第1号长寿食堂")
    node_a.put(canteen(1), "console:a")
    assert "bulk-1" in ids(node_b, "泾源第1号长寿食堂")
    node_a.retire("bulk-1", "console:a")
    assert "bulk-1" not in ids(node_b, "泾源第1号长寿食堂")
    assert node_b.seq == node_a.last_seq() and engine.lag(node_b.store, node_b.files) == 0


def test_a_bulk_import_on_one_node_is_caught_up_aside_on_the_other(nodes, monkeypatch):
    node_a, node_b = nodes
    monkeypatch.setattr(search, "ASIDE_FROM", 3, raising=False)
    with node_a.transaction():
        for number in range(5):
            node_a.put(canteen(number), "import")
    assert "bulk-3" not in ids(node_b, "泾源第3号长寿食堂")  # the open generation serves meanwhile
    deadline = time.monotonic() + 120  # a spawned interpreter builds it: seconds on a busy machine
    while "bulk-3" not in ids(node_b, "泾源第3号长寿食堂"):
        assert time.monotonic() < deadline, "node B's index never caught up with node A's import"
        time.sleep(0.2)
    assert node_b.records_seq == node_a.last_seq()


@pytest.fixture
def shipped_dictionary_afterwards():
    """jieba is one per process: put the shipped words back for the tests that follow."""
    yield
    analysis.use_dictionary(analysis.shipped_dictionary())


def shared_lexicon(store: Store, who: str) -> Lexicon:
    return Lexicon(store.path.parent, shared_of(store, f"console:{who}"))


def add_word(store: Store, word: str) -> None:
    lexicon = shared_lexicon(store, "a")
    lexicon.save_dictionary(lexicon.dictionary() + [word])


def test_a_dictionary_word_saved_on_one_node_rebuilds_the_other(nodes, shipped_dictionary_afterwards):
    node_a, node_b = nodes
    node_a.put(long_life_canteen(), "console:a")
    build = node_b.files.current.resolve()
    add_word(node_a, "长寿食堂")
    deadline = time.monotonic() + WITHIN
    while "长寿食堂" not in dict(node_b.dictionary):
        assert time.monotonic() < deadline, "node B never took up node A's dictionary word"
        node_b.search("泾源长寿食堂")
        time.sleep(0.2)
    assert ids(node_b, "泾源长寿食堂")[0] == "test-canteen"
    assert node_b.files.current.resolve() != build and "长寿食堂" in analysis.terms("泾源长寿食堂")
    assert "长寿食堂" in Lexicon(node_b.files.root.parent).dictionary()  # mirrored into B's data dir


def test_a_node_started_after_a_save_builds_with_it(nodes, tmp_path, postgres_url, shipped_dictionary_afterwards):
    node_a, _ = nodes
    node_a.put(long_life_canteen(), "console:a")
    add_word(node_a, "长寿食堂")
    with Store.in_dir(tmp_path / "c", postgres_url) as node_c:
        files = engine.IndexFiles(tmp_path / "c")
        engine.ensure_current(node_c, files)  # what `advisor serve` does before it answers
        assert "长寿食堂" in dict(files.dictionary())
        assert files.built_with(files.dictionary(), node_c.change_log)


def test_two_nodes_saving_at_once_both_keep_their_pair(nodes):
    """Each adds a pair to the lexicon it has: the second to save starts from the first's."""
    node_a, node_b = nodes
    both = threading.Barrier(2)

    def add(store: Store, who: str, spoken: str, written: str) -> None:
        lexicon = shared_lexicon(store, who)
        both.wait()
        lexicon.add_colloquial(spoken, written)

    with ThreadPoolExecutor(2) as pool:
        saves = [pool.submit(add, node_a, "a", "搓澡", "助浴"),
                 pool.submit(add, node_b.store, "b", "泡脚", "足浴")]
        for save in saves:
            save.result()  # a failed save fails the test
    for store in (node_a, node_b.store):
        lexicon = shared_lexicon(store, "reader")
        lexicon.follow()
        table = lexicon.colloquial_table()
        assert table["搓澡"] == ("助浴",) and table["泡脚"] == ("足浴",)


def test_an_override_kept_before_the_database_url_was_set_is_published(nodes, tmp_path, postgres_url):
    _, node_b = nodes
    Lexicon(tmp_path / "c").add_synonym("搓澡", "助浴")  # saved on node C while it ran on SQLite
    with Store.in_dir(tmp_path / "c", postgres_url) as node_c:
        shared_lexicon(node_c, "c").follow()
    deadline = time.monotonic() + WITHIN
    while not ids(node_b, "南宁哪里能搓澡"):
        assert time.monotonic() < deadline, "node B never took up node C's synonym"
        time.sleep(0.2)
