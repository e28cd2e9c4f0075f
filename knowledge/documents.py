"""Imported documents as a whole: the records that came from one file of one document.

An import guesses a document's title, region, 文号 and date once and writes them into every
record it makes; when a guess is wrong (地区未识别, a file name as title) the advisor corrects
it here once for all of them. Each record is saved through `Store.put`, so the correction is a
new version of every record, with the old one in its history — exactly like a record edit.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from knowledge.importers.dedupe import source_key
from knowledge.records import Record, Source
from knowledge.regions import NATIONAL, Region, resolve
from knowledge.store import Store, StoredRecord

FIELDS = ("title", "issuer", "doc_no", "date")


@dataclass
class Document:
    key: str  # stable id for links: a hash of the document's identity and file
    source: Source
    regions: tuple[str, ...]  # region names its records carry ('' for none)
    records: list[StoredRecord]

    @property
    def region(self) -> str:
        """The document's region: the one most of its records carry."""
        names = [s.record.region.name for s in self.records]
        return max(set(names), key=names.count) if names else ""

    def warnings(self) -> list[str]:
        found = ["地区未识别"] if not self.region else []
        found += ["没有日期"] if not self.source.date else []
        return found + (["标题像文件名"] if self.source.title == self.source.file.rsplit(".", 1)[0] else [])


def documents(store: Store) -> list[Document]:
    """Every document active records come from, newest first (records typed in the console,
    which cite no imported file, are not documents here)."""
    groups: dict[str, list[StoredRecord]] = {}
    for stored in store.list():
        if stored.record.source.file and not stored.origin.startswith("curated:"):
            groups.setdefault(_key(stored.record), []).append(stored)
    found = [Document(key, members[0].record.source, tuple(sorted({m.record.region.name for m in members})), members)
             for key, members in groups.items()]
    return sorted(found, key=lambda d: (d.source.date, d.source.title), reverse=True)


def document(store: Store, key: str) -> Document | None:
    return next((d for d in documents(store) if d.key == key), None)


def correct(store: Store, found: Document, changes: dict[str, str], actor: str) -> int:
    """Write the corrected title, issuer, 文号, date and region into every record of the document;
    returns how many records changed. `changes` holds the fields the advisor filled in."""
    source = replace(found.source, **{f: changes[f].strip() for f in FIELDS if f in changes})
    region = resolve(changes["region"]) if changes.get("region", "").strip() else None
    if changes.get("region", "").strip() and not region.code:
        raise ValueError(f"“{changes['region']}”不是已知的省、市、县（区）名称")
    changed = 0
    with store.transaction():
        for stored in found.records:
            updated = _corrected(stored.record, source, region)
            changed += store.put(updated, actor) != "unchanged"
    return changed


def _corrected(record: Record, source: Source, region: Region | None) -> Record:
    new_region = region if region is not None else record.region
    title = record.title
    if region is not None and record.region.short and title.startswith(record.region.short + "："):
        title = (new_region.short + "：" if new_region.short else "") + title[len(record.region.short) + 1:]
    elif region is not None and not record.region.short and new_region.short and record.kind == "policy":
        title = f"{new_region.short}：{title}"
    valid_from = source.date if record.valid_from == record.source.date else record.valid_from
    return replace(record, source=source, region=new_region or NATIONAL, title=title, valid_from=valid_from)


def _key(record: Record) -> str:
    return hashlib.sha1(f"{source_key(record)}\n{record.source.file}".encode()).hexdigest()[:12]
