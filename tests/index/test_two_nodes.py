"""Two nodes on one PostgreSQL (ADVISOR_DATABASE_URL), each with its own data dir and whoosh
index: what one node's store writes, the other's searcher finds once it has caught up from the
shared change log — a few changes at its next search, a bulk import aside (a process of its own
reading the records from PostgreSQL)."""
from __future__ import annotations

import time

import pytest

from index import engine, search
from index.search import Searcher
from knowledge.cli import load_starter
from knowledge.store import Store
from tests.index.test_catch_up_aside import canteen, ids


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
