"""The delivery ledger: one row per inbound WeChat/WeCom message, shared by every worker process.

WeChat retries a callback it got no answer to within 5 seconds, up to three times, and the
retries may land on any gunicorn worker. The ledger makes "never repeat, never lose" hold
across processes: the first request *claims* the message key (an INSERT that only one process
can win), the advisor runs once, and every later request with the same key reads the stored
reply instead of asking again. A message whose answer is late is *handed over* to the send
API; the ledger records whether that delivery worked and keeps the answer when it did not.

States: pending (claimed, advisor running) → answered (reply stored, given passively)
        pending → async (handed over) → sent | failed (reply stored, delivery outcome known)
        pending | async without a reply, claimer dead or stale → pending again (taken over)

A claim can outlive its claimer: a worker killed (OOM, restart, a crash) after claiming leaves
a row that is pending, or async with no reply, and nobody left to answer it, while WeChat's
retries (about 5, 10 and 15 s after the message) would wait on it and finally reply "success"
to nobody's answer. So an unanswered row is *taken over* by the next request for its key when
its claimer process is gone (a pid is checked only on its own node: with ADVISOR_DATABASE_URL
several nodes share the ledger, and another node's pid says nothing here; a node is named by
ADVISOR_NODE_NAME, the host name by default) or when the claim is older than STALE_SECONDS (a
live claimer that neither answered nor gave up: its job is stuck in the queue, or its process is
frozen; a claimer on another node is only ever judged so). A turn that is
running keeps its claim fresh (`running`: a heartbeat), so a slow turn is never taken over and
run twice; a queued job whose claim was taken over is skipped (`start`). Each claim has a number; a reply stored by an
earlier claim that was taken over is dropped ("superseded"), so the message is still answered
exactly once. `undelivered()` lists what the console must look at: replies that failed or never
went out, and messages nobody answered.

A message acknowledged with "success" is a promise even when no retry comes: each claim keeps
the question (`request`), so a sweep in any worker (webhook/recovery.py) finds what a dead or
hung claimer left (`recoverable`), takes it over as handed over (`recover`) and answers it
through the send API — or, past WeChat's 48 h customer-service window, reports it (`expire`).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from knowledge.database import DATABASE_ERRORS
from webhook.db import Database, shared

log = logging.getLogger(__name__)

KEEP_SECONDS = 2 * 86400  # delivered rows older than this are pruned; failed ones are kept
PRUNE_EVERY = 60.0  # seconds between one process's prunes: rows only age out, so no claim need wait for it
STALE_SECONDS = 15.0  # WeChat's retries span ~15 s: a live claimer silent this long is stuck
BEAT_EVERY = 5.0  # seconds between refreshes of a claim whose turn is running (well under STALE_SECONDS)
RECOVER_AFTER = 30.0  # seconds: past WeChat's retries, a sweep takes over what a live claimer left
SEND_WINDOW = 48 * 3600.0  # WeChat's customer-service window: an older message may not be answered
SCHEMA = """CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, channel TEXT NOT NULL, user_id TEXT NOT NULL,
    status TEXT NOT NULL, parts TEXT, intent TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at);"""
CLAIM_COLUMNS = {  # added in place to files written before claims could be taken over
    "owner": "INTEGER NOT NULL DEFAULT 0",  # pid of the claiming process
    "attempt": "INTEGER NOT NULL DEFAULT 1",  # 1 for the first claim, +1 per take-over
    "claimed_at": "REAL NOT NULL DEFAULT 0",
    "request": "TEXT NOT NULL DEFAULT ''",  # the question as JSON, so another worker can answer it
    "node": "TEXT NOT NULL DEFAULT ''"}  # the claiming process's node name ('' before nodes: this one)
UNANSWERED = "parts IS NULL AND status IN ('pending', 'async')"
# failed sends, replies handed over whose send never reported back, and messages nobody answered
# (parameters: two times STALE_SECONDS ago)
UNDELIVERED = ("(status = 'failed' OR (status = 'async' AND parts IS NOT NULL AND updated_at <= ?)"
               f" OR ({UNANSWERED} AND claimed_at <= ?))")
COLUMNS = "key, channel, user_id, status, parts, intent, outcome, attempt, created_at, updated_at"


@dataclass(frozen=True)
class Delivery:
    key: str
    channel: str
    user_id: str
    status: str  # pending | answered | async | sent | failed
    parts: tuple[str, ...] | None  # the reply, split to the channel's limit; None while pending
    intent: str
    outcome: str  # how the async delivery went, for the console and the logs
    attempt: int = 1  # which claim the row belongs to (2+: taken over from a dead or stuck one)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class Orphan:
    """A promised answer its claimer left behind (see Ledger.recoverable)."""

    delivery: Delivery
    request: dict  # {"text", "region", "lead"} as claimed; {} for a row from before requests were kept


class Ledger:
    """Deliveries in the channels database (see webhook.db): the process's own, or a path or URL."""

    def __init__(self, db: Database | str | Path, clock: Callable[[], float] = time.time,
                 alive: Callable[[int], bool] | None = None, node: str = ""):
        self.db, self._owns_db = shared(db, SCHEMA)
        self.node = node or socket.gethostname()  # which node this process's claims say they live on
        self.clock = clock
        self.alive = alive or pid_alive
        self._pruned_at: float | None = None
        self._heartbeat = _Heartbeat(self._touch)
        self.db.add_columns("deliveries", CLAIM_COLUMNS)  # tables written before claims could be taken over

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    def claim(self, key: str, channel: str, user_id: str, request: dict | None = None) -> int | None:
        """The claim number for exactly one caller per key, in any process — that caller runs the
        advisor — else None. An unanswered row whose claimer died or is stuck is taken over.

        A new key is one INSERT, which only one process can win; only a key already there needs
        the read-then-write transaction of a take-over."""
        now, pid = self.clock(), os.getpid()
        if self.db.connection().execute(
                "INSERT INTO deliveries (key, channel, user_id, status, created_at, updated_at,"
                " owner, attempt, claimed_at, request, node) VALUES (?, ?, ?, 'pending', ?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, channel, user_id, now, now, pid, now,
                 json.dumps(request or {}, ensure_ascii=False), self.node)).rowcount == 1:
            self._prune(now)
            return 1
        with self.db.transaction() as db:
            return self._take_over(db, key, now, pid)

    def _prune(self, now: float) -> None:
        """Forget delivered rows older than KEEP_SECONDS, at most once per PRUNE_EVERY seconds of
        this process (a few seconds' extra keep is nothing beside two days; a DELETE per claim
        was a statement per message)."""
        if self._pruned_at is not None and self._pruned_at <= now < self._pruned_at + PRUNE_EVERY:
            return
        self._pruned_at = now
        self.db.connection().execute("DELETE FROM deliveries WHERE created_at < ? AND status IN ('answered', 'sent')",
                                     (now - KEEP_SECONDS,))

    def _take_over(self, db, key: str, now: float, pid: int) -> int | None:
        """Inside claim's transaction (SQLite's BEGIN IMMEDIATE, or the row locked FOR UPDATE:
        one process of any node at a time decides)."""
        row = db.execute(f"SELECT owner, node, attempt, claimed_at FROM deliveries WHERE key = ? AND {UNANSWERED}"
                         + self.db.for_update, (key,)).fetchone()
        if row is None:
            return None
        owner, node, attempt, claimed_at = row
        if self._claimer_alive(owner, node) and now - claimed_at < STALE_SECONDS:
            return None
        db.execute("UPDATE deliveries SET status = 'pending', owner = ?, node = ?, attempt = ?, claimed_at = ?,"
                   " updated_at = ?, outcome = ? WHERE key = ?",
                   (pid, self.node, attempt + 1, now, now, f"taken over from claim {attempt}", key))
        return attempt + 1

    def _claimer_alive(self, owner: int, node: str) -> bool:
        """Another node's process cannot be looked at from here: it counts as alive, so only
        the age rules take its claims over."""
        return node not in ("", self.node) or self.alive(owner)

    def start(self, key: str, attempt: int) -> bool:
        """The answer job for claim `attempt` begins: True while that claim still holds (its
        staleness now counts from here, not from the claim: a job that waited in the advisor
        thread's queue is not stuck). False when a later claim took the message over while the
        job was queued — then it must not run the advisor at all, or the turn (session step,
        case, log lines) would happen twice."""
        return self._touch(key, attempt)

    @contextmanager
    def running(self, key: str, attempt: int) -> Iterator[None]:
        """While the turn of claim `attempt` runs: a thread of this process refreshes the claim
        every BEAT_EVERY seconds, so a turn slower than STALE_SECONDS (an index catching up) is
        never taken over by a retry or a sweep and run a second time — two in-rows and two
        out-rows for one message. A claim stops beating only when its process is gone or frozen
        whole (SIGSTOP); if a frozen one resumes, its turn can still run twice: the limit of a
        lease without fencing."""
        self._heartbeat.hold(key, attempt)
        try:
            yield
        finally:
            self._heartbeat.release(key)

    def _touch(self, key: str, attempt: int) -> bool:
        """Claim `attempt` is alive now; False when it no longer holds."""
        return self.db.connection().execute(
            f"UPDATE deliveries SET claimed_at = ? WHERE key = ? AND attempt = ? AND {UNANSWERED}",
            (self.clock(), key, attempt)).rowcount == 1

    def answer(self, key: str, parts: list[str], intent: str, attempt: int | None = None) -> str:
        """Store the reply; returns the status after it: 'async' means nobody is waiting for it
        any more and the caller must deliver it through the send API; 'superseded' means a later
        claim took the message over, so this reply is dropped (that claim answers instead).
        One statement: the claim check, the new status and the reply land together."""
        claim = ("", ()) if attempt is None else (" AND attempt = ?", (attempt,))
        rows = self.db.connection().execute(
            "UPDATE deliveries SET parts = ?, intent = ?, updated_at = ?,"
            " status = CASE status WHEN 'pending' THEN 'answered' ELSE status END"
            f" WHERE key = ?{claim[0]} RETURNING status",
            (json.dumps(parts, ensure_ascii=False), intent, self.clock(), key, *claim[1])).fetchall()
        return rows[0][0] if rows else "superseded"

    def settle(self, key: str) -> Delivery | None:
        """The waiting is over: a stored reply is returned as it is; a reply still pending is
        handed over (→ async) in the same transaction, so exactly one of the two happens.
        The usual case, already answered, is only read: no write lock for the other worker to wait on."""
        delivery = self.get(key)
        if delivery is None or delivery.status != "pending":
            return delivery  # nothing turns a settled row back to pending but a take-over, which answers itself
        with self.db.transaction() as db:
            if self._status(db, key, self.db.for_update) == "pending":
                db.execute("UPDATE deliveries SET status = 'async', updated_at = ? WHERE key = ?",
                           (self.clock(), key))
            return self._read(db, key)

    def sends_here(self, key: str) -> bool:
        """Whether this process still holds the row (its sender may send): False once another
        worker's sweep or a console resend took it over — a sender frozen (SIGSTOP) past
        RECOVER_AFTER that resumes must not send the answer a second time (nor may a process of
        another node that happens to have the same pid)."""
        row = self.db.connection().execute("SELECT owner, node FROM deliveries WHERE key = ?", (key,)).fetchone()
        return row is not None and (row[0] == 0 or (row[0] == os.getpid() and row[1] in ("", self.node)))

    def delivered(self, key: str, ok: bool, outcome: str) -> None:
        """Record how the send API did; a failed delivery keeps its reply for the console."""
        self.db.connection().execute(
            "UPDATE deliveries SET status = ?, outcome = ?, updated_at = ? WHERE key = ?",
            ("sent" if ok else "failed", outcome, self.clock(), key))

    def get(self, key: str) -> Delivery | None:
        return self._read(self.db.connection(), key)

    def undelivered(self, limit: int = 100, channel: str = "", user_id: str = "") -> list[Delivery]:
        """For the console, newest first (one person's when `channel` and `user_id` are given):
        replies the send API did not deliver (failed), replies handed over whose delivery never
        reported back (async with parts, the sender died), and messages nobody answered
        (pending or async without a reply, claim older than STALE_SECONDS: the claimer died and
        no retry came to take over)."""
        old = self.clock() - STALE_SECONDS
        rows = self.db.connection().execute(
            f"SELECT {COLUMNS} FROM deliveries WHERE {UNDELIVERED} AND (? = '' OR (channel = ? AND user_id = ?))"
            " ORDER BY created_at DESC LIMIT ?", (old, old, channel, channel, user_id, limit))
        return [_delivery(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """For /metrics: `deferred`, messages handed over to the send API whose delivery has not
        reported back yet (answered late, or still being answered), and `undelivered`, what
        `undelivered` lists for the console."""
        old = self.clock() - STALE_SECONDS
        deferred, undelivered = self.db.connection().execute(
            f"SELECT count(*) FILTER (WHERE status = 'async'), count(*) FILTER (WHERE {UNDELIVERED})"
            " FROM deliveries", (old, old)).fetchone()
        return {"deferred": deferred, "undelivered": undelivered}

    def orphan(self, key: str) -> Orphan | None:
        """One row with the question it keeps (the console's resend)."""
        row = self.db.connection().execute(f"SELECT {COLUMNS}, request FROM deliveries WHERE key = ?",
                                           (key,)).fetchone()
        return Orphan(_delivery(row[:10]), json.loads(row[10] or "{}")) if row else None

    def recoverable(self, limit: int = 20) -> list[Orphan]:
        """Promised answers nobody is delivering, oldest first: unanswered rows whose claimer is
        gone or silent for RECOVER_AFTER, and replies handed over whose send never reported
        back within RECOVER_AFTER (the sender died or hangs)."""
        now = self.clock()
        rows = self.db.connection().execute(
            f"SELECT {COLUMNS}, owner, claimed_at, request, node FROM deliveries WHERE {UNANSWERED}"
            " OR (status = 'async' AND parts IS NOT NULL AND updated_at <= ?) ORDER BY created_at LIMIT ?",
            (now - RECOVER_AFTER, limit)).fetchall()
        return [Orphan(_delivery(row[:10]), json.loads(row[12] or "{}")) for row in rows
                if row[4] is not None or not self._claimer_alive(row[10], row[13])
                or now - row[11] >= RECOVER_AFTER]

    def recover(self, orphan: Orphan) -> int | None:
        """Take an orphan over for this process as handed over (nobody waits for a passive
        reply any more): its new claim number, or None when another process got there first
        or its claimer reported back meanwhile. A kept reply stays, to be sent as it is; a
        failed one is taken over only by the console's resend (the sweep never lists it)."""
        old = orphan.delivery
        now = self.clock()
        rows = self.db.connection().execute(
            "UPDATE deliveries SET status = 'async', owner = ?, node = ?, attempt = attempt + 1, claimed_at = ?,"
            " updated_at = ?, outcome = ? WHERE key = ? AND attempt = ? AND updated_at = ?"
            " AND status IN ('pending', 'async', 'failed') RETURNING attempt",
            (os.getpid(), self.node, now, now, f"recovered from claim {old.attempt}", old.key, old.attempt,
             old.updated_at)).fetchall()
        return rows[0][0] if rows else None

    def expire(self, orphan: Orphan, reason: str) -> bool:
        """Give an orphan up as failed (kept for the console), unless it changed meanwhile."""
        old = orphan.delivery
        return self.db.connection().execute(
            "UPDATE deliveries SET status = 'failed', outcome = ?, updated_at = ?"
            " WHERE key = ? AND attempt = ? AND updated_at = ? AND status IN ('pending', 'async')",
            (reason, self.clock(), old.key, old.attempt, old.updated_at)).rowcount == 1

    def wait(self, key: str, until: float, poll: float = 0.05) -> Delivery | None:
        """Poll until the delivery leaves 'pending' or the monotonic clock passes `until`."""
        while True:
            delivery = self.get(key)
            if delivery is None or delivery.status != "pending" or time.monotonic() >= until:
                return delivery
            time.sleep(min(poll, max(0.0, until - time.monotonic())))

    @staticmethod
    def _status(db, key: str, for_update: str) -> str | None:
        row = db.execute("SELECT status FROM deliveries WHERE key = ?" + for_update, (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _read(db, key: str) -> Delivery | None:
        row = db.execute(f"SELECT {COLUMNS} FROM deliveries WHERE key = ?", (key,)).fetchone()
        return _delivery(row) if row else None


def _delivery(row: tuple) -> Delivery:
    parts = tuple(json.loads(row[4])) if row[4] is not None else None
    return Delivery(*row[:4], parts, *row[5:])


class _Heartbeat:
    """One thread per ledger that keeps the claims of this process's running turns fresh
    (Ledger.running). It lives as long as the process, idle when nothing runs: a thread per
    turn would cost a thread start per message and a SQLite connection per thread."""

    def __init__(self, touch: Callable[[str, int], bool]):
        self._touch = touch
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, key: str, attempt: int) -> None:
        with self._lock:
            self._held[key] = attempt
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="ledger-heartbeat", daemon=True)
                self._thread.start()

    def release(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    def _beat(self) -> None:
        while True:
            time.sleep(BEAT_EVERY)
            with self._lock:
                held = list(self._held.items())
            for key, attempt in held:
                try:
                    self._touch(key, attempt)
                except DATABASE_ERRORS as error:  # a locked or full disk, a lost server: the next beat tries again
                    log.warning("could not refresh a running claim: %s", error)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (0: unknown owner, a pre-upgrade
    row — treated as alive, so only the age rule applies)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
