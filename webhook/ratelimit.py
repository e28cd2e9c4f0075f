"""Per-user rate limit, shared by every worker process (and node) through the channels database.

A person (or a script posing as one) sending dozens of messages a minute would keep a worker
busy searching for everyone else. Counting in the database, not in memory, makes the limit hold
however gunicorn (or a load balancer) spreads the messages over its workers. Fixed one-minute windows are simple
and bounded: at worst a burst straddling two windows gets twice the limit, which is harmless.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from webhook.db import Database, shared

SCHEMA = """CREATE TABLE IF NOT EXISTS rate_hits (
    user_key TEXT NOT NULL, "window" INTEGER NOT NULL, hits INTEGER NOT NULL,
    PRIMARY KEY (user_key, "window"));
CREATE INDEX IF NOT EXISTS rate_hits_window ON rate_hits ("window");"""  # the prune below scanned every row
# "window" is quoted: a reserved word in PostgreSQL
DEFAULT_LIMIT = 20  # messages per minute: far above anyone typing, below any flood


class RateLimiter:
    def __init__(self, db: Database | str | Path, limit: int = DEFAULT_LIMIT, window: int = 60,
                 clock: Callable[[], float] = time.time):
        self.db, self._owns_db = shared(db, SCHEMA)
        self.limit, self.window, self.clock = limit, window, clock
        self._pruned_window: int | None = None

    def allow(self, user_key: str) -> bool:
        """Count one message for `user_key`; False once the window's limit is passed.
        The count is one statement (atomic, the write lock taken as it starts)."""
        window = int(self.clock() // self.window)
        self._prune(window)
        ((hits,),) = self.db.connection().execute(
            'INSERT INTO rate_hits VALUES (?, ?, 1) ON CONFLICT (user_key, "window")'
            " DO UPDATE SET hits = rate_hits.hits + 1 RETURNING hits", (user_key, window)).fetchall()
        return hits <= self.limit

    def _prune(self, window: int) -> None:
        """Windows before the last one are never read again: forget them when this process first
        counts in a new window (not with every message)."""
        if window == self._pruned_window:
            return
        self._pruned_window = window
        self.db.connection().execute('DELETE FROM rate_hits WHERE "window" < ?', (window - 1,))

    def close(self) -> None:
        if self._owns_db:
            self.db.close()
