"""The knowledge store: records with a full change log, in SQLite or in a shared PostgreSQL.

Every insert, update, retire and restore writes a row to `record_versions` holding who did it,
when, and the record's complete content at that version — so the console can show history
and an edit can be undone, and every index catches up on the changes after the last `seq` it
applied. The SQLite file opens in WAL mode so readers in other processes are never blocked by a
writer.

`Store.shared` is where the tables several nodes must share live, the records among them: with
a database URL (ADVISOR_DATABASE_URL) the PostgreSQL database, so an edit or an import on one
node is every node's; else this file itself, through the Store's own connection (OwnConnection)
— so on SQLite a shared table is written in the Store's transactions exactly as before (a
session saved with the turn's log lines, one commit). The tables are SHARED_TABLES.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils
from psycopg.conninfo import conninfo_to_dict

from knowledge.database import OwnConnection, PostgresDb, dict_rows
from knowledge.datadir import private_database
from knowledge.migrations import POSTGRES_RECORDS, POSTGRES_SHARED, migrate
from knowledge.record_rows import StoredRecord, Version, bookkeeping, from_row, to_row, upsert, version_of
from knowledge.records import Record

DB_NAME = "knowledge.db"
RECORD_WRITES = "knowledge records"  # the turn record writers take (Store.transaction)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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
        self.database_url = database_url
        self.change_log = change_log_of(database_url)
        self.shared = (PostgresDb(database_url, POSTGRES_SHARED + POSTGRES_RECORDS) if database_url
                       else OwnConnection(self.db))
        self._writing = 0  # how deep in Store.transaction: the outermost takes the writers' turn

    @classmethod
    def in_dir(cls, data_dir: Path | str, database_url: str = "") -> "Store":
        return cls(Path(data_dir) / DB_NAME, database_url)

    def reopened(self) -> "Store":
        """Another store on the same file and database, for another thread (a SQLite
        connection stays on the thread that opened it)."""
        return Store(self.path, self.database_url)

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
        """All writes inside commit together or not at all (nested calls use savepoints), in the
        database the records live in: this file (BEGIN IMMEDIATE), or PostgreSQL.

        The outermost one first takes the record writers' turn (`serialize`: a transaction-level
        advisory lock on PostgreSQL, held until the commit). A change's seq is drawn when it is
        written but seen by other nodes when its transaction commits: two nodes writing at once
        could commit seq 11 before seq 10, and an index caught up to 11 would never read 10
        (catch-up reads `seq > last`). Taking turns, changes commit in the order of their seqs.
        On SQLite BEGIN IMMEDIATE is that turn already."""
        with self.shared.transaction():
            if not self._writing:
                self.shared.serialize(RECORD_WRITES)
            self._writing += 1
            try:
                yield self
            finally:
                self._writing -= 1

    # -- reading ---------------------------------------------------------------------------
    def _rows(self, sql: str, params: list) -> list[dict]:
        return dict_rows(self.shared.connection().execute(sql, params))

    def get(self, record_id: str) -> StoredRecord | None:
        rows = self._rows("SELECT * FROM records WHERE id = ?", [record_id])
        return from_row(rows[0]) if rows else None

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
        return [from_row(row) for row in self._rows(sql, params)]

    def count(self, status: str = "active") -> int:
        return self.shared.connection().execute("SELECT count(*) FROM records WHERE status = ?",
                                                [status]).fetchone()[0]

    def history(self, record_id: str) -> list[Version]:
        rows = self._rows("SELECT * FROM record_versions WHERE record_id = ? ORDER BY seq", [record_id])
        return [version_of(row) for row in rows]

    def last_version_by(self, record_id: str, actor: str) -> Version | None:
        """The latest version `actor` wrote of a record: what an importer put there last, so a
        re-import can tell whether anyone changed the record since."""
        rows = self._rows("SELECT * FROM record_versions WHERE record_id = ? AND actor = ? "
                          "ORDER BY seq DESC LIMIT 1", [record_id, actor])
        return version_of(rows[0]) if rows else None

    def changes_since(self, seq: int) -> list[tuple[int, str]]:
        """(seq, record_id) of every change after `seq`: what an index must catch up on."""
        return [tuple(r) for r in self.shared.connection().execute(
            "SELECT seq, record_id FROM record_versions WHERE seq > ? ORDER BY seq", [seq]).fetchall()]

    def last_seq(self) -> int:
        return last_seq_of(self.shared.connection())

    # -- writing ---------------------------------------------------------------------------
    def put(self, record: Record, actor: str, origin: str | None = None) -> str:
        """Insert or update; returns 'inserted', 'updated' or 'unchanged'."""
        with self.transaction():
            existing = self.get(record.id)
            if existing and existing.record.content_hash == record.content_hash:
                return "unchanged"
            stamp = now()
            row = to_row(record) | bookkeeping(existing, stamp, origin)
            self.shared.connection().execute(upsert(tuple(row)), list(row.values()))
            self._log(record, row["version"], "update" if existing else "insert", actor, stamp)
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
            self.shared.connection().execute(
                "UPDATE records SET status = ?, version = ?, updated_at = ?, retired_at = ? WHERE id = ?",
                [status, version, stamp, stamp if status == "retired" else "", record_id])
            self._log(existing.record, version, "retire" if status == "retired" else "restore", actor, stamp)
            return True

    def _log(self, record: Record, version: int, action: str, actor: str, stamp: str) -> None:
        self.shared.connection().execute(
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


def _code_prefix(code: str) -> str:
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def change_log_of(database_url: str) -> str:
    """Which change log a store's seqs count: '' for the data dir's own file, else where the
    PostgreSQL database is (host, port, database, options — no user or password, which may
    change while the records stay). An index notes it (index.engine.fingerprint): the seqs
    of one log say nothing about another's records."""
    if not database_url:
        return ""
    info = conninfo_to_dict(database_url)
    return " ".join(f"{key}={info[key]}" for key in ("host", "port", "dbname", "options") if info.get(key))


def last_seq_of(db) -> int:
    """The store's latest change number: what an index that is current has applied (`db`: a
    connection of either backend)."""
    return db.execute("SELECT coalesce(max(seq), 0) FROM record_versions").fetchone()[0]


def read_last_seq(data_dir: Path | str, database_url: str = "") -> int:
    """`last_seq` through a connection of its own, from any thread (a /metrics scrape): opening
    a Store sets the file up (WAL, permissions, migrations) every time. The SQLite file is
    opened read-only."""
    if database_url:
        db = PostgresDb(database_url)
        try:
            return last_seq_of(db.connection())
        finally:
            db.close()
    db = sqlite3.connect((Path(data_dir) / DB_NAME).resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    try:
        return last_seq_of(db)
    finally:
        db.close()
