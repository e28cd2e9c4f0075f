"""Recognising records the knowledge already holds, so an import adds no second copy.

Importing the seed documents on top of the shipped starter knowledge used to duplicate every
base ("惠州：2家" followed by 4 items): the curated records and the imported ones cite the same
document under different ids. Which copy answers is decided here once: **the record already
stored from another origin wins** — for the shipped knowledge that is the curated record,
written in plain words for elders and checked by hand, which an automatic import of the same
document cannot improve on. So a document that curated records (origin `curated:`) already
cite is known as a whole: none of its imported records are added. For records of other
origins (the same document imported twice under different file names) an incoming record
counts as known when a stored one cites the same document (same 文号, else same title) and
either names the same institution or says nearly the same thing (rapidfuzz ratio ≥ NEAR_SAME).
A re-import of the same file keeps its ids and simply updates (see `knowledge.importing`).
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from knowledge.records import Record
from knowledge.store import Store, StoredRecord

NEAR_SAME = 90
_PREFIX = re.compile(r"^[^：:]{1,12}[：:]")  # '惠州：' in front of a title


class KnownRecords:
    """Stored records of other origins citing the documents an import brings."""

    def __init__(self, store: Store, records: list[Record], origin: str):
        self.store, self.origin = store, origin
        self.stored_origins = _origins(store, [record.id for record in records])  # id → origin, ids stored
        self.by_source: dict[str, list[StoredRecord]] = {}
        self.curated: set[str] = set()
        for stored in _citing(store, records, origin):
            key = source_key(stored.record)
            self.by_source.setdefault(key, []).append(stored)
            if stored.origin.startswith("curated:"):
                self.curated.add(key)

    def repeats(self, record: Record) -> bool:
        """Whether adding `record` would repeat what is stored. A record whose id is taken by
        another file's copy of the same document (a .md and a saved .html of one 条例) repeats
        it when it says nearly the same; saying something else, it is a new edition and updates.
        Ids this import itself stored before simply update (one query per file tells which)."""
        stored_origin = self.stored_origins.get(record.id)
        if stored_origin is None:
            return self.match(record) is not None
        if stored_origin == self.origin:
            return False
        existing = self.store.get(record.id)
        same_file = existing.record.source.file == record.source.file
        return existing.status == "active" and not same_file and _same_thing(existing.record, record)

    def match(self, record: Record) -> StoredRecord | None:
        """The stored record this one repeats (or one of the curated records of its document), or None."""
        candidates = self.by_source.get(source_key(record), ())
        if source_key(record) in self.curated:
            return candidates[0]
        return next((stored for stored in candidates if _same_thing(stored.record, record)), None)


def source_key(record: Record) -> str:
    """A document's identity: its 文号 when it has one, else its title (spaces and 《》 aside)."""
    return record.source.doc_no.replace(" ", "") or re.sub(r"[\s《》]", "", record.source.title)


def name_key(title: str) -> str:
    """An institution's name without the '惠州：' prefix, a bracketed note（广东省旅居养老示范基地）or spaces."""
    return re.sub(r"[（(][^（）()]*[）)]|[\s·]", "", _PREFIX.sub("", title))


def _citing(store: Store, records: list[Record], origin: str) -> list[StoredRecord]:
    doc_nos = sorted({r.source.doc_no for r in records if r.source.doc_no})
    titles = sorted({r.source.title for r in records if r.source.title})
    if not doc_nos and not titles:
        return []
    sql = (f"SELECT id FROM records WHERE status = 'active' AND origin != ? "
           f"AND (doc_no IN ({_marks(doc_nos)}) OR source_title IN ({_marks(titles)}))")
    ids = [row[0] for row in store.shared.connection().execute(sql, [origin, *doc_nos, *titles]).fetchall()]
    return [stored for stored in map(store.get, ids) if stored]


ID_CHUNK = 500  # ids per query: under SQLite's limit of bound parameters (PostgreSQL's is higher)


def _origins(store: Store, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        rows = store.shared.connection().execute(f"SELECT id, origin FROM records WHERE id IN ({_marks(chunk)})",
                                                 chunk).fetchall()
        found.update({row[0]: row[1] or "" for row in rows})
    return found


def _marks(values: list[str]) -> str:
    """SQL placeholders for an IN list (NULL matches nothing when the list is empty)."""
    return ", ".join("?" * len(values)) or "NULL"


def _same_thing(stored: Record, record: Record) -> bool:
    if record.kind in ("base", "service") and stored.kind in ("base", "service"):
        if name_key(stored.title) == name_key(record.title):
            return True
    return fuzz.ratio(stored.text, record.text) >= NEAR_SAME
