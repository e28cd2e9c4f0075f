"""A full build's whoosh segments, written by forked processes straight from the record list.

whoosh's own parallel writer (`MpWriter`) pickles every document into job files for its
processes, and its posting pool keeps each posting as a tuple, sorts them all at the end and,
past its memory limit, spills them to disk one pickle per posting and merges the runs back
through heapq: at 100k records that spill alone took a third of the build. Here:

- each process gets its share of the records by fork (nothing pickled on the way in) and
  returns only its finished segment's description;
- postings are collected per term in arrays (`TermPostings`): documents are added in order,
  so each term's postings are sorted already and only the terms need sorting, in memory;
- each term's postings go to whoosh's W3 postings writer a block at a time (`_fill_blocks`
  sets what its per-posting `add_posting` would have buffered; whoosh-reloaded is pinned, and
  tests/index/test_bulk.py compares every term's postings and statistics with whoosh's own);
- a process writes one segment per `SEGMENT_RECORDS` records at most, which bounds its memory.

The segments are ordinary whoosh segments: searchers, incremental updates and merges read them
like any other. The parent holds whoosh's index lock and lists them in the table of contents,
as `MpWriter(multisegment=True)` does — but a process that fails fails the build.
"""
from __future__ import annotations

import multiprocessing
from array import array

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

SEGMENT_RECORDS = 50_000  # records per segment: ~9M postings, ~200 MB in a building process

_shared: dict = {}  # what a forked process inherits: the records and how to index one


class TermPostings:
    """Stands in for whoosh's `PostingPool` in a `BulkSegmentWriter` (whoosh calls `add` per
    posting and `cleanup`): postings grouped by (field, term) in arrays, not a tuple each."""

    def __init__(self):
        self.terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}

    def add(self, item: tuple) -> None:
        fieldname, text, docnum, weight, value = item
        postings = self.terms.get((fieldname, text))
        if postings is None:
            postings = self.terms[fieldname, text] = (array("I"), array("d"), [])
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value)

    def cleanup(self) -> None:
        self.terms.clear()


def write_segments(ix, records: list, document, codec, processes: int) -> None:
    """Index `records` (each made a whoosh document by `document`) into `ix`, an empty index,
    in `processes` forked processes (1: in this one) and commit the segments."""
    parent = SegmentWriter(ix, codec=codec)  # takes whoosh's index lock
    try:
        parts = _parts(len(records), processes)
        if processes > 1 and parts > 1:
            segments = _in_processes(ix, records, document, codec, parts, processes)
        else:
            segments = [_write_segment(ix, records[first::parts], document, codec) for first in range(parts)]
    except BaseException:
        parent.cancel()
        raise
    parent._close_segment()  # nothing was added to the parent itself
    parent._commit_toc(segments)
    parent._finish()


def _parts(count: int, processes: int) -> int:
    """How many segments: one per process at least, and none over SEGMENT_RECORDS; part k takes
    every record from the k-th on, stepping by the number of parts (long and short records,
    such as the curated ones first in the store, spread evenly over the processes)."""
    parts = max(processes, -(-count // SEGMENT_RECORDS))
    return min(count, -(-parts // processes) * processes)  # a multiple of the processes: even shares


def _in_processes(ix, records, document, codec, parts: int, processes: int) -> list:
    _shared.update(records=records, document=document, codec=codec)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            jobs = [(ix.storage.folder, ix.indexname, first, parts) for first in range(parts)]
            return pool.starmap(_write_shared_part, jobs)
    finally:
        _shared.clear()


def _write_shared_part(folder: str, indexname: str, first: int, parts: int):
    """In a forked process: one part of the records it inherited, as one segment."""
    ix = whoosh_index.open_dir(folder, indexname=indexname)
    return _write_segment(ix, _shared["records"][first::parts], _shared["document"], _shared["codec"])


def _write_segment(ix, records: list, document, codec):
    writer = BulkSegmentWriter(ix, _lk=False, codec=codec)
    try:
        for record in records:
            writer.add_document(**document(record))
        return writer._finalize_segment()
    except BaseException:
        writer._close_segment()  # not cancel(): that would delete the temp files the others share
        raise


class BulkSegmentWriter(SegmentWriter):
    """whoosh's segment writer with `TermPostings` for a pool, writing each term's postings a
    block at a time: whoosh hands them to its postings writer one call and four type checks
    per posting, two fifths of a build's writing."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        assert not self.codec.length_stats, "blocks are written without per-block length statistics"
        self.pool = TermPostings()

    def _flush_segment(self):
        self.perdocwriter.close()
        fields, current = self.fieldwriter, None
        for (fieldname, text), postings in sorted(self.pool.terms.items()):
            if fieldname != current:
                if current is not None:
                    fields.finish_field()
                fields.start_field(fieldname, self.schema[fieldname])
                current = fieldname
            fields.start_term(text)
            _fill_blocks(fields._postwriter, *postings)
            fields.finish_term()
        if current is not None:
            fields.finish_field()
        fields.close()


def _fill_blocks(postwriter, docnums: array, weights: array, values: list) -> None:
    """What `add_posting` per posting leaves in whoosh's W3 postings writer: full blocks
    written, the last one buffered for `finish_term` (which writes it as the last)."""
    limit = postwriter._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            postwriter._write_block()
        stop = start + limit
        postwriter._ids = docnums[start:stop]
        postwriter._weights = array("f", weights[start:stop])
        postwriter._maxweight = max(weights[start:stop])
        postwriter._values = [value for value in values[start:stop] if value]
