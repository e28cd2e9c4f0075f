"""The whoosh index of the knowledge store: built aside and swapped in, then kept current.

Layout under ADVISOR_DATA_DIR:
    index/current -> index/build-<stamp>   (a symlink, replaced atomically)
    index/build-<stamp>/                   (whoosh files + advisor-meta.json)
    index/write.lock                       (one writer at a time across processes)

A rebuild writes a new directory and only then swaps the symlink, so a crash mid-rebuild leaves
the old index serving. Incremental updates replay the store's change log (`record_versions.seq`)
after the sequence number the index last saw, so any process may catch the index up and a
crash between commit and bookkeeping only replays idempotent updates.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec import default_codec
from whoosh.fields import ID, KEYWORD, Schema

from index import ages, analysis
from index.analysis import ChineseAnalyzer, ChineseText, analyse
from index.bulk import write_segments
from index.lexicon import Lexicon
from index.shared_lexicon import SharedLexicon, shared_of
from index.scoring import segment_readers, hot_terms
from knowledge.records import UNIT_LABELS, Record
from knowledge.store import Store

META = "advisor-meta.json"
NATIONAL = "national"
PROCESSES = min(os.cpu_count() or 1, 4)
PARALLEL_FROM = 1000  # records; below that forking costs more than it saves
HOT_POSTINGS = 100  # per record: the commonest terms listed in the meta, up to this many postings
DOCUMENT_FORMAT = 5  # bump when text_fields changes what a record's words are: indexes are rebuilt
HEADING_NUMBER = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])\s*")
TEXT_FIELDS = {"title": 3.0, "tags": 2.0, "body": 1.0}  # the analysed fields and their BM25F boosts
REPLAY_SHARE = 0.5  # a lag above this share of the records is rebuilt in bulk (≥500/s) rather than replayed (~230/s)
BUILD_CACHE = 200_000  # blocks and runs each analysing process remembers during a build (~100 MB at most)


def make_schema() -> Schema:
    analyzer = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(),
        region=KEYWORD(),  # the record's code and its ancestors': a filter on 4401 finds 440106
        region_exact=ID(),  # the record's own code, or "national"
        document=ID(),  # the source document's key: a follow-up searches the document just cited
        ages=KEYWORD(),  # a token per elder year the record's age bands cover (index.ages): 85了 fits 80—89周岁
        # No positions (phrase=False): nothing searches phrases, and positions were most of the
        # postings' bytes — slower to write, to read into arrays and to keep on disk.
        **{name: ChineseText(analyzer=analyzer, field_boost=boost, phrase=False) for name, boost in TEXT_FIELDS.items()},
    )


def text_fields(record: Record) -> dict[str, str]:
    """The record's searchable text by field: title, tags, and a body of everything else."""
    headings = [h for h in record.heading_path if _unnumbered(h) not in record.text]  # said once, counted once
    details = [record.text, " ".join(headings), record.source.title]
    details += [f"{UNIT_LABELS[role]} {' '.join(units)}" for role, units in record.units.items()]  # 哪个部门负责
    details += [str(v) for k, v in record.attrs.items() if isinstance(v, (str, int)) and not k.endswith("_yuan")]
    return {"title": record.title, "tags": " ".join(record.tags), "body": "\n".join(d for d in details if d)}


def _unnumbered(heading: str) -> str:
    """A heading without its number: "（二）申请…评估" → "申请…评估"."""
    return HEADING_NUMBER.sub("", heading)


def document(record: Record) -> dict:
    """The indexed form of a record: its words by field, its region for filtering."""
    codes = [r.code for r in record.region.ancestors()]
    return {"id": record.id, "kind": record.kind, "region": " ".join(codes) or NATIONAL,
            "region_exact": record.region.code or NATIONAL, "document": record.source.key or NATIONAL,
            "ages": " ".join(ages.tokens(f"{record.title}\n{record.text}")), **text_fields(record)}


def record_words(record: Record) -> set[str]:
    """The distinct terms the index holds for a record (what the vocabulary learns from it)."""
    return {word for text in text_fields(record).values() for word in analyse(text)}  # not the query cache


