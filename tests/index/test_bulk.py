"""The full build's own parallel segment writer (index/bulk.py)."""
from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from index import bulk, engine
from index.search import Searcher
from knowledge.cli import load_starter
from knowledge.store import Store


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    store = Store.in_dir(tmp_path_factory.mktemp("bulk"))
    load_starter(store)
    found = [stored.record for stored in store.list()]
    store.close()
    return found


def build(path, records, processes):
    path.mkdir(exist_ok=True)
    ix = whoosh_index.create_in(str(path), engine.make_schema())
    bulk.write_segments(ix, records, engine.document, engine._build_codec(), processes)
    return whoosh_index.open_dir(str(path))


def postings(ix) -> dict:
    """(field, term) → {(record id, weight)}: what scoring reads, independent of doc numbers."""
    found: dict = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
        for field in (*engine.TEXT_FIELDS, "id", "kind", "region", "region_exact"):
            for term in reader.lexicon(field):
                matcher = reader.postings(field, term)
                found[field, term] = {(ids[docnum], weight) for docnum, weight in matcher.items_as("weight")}
    return found


def term_statistics(ix) -> dict:
    """(field, term) → total weight, document frequency and highest weight, as each term's info
    in the terms table says (the blocks' own statistics are summed into it)."""
    with ix.reader() as reader:
        return {(field, term): (info.weight(), info.doc_frequency(), info.max_weight())
                for field, term in reader.all_terms() for info in [reader.term_info(field, term)]}


def test_two_processes_index_exactly_what_one_does(tmp_path, records):
    alone = build(tmp_path / "one", records, processes=1)
    parallel = build(tmp_path / "two", records, processes=2)
    assert len(parallel._segments()) == 2 and len(alone._segments()) == 1
    assert parallel.doc_count() == alone.doc_count() == len(records)
    assert postings(parallel) == postings(alone)
    assert len(postings(alone)) > 3000


def test_no_records_make_an_empty_index_that_searches(tmp_path):
    ix = build(tmp_path, [], processes=2)
    assert ix.doc_count() == 0
    searcher = Searcher(Store.in_dir(tmp_path / "data"), tmp_path / "data")
    assert searcher.search("长者饭堂")[0].hits == []


@pytest.mark.parametrize("count, processes, per_segment", [
    (0, 2, 50), (1, 2, 50), (3, 2, 50), (166, 2, 50), (166, 1, 50), (1000, 2, 300), (100_001, 2, 50_000),
])
def test_parts_cover_every_record_once_within_the_segment_size(count, processes, per_segment, monkeypatch):
    monkeypatch.setattr(bulk, "SEGMENT_RECORDS", per_segment)
    parts = bulk._parts(count, processes)
    shares = [range(count)[first::parts] for first in range(parts)]
    assert sorted(i for share in shares for i in share) == list(range(count))
    assert all(0 < len(share) <= per_segment for share in shares)
    if count >= processes:
        assert parts % processes == 0


def test_a_failure_in_a_building_process_fails_the_build_and_the_old_index_serves(fresh_searcher, monkeypatch):
    before = fresh_searcher.files.current.resolve()

    def broken(record):
        if record.kind == "base":
            raise RuntimeError("disk full")
        return engine_document(record)

    engine_document = engine.document
    monkeypatch.setattr(engine, "PARALLEL_FROM", 1)
    monkeypatch.setattr(engine, "document", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        engine.rebuild(fresh_searcher.store, fresh_searcher.files)
    assert fresh_searcher.files.current.resolve() == before
    assert sorted(p.name for p in fresh_searcher.files.root.glob("build-*")) == [before.name]


def test_edits_after_a_parallel_build_reach_the_index(fresh_searcher, monkeypatch):
    monkeypatch.setattr(engine, "PARALLEL_FROM", 1)
    engine.rebuild(fresh_searcher.store, fresh_searcher.files)
    assert len(fresh_searcher.files.open()._segments()) == engine.PROCESSES
    record = fresh_searcher.store.get("jy-s-nursing-bed-renovation").record
    fresh_searcher.store.put(record.with_changes(title=record.title + "（紫藤花园试点）"), actor="test")
    fresh_searcher.refresh()
    assert fresh_searcher.search("紫藤花园试点")[0].hits[0].record.id == record.id


def test_the_bulk_writer_writes_what_whooshs_own_writer_writes(tmp_path, records):
    """Block by block (terms with more postings than a block holds included) as whoosh's
    SegmentWriter with its posting pool and one add_posting per posting."""
    ours = build(tmp_path / "ours", records, processes=1)
    (tmp_path / "whoosh").mkdir()
    plain = whoosh_index.create_in(str(tmp_path / "whoosh"), engine.make_schema())
    writer = plain.writer(codec=engine._build_codec())
    for record in records:
        writer.add_document(**engine.document(record))
    writer.commit()
    assert postings(ours) == postings(plain)
    assert term_statistics(ours) == term_statistics(plain)
    with ours.reader() as reader:
        assert max(reader.doc_frequency("body", term) for term in reader.lexicon("body")) > 128
