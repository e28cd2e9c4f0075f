"""A knowledge record as the store keeps it: its row in `records`, its versions in
`record_versions`, and back. The same rows on SQLite and PostgreSQL (knowledge/migrations.py)."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from knowledge.records import Record, Source, hash_content
from knowledge.regions import from_code


@dataclass(frozen=True)
class StoredRecord:
    """A record plus the store's bookkeeping."""

    record: Record
    status: str
    version: int
    created_at: str
    updated_at: str
    retired_at: str = ""
    origin: str = ""

    def to_dict(self) -> dict:
        """Export form: the record's content plus read-only bookkeeping fields."""
        source = self.record.source
        return {**self.record.content(), "doc_no": source.doc_no, "date": source.date, "issuer": source.issuer,
                "content_hash": self.record.content_hash, "status": self.status,
                "version": self.version, "created_at": self.created_at, "updated_at": self.updated_at,
                "retired_at": self.retired_at}


@dataclass(frozen=True)
class Version:
    seq: int
    version: int
    action: str  # insert | update | retire | restore
    actor: str
    at: str
    data: dict

    @property
    def content_hash(self) -> str:
        """Equal to a record's `content_hash` exactly when the record says what this version said."""
        return hash_content(self.data)


def to_row(record: Record) -> dict:
    src = record.source
    return {
        "id": record.id, "kind": record.kind, "title": record.title, "text": record.text,
        "region": record.region.name, "region_code": record.region.code,
        "source_title": src.title, "source_issuer": src.issuer, "doc_no": src.doc_no,
        "source_date": src.date, "source_file": src.file,
        "heading_path": json.dumps(list(record.heading_path), ensure_ascii=False),
        "units": json.dumps(record.units, ensure_ascii=False), "valid_from": record.valid_from,
        "valid_to": record.valid_to, "tags": json.dumps(list(record.tags), ensure_ascii=False),
        "attrs": json.dumps(record.attrs, ensure_ascii=False), "content_hash": record.content_hash,
    }


def bookkeeping(existing: StoredRecord | None, stamp: str, origin: str | None) -> dict:
    """The store's columns of a record's next version: a new record starts active at version 1;
    an existing one keeps its status, creation date and (unless given another) its origin."""
    if existing is None:
        return {"version": 1, "created_at": stamp, "updated_at": stamp, "status": "active", "retired_at": "",
                "origin": origin or ""}
    return {"version": existing.version + 1, "created_at": existing.created_at, "updated_at": stamp,
            "status": existing.status, "retired_at": existing.retired_at,
            "origin": existing.origin if origin is None else origin}


@functools.lru_cache(maxsize=4)
def upsert(columns: tuple[str, ...]) -> str:
    """INSERT … ON CONFLICT (id) DO UPDATE of a whole row: SQLite and PostgreSQL alike (no
    INSERT OR REPLACE, which PostgreSQL lacks and which deletes the old row first)."""
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column != "id")
    return (f"INSERT INTO records ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}")


def version_of(row: dict) -> Version:
    return Version(row["seq"], row["version"], row["action"], row["actor"], row["at"], json.loads(row["data"]))


def from_row(row: dict) -> StoredRecord:
    record = Record(
        id=row["id"], kind=row["kind"], title=row["title"], text=row["text"],
        region=from_code(row["region_code"] or ""),
        source=Source(row["source_title"] or "", row["source_issuer"] or "", row["doc_no"] or "",
                      row["source_date"] or "", row["source_file"] or ""),
        heading_path=tuple(json.loads(row["heading_path"] or "[]")), units=json.loads(row["units"] or "{}"),
        valid_from=row["valid_from"] or "", valid_to=row["valid_to"] or "",
        tags=tuple(json.loads(row["tags"] or "[]")), attrs=json.loads(row["attrs"] or "{}"),
    )
    return StoredRecord(record, row["status"], row["version"], row["created_at"], row["updated_at"],
                        row.get("retired_at") or "", row.get("origin") or "")
