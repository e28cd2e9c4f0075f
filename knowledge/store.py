"""The knowledge store: records in SQLite (via sqlite-utils) with a full change log.

Every insert, update, retire and restore writes a row to `record_versions` holding who did it,
when, and the record's complete content at that version — so the console can show history
and an edit can be undone. The store opens in WAL mode so readers in other processes are
never blocked by a writer.

`Store.shared` is where the tables several nodes must share live: with a database URL
(ADVISOR_DATABASE_URL) the PostgreSQL database, else this file itself, through the Store's own
connection — so on SQLite a shared table is written in the Store's transactions exactly as
before (a session saved with the turn's log lines, one commit). The tables moved so far are
SHARED_TABLES (docs/storage.md has the order of the rest).
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

import sqlite_utils

from knowledge.database import PostgresDb, dict_rows
from knowledge.datadir import private_database
from knowledge.migrations import POSTGRES_SHARED, migrate
from knowledge.records import Record, Source, hash_content
from knowledge.regions import from_code

DB_NAME = "knowledge.db"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


class Store:
    def __init__(self, path: Path | str, database_url: str = ""):
        self.path = private_database(path)  # 0600 in a 0700 dir: it holds phone and ID numbers
        self.db = sqlite_utils.Database(self.path)
        self.db.conn.execute("PRAGMA busy_timeout = 10000")
        self.db.enable_wal()
        # WAL + NORMAL: commits skip the fsync (the WAL is synced at checkpoints); a power cut
        # can lose the last transactions but never corrupts the database.
        self.db.conn.execute("PRAGMA synchronous = NORMAL")
        migrate(self.db)
        self.shared = PostgresDb(database_url, POSTGRES_SHARED) if database_url else OwnConnection(self)

    @classmethod
    def in_dir(cls, data_dir: Path | str, database_url: str = "") -> "Store":
        return cls(Path(data_dir) / DB_NAME, database_url)

    def close(self) -> None:
        if isinstance(self.shared, PostgresDb):
            self.shared.close()
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """All writes inside commit together or not at all (nested calls use savepoints).

        The outer transaction starts with BEGIN IMMEDIATE: it takes the write lock up front, so
        a writer in another process waits (busy_timeout) instead of failing with "database is
        locked" when its read snapshot turns out stale at the first write.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # -- reading ---------------------------------------------------------------------------
    def get(self, record_id: str) -> StoredRecord | None:
        rows = list(self.db.query("SELECT * FROM records WHERE id = ?", [record_id]))
        return _from_row(rows[0]) if rows else None

    def list(self, kind: str | None = None, region_code: str | None = None,
             status: str | None = "active", origin: str | None = None) -> list[StoredRecord]:
        """Records filtered by kind, region (a code prefix includes everything below it), status."""
        where, params = ["1=1"], []
        for column, value in (("kind", kind), ("status", status), ("origin", origin)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if region_code:
            where.append("region_code LIKE ?")
            params.append(_code_prefix(region_code) + "%")
        sql = f"SELECT * FROM records WHERE {' AND '.join(where)} ORDER BY kind, id"
        return [_from_row(row) for row in self.db.query(sql, params)]

    def count(self, status: str = "active") -> int:
        return self.db.execute("SELECT count(*) FROM records WHERE status = ?", [status]).fetchone()[0]

    def history(self, record_id: str) -> list[Version]:
        rows = self.db.query("SELECT * FROM record_versions WHERE record_id = ? ORDER BY seq", [record_id])
        return [_version(row) for row in rows]

    def last_version_by(self, record_id: str, actor: str) -> Version | None:
        """The latest version `actor` wrote of a record: what an importer put there last, so a
        re-import can tell whether anyone changed the record since."""
        rows = list(self.db.query("SELECT * FROM record_versions WHERE record_id = ? AND actor = ? "
                                  "ORDER BY seq DESC LIMIT 1", [record_id, actor]))
        return _version(rows[0]) if rows else None

    def changes_since(self, seq: int) -> list[tuple[int, str]]:
        """(seq, record_id) of every change after `seq`: what an index must catch up on."""
        return [tuple(r) for r in self.db.execute(
            "SELECT seq, record_id FROM record_versions WHERE seq > ? ORDER BY seq", [seq]).fetchall()]

    def last_seq(self) -> int:
        return last_seq_of(self.db.conn)

    # -- writing ---------------------------------------------------------------------------
    def put(self, record: Record, actor: str, origin: str | None = None) -> str:
        """Insert or update; returns 'inserted', 'updated' or 'unchanged'."""
        with self.transaction():
            existing = self.get(record.id)
            if existing and existing.record.content_hash == record.content_hash:
                return "unchanged"
            stamp = now()
            version = existing.version + 1 if existing else 1
            row = _to_row(record) | {"version": version, "updated_at": stamp,
                                     "created_at": existing.created_at if existing else stamp,
                                     "status": existing.status if existing else "active",
                                     "retired_at": existing.retired_at if existing else "",
                                     "origin": origin if origin is not None else (existing.origin if existing else "")}
            columns = ", ".join(row)
            self.db.execute(f"INSERT OR REPLACE INTO records ({columns}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))
            self._log(record, version, "update" if existing else "insert", actor, stamp)
            return "updated" if existing else "inserted"

    def retire(self, record_id: str, actor: str) -> bool:
        """Expire a record instead of deleting it; it stays in history and can be restored."""
        return self._set_status(record_id, "retired", actor)

    def restore(self, record_id: str, actor: str) -> bool:
        return self._set_status(record_id, "active", actor)

    def _set_status(self, record_id: str, status: str, actor: str) -> bool:
        with self.transaction():
            existing = self.get(record_id)
            if not existing or existing.status == status:
                return False
            stamp, version = now(), existing.version + 1
            self.db["records"].update(record_id, {"status": status, "version": version, "updated_at": stamp,
                                                  "retired_at": stamp if status == "retired" else ""})
            self._log(existing.record, version, "retire" if status == "retired" else "restore", actor, stamp)
            return True

    def _log(self, record: Record, version: int, action: str, actor: str, stamp: str) -> None:
        self.db.execute(
            "INSERT INTO record_versions (record_id, version, action, actor, at, data) VALUES (?, ?, ?, ?, ?, ?)",
            [record.id, version, action, actor, stamp, json.dumps(record.content(), ensure_ascii=False)])

    def log_import(self, actor: str, started_at: str, paths: list[str], summary: dict) -> None:
        """One line of the import history, in the shared database: every node's console lists
        every node's imports."""
        self.shared.connection().execute(
            "INSERT INTO imports (actor, started_at, finished_at, paths, summary) VALUES (?, ?, ?, ?, ?)",
            [actor, started_at, now(), json.dumps(paths, ensure_ascii=False), json.dumps(summary, ensure_ascii=False)])

    def recent_imports(self, limit: int) -> list[dict]:
        """The last `limit` import runs, newest first (CLI, `advisor init` and the console alike)."""
        return dict_rows(self.shared.connection().execute("SELECT * FROM imports ORDER BY id DESC LIMIT ?", [limit]))


class OwnConnection:
    """The shared-database interface (knowledge/database.py) over a SQLite Store's own
    connection: `connection().execute` and `transaction()` as on PostgresDb, inside the Store's
    transactions. A write outside one gets a transaction of its own: this connection is not in
    autocommit mode, and an implicit one would stay open."""

    for_update = ""  # BEGIN IMMEDIATE already holds the file's write lock

    def __init__(self, store: Store):
        self.store = store

    def connection(self) -> "OwnConnection":
        return self

    def execute(self, sql: str, params: Sequence = ()) -> "sqlite3.Cursor | _Fetched":
        """A write runs in a transaction of its own unless one is open. A statement is atomic by
        itself (SQLite undoes a failed one), so inside a transaction it needs no savepoint: that
        would cost two more statements per write (the session and both log lines of a turn)."""
        if sql.lstrip()[:6].upper() == "SELECT" or self.store.db.conn.in_transaction:
            return self.store.db.execute(sql, params)
        with self.store.transaction():  # SQLite refuses to commit while RETURNING rows are unread
            return _Fetched(self.store.db.execute(sql, params))

    @contextmanager
    def transaction(self) -> Iterator["OwnConnection"]:
        with self.store.transaction():
            yield self

    def serialize(self, name: str) -> None:
        """Writers already take turns: the Store's transactions begin IMMEDIATE."""


class _Fetched:
    """A write's cursor read out before its commit: its rowcount and its RETURNING rows."""

    def __init__(self, cursor: sqlite3.Cursor):
        self.rowcount, self._rows = cursor.rowcount, cursor.fetchall()

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return self._rows


def _code_prefix(code: str) -> str:
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def _to_row(record: Record) -> dict:
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


def _version(row: dict) -> Version:
    return Version(row["seq"], row["version"], row["action"], row["actor"], row["at"], json.loads(row["data"]))


def _from_row(row: dict) -> StoredRecord:
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


def last_seq_of(db: sqlite3.Connection) -> int:
    """The store's latest change number: what an index that is current has applied."""
    return db.execute("SELECT coalesce(max(seq), 0) FROM record_versions").fetchone()[0]


def read_last_seq(data_dir: Path | str) -> int:
    """`last_seq` through a read-only connection of its own, from any thread (a /metrics scrape):
    opening a Store sets the file up (WAL, permissions, migrations) every time."""
    db = sqlite3.connect((Path(data_dir) / DB_NAME).resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    try:
        return last_seq_of(db)
    finally:
        db.close()