def fingerprint(dictionary: tuple | None = None, change_log: str = "") -> str:
    """What an index was built with: the schema's fields and formats, the domain dictionary
    (the shipped one unless given: a data dir's is `IndexFiles.dictionary()`) and the change
    log its seq counts (`Store.change_log`: '' for the data dir's knowledge.db, which older
    indexes were all built from, so their fingerprint stays what it was).

    Any changing (a new stored field, a new dictionary word, ADVISOR_DATABASE_URL set or
    unset) means existing indexes must be rebuilt, or searches would read fields that are not
    there or tokens that no longer match, or the index would hold another store's records.
    """
    fields = ",".join(f"{name}:{type(field).__name__}:{type(field.format).__name__}"
                      for name, field in sorted(make_schema().items()))
    words = "\n".join(f"{word} {freq}" for word, freq in (dictionary or analysis.shipped_dictionary()))
    log = f"|{change_log}" if change_log else ""
    return hashlib.sha1(f"{DOCUMENT_FORMAT}|{fields}".encode() + words.encode() + log.encode()).hexdigest()[:12]


class IndexFiles:
    def __init__(self, data_dir: Path | str, shared_lexicon: SharedLexicon | None = None):
        """`shared_lexicon`: where the lexicon is shared with other nodes (a searcher's follows it)."""
        self.root = Path(data_dir) / "index"
        self.current = self.root / "current"
        self.lexicon = Lexicon(data_dir, shared_lexicon)

    def dictionary(self) -> tuple[tuple[str, int], ...]:
        """The data dir's domain dictionary in force (its console override, else the shipped one)."""
        return self.lexicon.dictionary_entries()

    def built_with(self, dictionary: tuple, change_log: str = "") -> bool:
        return self.exists() and self.meta().get("fingerprint") == fingerprint(dictionary, change_log)

    def exists(self) -> bool:
        return (self.current / META).exists()

    def meta(self) -> dict:
        return json.loads((self.current / META).read_text())

    def written_at(self) -> float:
        """When the current generation last changed (built, or caught up with an edit): epoch seconds."""
        return (self.current / META).stat().st_mtime

    def write_meta(self, directory: Path, meta: dict) -> None:
        tmp = directory / (META + ".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, directory / META)

    @contextmanager
    def write_lock(self, wait: bool = True):
        """Serialise writers across processes (whoosh's own lock fails at once instead of waiting).
        Yields whether the lock is held: with wait=False, False when another process has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self):
        return whoosh_index.open_dir(str(self.current.resolve()))


def rebuild(store: Store, files: IndexFiles, dictionary: tuple | None = None) -> int:
    """Index every active record into a fresh directory and swap it in; returns the count.
    The dictionary is the data dir's unless given; jieba cuts with it from then on."""
    with files.write_lock():
        return _rebuild_locked(store, files, files.dictionary() if dictionary is None else dictionary)


def _rebuild_locked(store: Store, files: IndexFiles, dictionary: tuple) -> int:
    analysis.use_dictionary(dictionary)
    seq = store.last_seq()
    records = [s.record for s in store.list()]
    files.root.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix=f"build-{time.strftime('%Y%m%d%H%M%S')}-", dir=files.root))
    try:
        _build(target, records)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # the old build keeps serving
        raise
    meta = {"seq": seq, "fingerprint": fingerprint(dictionary, store.change_log), "count": len(records),
            "hot": _hot_terms(target)}
    files.write_meta(target, meta)
    _swap(files, target)
    return len(records)


def _build(target: Path, records: list[Record]) -> None:
    ix = whoosh_index.create_in(str(target), make_schema())
    # Two analysing processes on a 2-core machine; small builds skip the fork. The forked
    # processes inherit the raised block-cache limit; this one gets its own back afterwards.
    procs = PROCESSES if len(records) >= PARALLEL_FROM else 1
    with analysis.build_caches(BUILD_CACHE):
        write_segments(ix, records, document, _build_codec(), procs)
    ix.close()


def _hot_terms(target: Path) -> list[tuple[str, int]]:
    """The commonest terms with their postings, for searchers to read first when they open
    this index (index/scoring.py `PostingArrays.warm`): listed once here, not at every open."""
    ix = whoosh_index.open_dir(str(target))
    with ix.reader() as reader:
        leaves = [(leaf, offset, None) for leaf, offset in segment_readers(reader)]
        hot = hot_terms(leaves, TEXT_FIELDS, HOT_POSTINGS * max(reader.doc_count_all(), 1))
    ix.close()
    return hot


def _build_codec():
    """whoosh's codec without per-block length statistics: whoosh reads every posting's field
    length back from disk to keep each block's shortest and longest document (for its own
    scorers' skipping), a sixth of a build. The array scoring never reads them; field lengths
    themselves are still stored. Set on an instance, so the index records a plain W3Codec."""
    codec = default_codec()
    codec.length_stats = False
    return codec


def _swap(files: IndexFiles, target: Path) -> None:
    link = files.root / f"current.{os.getpid()}.tmp"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target.name)
    os.replace(link, files.current)
    _remove_old_builds(files, keep={target.name})


