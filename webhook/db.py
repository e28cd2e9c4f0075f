"""A small SQLite file shared by every worker process: the channels' ledger, rate limits and
access tokens.

Every WeChat message touches it several times, so its cost matters. A connection per call
would be simplest, but closing the last connection to a WAL database checkpoints and deletes
the WAL file: ~4 ms a write. Instead each thread keeps its own connection (thread-safe without
locks; the runtime builds one `SharedDb` per process and hands it to the ledger, the rate limiter
and the token cache, so nothing crosses a fork), and commits skip the fsync (synchronous=NORMAL:
still atomic and consistent; a power cut may undo the last commits, which here means at worst
one message answered twice). One connection per thread, not one per process: a connection
shared by threads would run one thread's statements inside another thread's open transaction.

A single write statement needs no BEGIN/COMMIT around it: it is atomic on its own, and it takes
the write lock when it starts (waiting out the busy timeout like BEGIN IMMEDIATE), so the users
of this file open `transaction()` only to read and then write.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from knowledge.datadir import private_database

BUSY_TIMEOUT = 30.0  # seconds; writes are tiny, so waiting is always better than failing


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


class SharedDb:
    def __init__(self, path: str | Path, schema: str = ""):
        """Open (creating) the file in WAL mode and run `schema` (idempotent SQL statements)."""
        self.path = private_database(path)  # 0600 in a 0700 dir: it holds access tokens
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        ensure_wal(self.connection())
        self.ensure(schema)

    def ensure(self, schema: str) -> None:
        """Run idempotent schema statements (each user of the file brings its own tables)."""
        if schema:
            self.connection().executescript(schema)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode (transactions are explicit)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
            with self._lock:
                self._all.append(db)
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

    def close(self) -> None:
        """Close every thread's connection (tests, shutdown); later calls open new ones."""
        with self._lock:
            connections, self._all = self._all, []
        self._local = threading.local()
        for db in connections:
            db.close()


def shared(db: SharedDb | str | Path, schema: str) -> tuple[SharedDb, bool]:
    """(the SharedDb to use, whether the caller owns it): the runtime's own for the process, or
    one opened on a path (tests, tools), which its user then closes. `schema` is run either way."""
    if isinstance(db, SharedDb):
        db.ensure(schema)
        return db, False
    return SharedDb(db, schema), True
