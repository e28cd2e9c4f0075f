"""The databases the advisor shares between threads, processes and nodes: SQLite or PostgreSQL.

A subsystem (the delivery ledger, the rate limiter, …) is handed a `SqliteDb` or a `PostgresDb`
and writes its SQL once, in the subset both understand: `?` placeholders, `ON CONFLICT … DO`,
`RETURNING`, and the two hooks below where they really differ — how a read that decides a
write is locked (`for_update`) and how processes exclude each other outside a transaction
(`lock`). docs/storage.md says why this is plain SQL rather than SQLAlchemy Core. The knowledge
store's tables take the same interface over the store's own SQLite connection (`OwnConnection`).

Each thread keeps its own connection in autocommit mode (a connection shared by threads would
run one thread's statements inside another thread's open transaction); a single write statement
is atomic by itself, so users open `transaction()` only to read and then write.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import psycopg
import sqlite_utils

from knowledge.datadir import private_database

BUSY_TIMEOUT = 30.0  # seconds; writes are tiny, so waiting is always better than failing
SCHEMA_LOCK = 0x61647669  # the advisory lock every PostgreSQL schema change holds ("advi")
# "could not do it now" (a full disk, a lock timeout, a lost connection), and any database failure
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (sqlite3.OperationalError, psycopg.OperationalError)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
_ensured: set[tuple[str, str]] = set()  # (url, schema) this process has run: a console request opens a store
POSTGRES_TYPES = ((re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # float4 rounds epoch seconds to minutes
                  (re.compile(r"\bINTEGER\b"), "BIGINT"))


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def dict_rows(cursor) -> list[dict]:
    """A cursor's rows as {column: value}, from either backend (sqlite-utils' `query` form)."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a lock's name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def open_database(target: str | Path) -> "SqliteDb | PostgresDb":
    """A PostgreSQL URL opens the shared database; anything else is a SQLite file path."""
    return PostgresDb(target) if is_postgres_url(target) else SqliteDb(target)


class _ThreadConnections:
    """One connection per thread, all of them closed together."""

    def __init__(self):
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self, connect, usable=lambda connection: True) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None or not usable(connection):
            connection = self._local.connection = connect()
            with self._lock:
                self._all.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection (tests, shutdown); later calls open new ones."""
        with self._lock:
            connections, self._all = self._all, []
        self._local = threading.local()
        for connection in connections:
            connection.close()


def ensure_wal(db: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch a new file to WAL. Two processes creating the file at once can get "database is
    locked" at once here (the busy timeout does not cover a journal-mode change), so retry."""
    for attempt in range(attempts):
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


