"""The delivery ledger: one row per inbound WeChat/WeCom message, shared by every worker process.

WeChat retries a callback it got no answer to within 5 seconds, up to three times, and the
retries may land on any gunicorn worker. The ledger makes "never repeat, never lose" hold
across processes: the first request *claims* the message key (an INSERT that only one process
can win), the advisor runs once, and every later request with the same key reads the stored
reply instead of asking again. A message whose answer is late is *handed over* to the send
API; the ledger records whether that delivery worked and keeps the answer when it did not.

States: pending (claimed, advisor running) → answered (reply stored, given passively)
        pending → async (handed over) → sent | failed (reply stored, delivery outcome known)
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from webhook.db import SharedDb

KEEP_SECONDS = 2 * 86400  # delivered rows older than this are pruned; failed ones are kept
SCHEMA = """CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, channel TEXT NOT NULL, user_id TEXT NOT NULL,
    status TEXT NOT NULL, parts TEXT, intent TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at);"""


@dataclass(frozen=True)
class Delivery:
    key: str
    channel: str
    user_id: str
    status: str  # pending | answered | async | sent | failed
    parts: tuple[str, ...] | None  # the reply, split to the channel's limit; None while pending
    intent: str
    outcome: str  # how the async delivery went, for the console and the logs


class Ledger:
    """Deliveries in one SQLite file (see webhook.db); build one per process."""

    def __init__(self, db_path: str | Path, clock: Callable[[], float] = time.time):
        self.db = SharedDb(db_path, SCHEMA)
        self.clock = clock

    def close(self) -> None:
        self.db.close()

    def claim(self, key: str, channel: str, user_id: str) -> bool:
        """True for exactly one caller per key, in any process: that caller runs the advisor."""
        now = self.clock()
        with self.db.transaction() as db:
            claimed = db.execute(
                "INSERT OR IGNORE INTO deliveries (key, channel, user_id, status, created_at, updated_at)"
                " VALUES (?, ?, ?, 'pending', ?, ?)", (key, channel, user_id, now, now)).rowcount == 1
            if claimed:
                db.execute("DELETE FROM deliveries WHERE created_at < ? AND status IN ('answered', 'sent')",
                           (now - KEEP_SECONDS,))
        return claimed

    def answer(self, key: str, parts: list[str], intent: str) -> str:
        """Store the reply; returns the status after it: 'async' means nobody is waiting for it
        any more and the caller must deliver it through the send API."""
        with self.db.transaction() as db:
            status = self._status(db, key)
            new = "answered" if status == "pending" else status
            db.execute("UPDATE deliveries SET parts = ?, intent = ?, status = ?, updated_at = ? WHERE key = ?",
                       (json.dumps(parts, ensure_ascii=False), intent, new, self.clock(), key))
        return new

    def settle(self, key: str) -> Delivery | None:
        """The waiting is over: a stored reply is returned as it is; a reply still pending is
        handed over (→ async) in the same transaction, so exactly one of the two happens."""
        with self.db.transaction() as db:
            if self._status(db, key) == "pending":
                db.execute("UPDATE deliveries SET status = 'async', updated_at = ? WHERE key = ?",
                           (self.clock(), key))
            return self._read(db, key)

    def delivered(self, key: str, ok: bool, outcome: str) -> None:
        """Record how the send API did; a failed delivery keeps its reply for the console."""
        self.db.connection().execute(
            "UPDATE deliveries SET status = ?, outcome = ?, updated_at = ? WHERE key = ?",
            ("sent" if ok else "failed", outcome, self.clock(), key))

    def get(self, key: str) -> Delivery | None:
        return self._read(self.db.connection(), key)

    def wait(self, key: str, until: float, poll: float = 0.05) -> Delivery | None:
        """Poll until the delivery leaves 'pending' or the monotonic clock passes `until`."""
        while True:
            delivery = self.get(key)
            if delivery is None or delivery.status != "pending" or time.monotonic() >= until:
                return delivery
            time.sleep(min(poll, max(0.0, until - time.monotonic())))

    @staticmethod
    def _status(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT status FROM deliveries WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _read(db: sqlite3.Connection, key: str) -> Delivery | None:
        row = db.execute("SELECT key, channel, user_id, status, parts, intent, outcome FROM deliveries"
                         " WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        parts = tuple(json.loads(row[4])) if row[4] is not None else None
        return Delivery(row[0], row[1], row[2], row[3], parts, row[5], row[6])
