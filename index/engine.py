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
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, TEXT, Schema

from index.analysis import DATA, ChineseAnalyzer, terms
from knowledge.records import Record
from knowledge.store import Store

META = "advisor-meta.json"
NATIONAL = "national"
PROCESSES = min(os.cpu_count() or 1, 4)
PARALLEL_FROM = 1000  # records; below that forking costs more than it saves


def make_schema() -> Schema:
    analyzer = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(),
        region=KEYWORD(),  # the record's code and its ancestors': a filter on 4401 finds 440106
        region_exact=ID(),  # the record's own code, or "national"
        title=TEXT(analyzer=analyzer, field_boost=3.0),
        tags=TEXT(analyzer=analyzer, field_boost=2.0),
        body=TEXT(analyzer=analyzer),
    )


def text_fields(record: Record) -> dict[str, str]:
    """The record's searchable text by field: title, tags, and a body of everything else."""
    details = [record.text, " ".join(record.heading_path), record.source.title]
    details += [" ".join(units) for units in record.units.values()]
    details += [str(v) for k, v in record.attrs.items() if isinstance(v, (str, int)) and not k.endswith("_yuan")]
    return {"title": record.title, "tags": " ".join(record.tags), "body": "\n".join(d for d in details if d)}


def document(record: Record) -> dict:
    """The indexed form of a record: its words by field, its region for filtering."""
    codes = [r.code for r in record.region.ancestors()]
    return {"id": record.id, "kind": record.kind, "region": " ".join(codes) or NATIONAL,
            "region_exact": record.region.code or NATIONAL, **text_fields(record)}


def record_words(record: Record) -> set[str]:
    """The distinct terms the index holds for a record (what the vocabulary learns from it)."""
    return {word for text in text_fields(record).values() for word in terms(text)}


def fingerprint() -> str:
    """What an index was built with: the schema's fields and the domain dictionary.

    Either changing (a new stored field, a new dictionary word) means existing indexes must be
    rebuilt, or searches would read fields that are not there or tokens that no longer match.
    """
    fields = ",".join(f"{name}:{type(field).__name__}" for name, field in sorted(make_schema().items()))
    digest = hashlib.sha1(fields.encode() + (DATA / "dictionary.txt").read_bytes())
    return digest.hexdigest()[:12]


class IndexFiles:
    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / "index"
        self.current = self.root / "current"

    def exists(self) -> bool:
        return (self.current / META).exists()

    def meta(self) -> dict:
        return json.loads((self.current / META).read_text())

    def write_meta(self, directory: Path, meta: dict) -> None:
        tmp = directory / (META + ".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, directory / META)

    @contextmanager
    def write_lock(self):
        """Serialise writers across processes (whoosh's own lock fails at once instead of waiting)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self):
        return whoosh_index.open_dir(str(self.current.resolve()))


def rebuild(store: Store, files: IndexFiles) -> int:
    """Index every active record into a fresh directory and swap it in; returns the count."""
    with files.write_lock():
        seq = store.last_seq()
        records = [s.record for s in store.list()]
        files.root.mkdir(parents=True, exist_ok=True)
        target = Path(tempfile.mkdtemp(prefix=f"build-{time.strftime('%Y%m%d%H%M%S')}-", dir=files.root))
        try:
            _build(target, records)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)  # the old build keeps serving
            raise
        files.write_meta(target, {"seq": seq, "fingerprint": fingerprint(), "count": len(records)})
        _swap(files, target)
        return len(records)


def _build(target: Path, records: list[Record]) -> None:
    ix = whoosh_index.create_in(str(target), make_schema())
    # Two analysing processes on a 2-core machine: jieba is most of the cost. They leave two
    # segments, which the array scoring reads as cheaply as one; small builds skip the fork.
    procs = PROCESSES if len(records) >= PARALLEL_FROM else 1
    writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1)
    try:
        for record in records:
            writer.add_document(**document(record))
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    ix.close()


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


def catch_up(store: Store, files: IndexFiles) -> list[str]:
    """Apply the store's changes since the index's last seq; returns the changed record ids."""
    if store.last_seq() <= files.meta()["seq"]:
        return []
    with files.write_lock():
        meta = files.meta()
        changes = store.changes_since(meta["seq"])
        if not changes:
            return []
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


def ensure_current(store: Store, files: IndexFiles) -> None:
    """Build when missing or built with another schema or dictionary; otherwise catch up."""
    if not files.exists() or files.meta().get("fingerprint") != fingerprint():
        rebuild(store, files)
    else:
        catch_up(store, files)
