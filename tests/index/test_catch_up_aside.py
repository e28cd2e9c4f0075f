"""A bulk import is caught up aside: the searcher's caller (a worker's only advisor thread)
never replays it, never reads the new generation, and never waits for another process's write."""
from __future__ import annotations

import threading
import time

from index import engine, search
from knowledge.records import Record


def canteen(number: int) -> Record:
    return Record.from_dict({"id": f"bulk-{number}", "kind": "service", "title": f"泾源：第{number}号长寿食堂",
                             "text": f"泾源县第{number}号长寿食堂，每天中午供应老年餐。", "region": "泾源",
                             "tags": ["助老"]})


def ids(searcher, text: str) -> list[str]:
    return [hit.record.id for result in searcher.search(text) for hit in result.hits]


def test_a_refresh_does_not_wait_while_another_process_writes_the_index(fresh_searcher):
    ids(fresh_searcher, "泾源第1号长寿食堂")  # what a first search pays is not counted below
    fresh_searcher.store.put(canteen(1), "test")
    locked, release = threading.Event(), threading.Event()

    def other_writer():  # as if another process were building: its own open file, its own lock
        with fresh_searcher.files.write_lock():
            locked.set()
            release.wait(10)

    writer = threading.Thread(target=other_writer)
    writer.start()
    locked.wait(5)
    started = time.monotonic()
    found = ids(fresh_searcher, "泾源第1号长寿食堂")
    waited = time.monotonic() - started
    release.set()
    writer.join()
    assert waited < 5, f"the search waited {waited:.1f} s for another process's index write"
    assert "bulk-1" not in found  # the open generation served meanwhile
    assert "bulk-1" in ids(fresh_searcher, "泾源第1号长寿食堂")  # the next refresh catches up


def test_a_bulk_import_is_indexed_and_read_aside_while_the_old_generation_serves(fresh_searcher, monkeypatch):
    monkeypatch.setattr(search, "ASIDE_FROM", 3, raising=False)
    generation, seq = fresh_searcher.generation, fresh_searcher.seq
    with fresh_searcher.store.transaction():
        for number in range(5):
            fresh_searcher.store.put(canteen(number), "test")
    started = time.monotonic()
    assert ids(fresh_searcher, "泾源护理型床位改造多少钱")[0] == "jy-s-nursing-bed-renovation"
    assert time.monotonic() - started < 2  # no replay, no build, no reading on the caller's thread
    assert (fresh_searcher.generation, fresh_searcher.seq) == (generation, seq)
    assert engine.lag(fresh_searcher.store, fresh_searcher.files) == 5 and fresh_searcher.catching_up
    builder = fresh_searcher._builder[0]
    builder.join(120)
    assert builder.exitcode == 0 and engine.lag(fresh_searcher.store, fresh_searcher.files) == 0
    fresh_searcher.refresh()  # the index is current: its generation is read on a thread
    assert fresh_searcher.generation == generation and fresh_searcher._loading is not None
    fresh_searcher._loading.result(60)
    assert "bulk-3" in ids(fresh_searcher, "泾源第3号长寿食堂")  # swapped in by this search's refresh
    assert fresh_searcher.generation == generation + 1 and not fresh_searcher.catching_up
    assert fresh_searcher._builder[0] is builder  # one build for the whole import


def test_a_command_answers_from_an_index_brought_current(fresh_searcher, tmp_path, monkeypatch):
    """A server's searcher catches a bulk import up aside; `advisor search` may wait for it."""
    from click.testing import CliRunner

    from webhook.cli import main

    monkeypatch.setattr(search, "ASIDE_FROM", 3, raising=False)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    with fresh_searcher.store.transaction():
        for number in range(5):
            fresh_searcher.store.put(canteen(number), "test")
    result = CliRunner().invoke(main, ["search", "泾源第3号长寿食堂"], catch_exceptions=False)
    assert "bulk-3" in result.output
