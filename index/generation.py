"""An index generation as a searcher serves it, and reading a new one on a thread of its own.

Opening a generation reads postings into arrays (index/scoring.py) and, after a bulk import or a
rebuild, the commonest words' postings and every record: seconds at 50k records, more on a busy
machine. A searcher that did this on its caller's thread (a worker's only advisor thread) made
every question, health check and WeChat answer job wait behind it until gunicorn killed the
worker. So a large change is read here, aside, into objects the serving generation does not
share (its own whoosh index, searcher and segment cache, its own database connection), and the
searcher swaps it in under its lock once it is complete (`Searcher.refresh`).
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from index import engine
from index.scoring import PostingArrays, SegmentCache
from index.vocabulary import Vocabulary
from knowledge.records import Record
from knowledge.regions import Region, all_place_names
from knowledge.store import Store

WARM_POSTINGS = 40  # per record: how many postings of the commonest words are read when an index opens cold
# Words in fewer than one record in this many are read when first asked (a fraction of a ms each):
# a directory's unique phone numbers and house numbers made warming 100k single-record words take 25 s.
WARM_RARER_THAN = 1000


@dataclass(frozen=True)
class Opened:
    """One whoosh generation opened for searching."""

    index: Any
    searcher: Any
    seq: int  # the store change the generation has applied up to
    postings: PostingArrays


@dataclass(frozen=True)
class Loaded:
    """Everything a searcher swaps in for a generation read aside."""

    opened: Opened
    segments: SegmentCache
    records: dict[str, Record]
    records_seq: int
    vocabulary: Vocabulary


def open_generation(files: engine.IndexFiles, segments: SegmentCache, fields: dict[str, float]) -> Opened:
    """Open the current index generation; postings and filters are read from it lazily.

    Segments seen before keep their posting arrays (an edit adds one small segment). When
    most of the index is new to this cache (first open, a rebuild), the commonest words'
    postings are read now: otherwise the first questions with 养老 or 服务 pay for them.
    """
    index = files.open()
    searcher = index.searcher()
    meta = files.meta()
    postings = PostingArrays(searcher.reader(), fields, segments)
    if postings.unseen_share > 0.5:
        postings.warm(WARM_POSTINGS * postings.size, meta.get("hot"), least=postings.size // WARM_RARER_THAN)
    return Opened(index, searcher, meta["seq"], postings)


def vocabulary_of(reader, records: dict[str, Record], dictionary: tuple, fields: dict[str, float]) -> Vocabulary:
    """The words a generation knows (for typo correction and unknown-word weighting)."""
    words = {name: [_text(w) for w in reader.lexicon(name)] for name in fields}
    titles = [t for t in words["title"] if len(t) >= 3]
    tags = [t for t in words["tags"] if len(t) >= 2]
    body = _common_body_words(reader)
    places = sorted({alias for rec in records.values() for alias in _place_names(rec.region)})
    covered = {r.code for rec in records.values() for r in rec.region.ancestors()}
    domain = [word for word, _ in dictionary]
    vocabulary = Vocabulary(set().union(*words.values()) | all_place_names(), domain + places + tags + titles + body,
                            covered, concepts=domain, names=words["title"])
    vocabulary.learn_institutions(records.values())
    return vocabulary


BODY_DF = 3  # records: a body word this common in the knowledge is one an elder may mistype (高令 → 高龄)


def _common_body_words(reader) -> list[str]:
    """Words of two to four characters that several records' texts use: the imported documents'
    own vocabulary, so typos are corrected against what is indexed, not only the shipped words.
    Rarer body words stay out: a word one record uses is as likely a typo target by accident."""
    found = []
    for term, info in reader.iter_field("body"):
        word = _text(term)
        if 2 <= len(word) <= 4 and info.doc_frequency() >= BODY_DF and not word.isascii():
            found.append(word)
    return found


def load_aside(open_store: Callable[[], Store], files: engine.IndexFiles, dictionary: tuple,
               fields: dict[str, float]) -> Future:
    """Read the current generation and every active record on a new thread, from a store of
    its own (`open_store`: `Store.reopened` — on the same file and database as the searcher's);
    the future's result is a `Loaded`. The records are read first, so the index has at least them."""
    return _in_thread(_load, open_store, files, dictionary, fields)


def _load(open_store: Callable[[], Store], files: engine.IndexFiles, dictionary: tuple,
          fields: dict[str, float]) -> Loaded:
    store = open_store()  # this thread's own connection: sqlite3 connections stay on their thread
    try:
        seq = store.last_seq()
        records = {s.record.id: s.record for s in store.list()}
    finally:
        store.close()
    segments = SegmentCache()
    opened = open_generation(files, segments, fields)
    vocabulary = vocabulary_of(opened.searcher.reader(), records, dictionary, fields)
    return Loaded(opened, segments, records, min(seq, opened.seq), vocabulary)


def _in_thread(fn: Callable[..., Any], *args) -> Future:
    """`fn(*args)` on a daemon thread of its own (created when needed: a thread made before
    gunicorn forks would not exist in the worker)."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever reads the future, never lost
            future.set_exception(exc)

    threading.Thread(target=run, name="index-load", daemon=True).start()
    return future


def _text(word) -> str:
    return word.decode() if isinstance(word, bytes) else word


def _place_names(region: Region) -> list[str]:
    return [part for r in region.ancestors() for part in (r.short, r.county or r.city or r.province) if part]