class SqliteDb:
    """A SQLite file in WAL mode. Closing the last connection to a WAL database checkpoints and
    deletes the WAL file (~4 ms a write), so connections stay open per thread; commits skip the
    fsync (synchronous=NORMAL: still atomic and consistent; a power cut may undo the last
    commits, which for the ledger means at worst one message answered twice)."""

    dialect = "sqlite"
    for_update = ""  # BEGIN IMMEDIATE already holds the file's write lock

    def __init__(self, path: str | Path, schema: str = ""):
        """Open (creating) the file and run `schema` (idempotent SQL statements)."""
        self.path = private_database(path)  # 0600 in a 0700 dir: it holds access tokens
        self._connections = _ThreadConnections()
        ensure_wal(self.connection())
        self.ensure(schema)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode (transactions are explicit)."""
        return self._connections.get(self._connect)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: read-then-write without another process slipping in between."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def ensure(self, schema: str) -> None:
        """Run idempotent schema statements (each user of the database brings its own tables)."""
        if schema:
            self.connection().executescript(schema)

    def add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Add the missing columns, `{name: "TYPE …"}`, in one transaction: two workers starting
        at once do not both add one."""
        with self.transaction() as db:
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name, spec in columns.items():
                if name not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {spec}")

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Exclude other threads and processes of this host, outside any transaction: an flock
        on a file beside the database (per open file, so threads exclude each other too; a
        crashed holder releases it with its process)."""
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]
        with open(self.path.with_name(f"{self.path.name}.{digest}.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        self._connections.close()


@functools.lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal % doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _PostgresConnection:
    """A psycopg connection that takes the SQL written for both backends."""

    def __init__(self, connection: psycopg.Connection):
        self.raw = connection

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor:
        return self.raw.execute(_pyformat(sql), tuple(params))

    def close(self) -> None:
        self.raw.close()


class PostgresDb:
    """The PostgreSQL database that several nodes share (ADVISOR_DATABASE_URL)."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"  # the row stays locked until commit: one taker per claim, on any node

    def __init__(self, url: str, schema: str = ""):
        self.url = url
        self._connections = _ThreadConnections()
        self.ensure(schema)

    def connection(self) -> _PostgresConnection:
        """This thread's connection; a new one when the server dropped it (a restart, a
        failover), so one lost connection costs one failed statement, not the thread."""
        return self._connections.get(self._connect, lambda db: not db.raw.broken)

    def _connect(self) -> _PostgresConnection:
        return _PostgresConnection(psycopg.connect(self.url, autocommit=True, connect_timeout=int(BUSY_TIMEOUT)))

    @contextmanager
    def transaction(self) -> Iterator[_PostgresConnection]:
        """BEGIN … COMMIT (ROLLBACK on an exception); reads that decide a write add `for_update`."""
        db = self.connection()
        with db.raw.transaction():
            yield db

    def serialize(self, name: str) -> None:
        """Inside a transaction: the writers of `name` take turns until it ends, on every node
        (a read that decides a new row's number — an aggregate cannot take FOR UPDATE)."""
        self.connection().execute("SELECT pg_advisory_xact_lock(?)", (advisory_key(name),))

    @contextmanager
    def _schema_change(self) -> Iterator[_PostgresConnection]:
        """A transaction holding the schema advisory lock: two processes running
        CREATE TABLE IF NOT EXISTS at once can otherwise both try to create it and one fails."""
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            yield db

    def ensure(self, schema: str) -> None:
        """The SQLite-typed schema statements, with PostgreSQL's types (POSTGRES_TYPES); once
        per process and database (every console request opens a store, and with it this)."""
        statements = [s.strip() for s in schema.split(";") if s.strip()]
        if not statements or (self.url, schema) in _ensured:
            return
        with self._schema_change() as db:
            for statement in statements:
                for pattern, replacement in POSTGRES_TYPES:
                    statement = pattern.sub(replacement, statement)
                db.raw.execute(statement)
        _ensured.add((self.url, schema))

    def add_columns(self, table: str, columns: dict[str, str]) -> None:
        with self._schema_change() as db:
            for name, spec in columns.items():
                for pattern, replacement in POSTGRES_TYPES:
                    spec = pattern.sub(replacement, spec)
                db.raw.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {spec}")

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """A session advisory lock on this thread's connection: it excludes every process on
        every node, and a crashed holder's lock ends with its connection."""
        key = advisory_key(name)
        db = self.connection()
        db.execute("SELECT pg_advisory_lock(?)", (key,))
        try:
            yield
        finally:
            db.execute("SELECT pg_advisory_unlock(?)", (key,))

    def close(self) -> None:
        self._connections.close()


class OwnConnection:
    """The interface above over a sqlite-utils database's own connection (a SQLite Store's:
    knowledge.db), so what it keeps is written in its transactions — a session saved with the
    turn's log lines, a record with its version, one commit. A write outside a transaction gets
    one of its own: this connection is not in autocommit mode, and an implicit one would stay open."""

    for_update = ""  # BEGIN IMMEDIATE already holds the file's write lock

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def connection(self) -> "OwnConnection":
        return self

    def execute(self, sql: str, params: Sequence = ()) -> "sqlite3.Cursor | _Fetched":
        """A write runs in a transaction of its own unless one is open. A statement is atomic by
        itself (SQLite undoes a failed one), so inside a transaction it needs no savepoint: that
        would cost two more statements per write (the session and both log lines of a turn)."""
        if sql.lstrip()[:6].upper() == "SELECT" or self.db.conn.in_transaction:
            return self.db.execute(sql, params)
        with self.transaction():  # SQLite refuses to commit while RETURNING rows are unread
            return _Fetched(self.db.execute(sql, params))

    @contextmanager
    def transaction(self) -> Iterator["OwnConnection"]:
        """All writes inside commit together or not at all (nested calls use savepoints).

        The outer transaction starts with BEGIN IMMEDIATE: it takes the write lock up front, so
        a writer in another process waits (busy_timeout) instead of failing with "database is
        locked" when its read snapshot turns out stale at the first write."""
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

    def serialize(self, name: str) -> None:
        """Writers already take turns: the transactions begin IMMEDIATE."""


class _Fetched:
    """A write's cursor read out before its commit: its rowcount and its RETURNING rows."""

    def __init__(self, cursor: sqlite3.Cursor):
        self.rowcount, self._rows = cursor.rowcount, cursor.fetchall()

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return self._rows
