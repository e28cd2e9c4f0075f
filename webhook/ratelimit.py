"""Per-user rate limit, shared by every worker process through SQLite.

A person (or a script posing as one) sending dozens of messages a minute would keep a worker
busy searching for everyone else. Counting in SQLite, not in memory, makes the limit hold
however gunicorn spreads the messages over its workers. Fixed one-minute windows are simple
and bounded: at worst a burst straddling two windows gets twice the limit, which is harmless.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from webhook.db import SharedDb

SCHEMA = """CREATE TABLE IF NOT EXISTS rate_hits (
    user_key TEXT NOT NULL, window INTEGER NOT NULL, hits INTEGER NOT NULL,
    PRIMARY KEY (user_key, window));
CREATE INDEX IF NOT EXISTS rate_hits_window ON rate_hits (window);"""  # the prune below scanned every row
DEFAULT_LIMIT = 20  # messages per minute: far above anyone typing, below any flood


class RateLimiter:
    def __init__(self, db_path: str | Path, limit: int = DEFAULT_LIMIT, window: int = 60,
                 clock: Callable[[], float] = time.time):
        self.db = SharedDb(db_path, SCHEMA)
        self.limit, self.window, self.clock = limit, window, clock

    def allow(self, user_key: str) -> bool:
        """Count one message for `user_key`; False once the window's limit is passed."""
        window = int(self.clock() // self.window)
        with self.db.transaction() as db:
            db.execute("DELETE FROM rate_hits WHERE window < ?", (window - 1,))
            (hits,) = db.execute(
                "INSERT INTO rate_hits VALUES (?, ?, 1) ON CONFLICT (user_key, window)"
                " DO UPDATE SET hits = hits + 1 RETURNING hits", (user_key, window)).fetchone()
        return hits <= self.limit

    def close(self) -> None:
        self.db.close()