def _remove_old_builds(files: IndexFiles, keep: set[str]) -> None:
    """Keep the new build and the one before it: readers in other processes may still use it."""
    builds = sorted((p for p in files.root.glob("build-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in builds[:-2]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


class IndexBusy(Exception):
    """Another process holds the write lock (most likely a bulk build): keep serving what is open."""


def lag(store: Store, files: IndexFiles) -> int:
    """How many store changes the current index has not applied yet."""
    return max(store.last_seq() - files.meta()["seq"], 0)


def catch_up(store: Store, files: IndexFiles, dictionary: tuple | None = None,
             wait: bool = True) -> list[str] | None:
    """Apply the store's changes since the index's last seq; returns the changed record ids, or
    None when the index was built with another dictionary than `dictionary` (the data dir's
    unless given): a rebuild must come first, or words would be cut two ways in one index.
    With wait=False, raises IndexBusy instead of waiting for another process's write."""
    if store.last_seq() <= files.meta()["seq"]:
        return []
    dictionary = files.dictionary() if dictionary is None else dictionary
    with files.write_lock(wait) as locked:
        if not locked:
            raise IndexBusy()
        return _catch_up_locked(store, files, dictionary)


def _catch_up_locked(store: Store, files: IndexFiles, dictionary: tuple) -> list[str] | None:
    meta = files.meta()
    if meta.get("fingerprint") != fingerprint(dictionary, store.change_log):
        return None
    changes = store.changes_since(meta["seq"])
    if not changes:
        return []
    analysis.use_dictionary(dictionary)
    changed = list(dict.fromkeys(record_id for _, record_id in changes))
    writer = files.open().writer(timeout=30.0)
    for record_id in changed:
        stored = store.get(record_id)
        if stored and stored.status == "active":
            writer.update_document(**document(stored.record))
        else:
            writer.delete_by_term("id", record_id)
    writer.commit()
    files.write_meta(files.current.resolve(), meta | {"seq": changes[-1][0]})
    return changed


def bring_current(store: Store, files: IndexFiles, wait: bool = True) -> bool:
    """Make the index one built with the data dir's dictionary that has every store change:
    rebuilt when missing, cut with another dictionary or so far behind that a bulk build is
    cheaper than replaying the changes one writer call at a time (a 50k-row import: ~35 s
    against ~4 min), else caught up. With wait=False, False when another process is writing."""
    dictionary = files.dictionary()
    if files.built_with(dictionary, store.change_log) and not lag(store, files):
        return True
    with files.write_lock(wait) as locked:
        if not locked:
            return False
        if not files.built_with(dictionary, store.change_log) or lag(store, files) > REPLAY_SHARE * max(store.count(), 1):
            _rebuild_locked(store, files, dictionary)
        else:
            _catch_up_locked(store, files, dictionary)
    return True


def build_with(store: Store, files: IndexFiles, dictionary: tuple, wait: bool = True) -> bool:
    """Make the current index one built with `dictionary`, rebuilding it when it is not.
    With wait=False, returns False at once when another process is writing (likely rebuilding
    with the same dictionary): the caller keeps serving the old index and asks again later."""
    if files.built_with(dictionary, store.change_log):
        return True
    with files.write_lock(wait) as locked:
        if not locked:
            return False
        if not files.built_with(dictionary, store.change_log):  # another process may have built it meanwhile
            _rebuild_locked(store, files, dictionary)
    return True


def start_rebuild(data_dir: Path, database_url: str = "") -> multiprocessing.Process:
    """Bring the index current (`bring_current`: a new dictionary, a large import) in a new
    process: a fresh interpreter (spawned, not forked from a process with threads and open
    databases) that takes the write lock, builds aside and swaps in (or catches up), or leaves
    at once if another process is writing. The processes that serve keep their open index.
    The records are read where the store keeps them (`database_url`: handed over a pipe, never
    on a command line)."""
    process = multiprocessing.get_context("spawn").Process(target=_rebuild_data_dir,
                                                           args=(str(data_dir), database_url), name="advisor-rebuild")
    process.start()
    return process


def _rebuild_data_dir(data_dir: str, database_url: str) -> None:
    store, files = Store.in_dir(data_dir, database_url), IndexFiles(data_dir)
    try:
        bring_current(store, files, wait=False)
    finally:
        store.close()


def ensure_current(store: Store, files: IndexFiles) -> None:
    """Build when missing or built with another schema or dictionary; otherwise catch up
    (in bulk when far behind). With a shared database the lexicon saved on any node is mirrored
    first: a node started after a dictionary save builds with that dictionary."""
    Lexicon(files.root.parent, shared_of(store)).follow()
    bring_current(store, files)
    analysis.use_dictionary(files.dictionary())
