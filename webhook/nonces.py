"""A signed (timestamp, nonce) carries one message only, in every worker process.

In plain mode WeChat's signature covers the token, the timestamp and the nonce — not the body.
One captured signed URL would let anyone post forged messages as any openid for as long as
`check_timestamp` accepts the timestamp (5 minutes): open a 转人工 case as the victim, read the
victim's cases back with 查进度, wipe a session with an unsubscribe. So every worker records,
in the channels database (webhook.db), each pair it accepted with a digest of the body, for as long as the timestamp
is acceptable, and a pair seen before with another body is refused (403).

The same pair with the same body is let through: that is WeChat retrying the callback it got
no answer to (the request again, as it was), and the ledger answers it as the message it
already is; a replay of it can say nothing the real message did not. Safe mode and WeCom sign
the ciphertext too, so there a forged body already fails its msg_signature; the same check
runs for them all, one statement a message.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable

from webhook.channels.wxcrypto import MAX_AGE, BadSignature
from webhook.db import Database, shared

SCHEMA = """CREATE TABLE IF NOT EXISTS nonces (
    channel TEXT NOT NULL, "timestamp" INTEGER NOT NULL, nonce TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (channel, "timestamp", nonce));
CREATE INDEX IF NOT EXISTS nonces_timestamp ON nonces ("timestamp");"""  # quoted: a type name in PostgreSQL
PRUNE_EVERY = 60.0  # seconds between one process's prunes: an old pair is refused by its timestamp anyway


class ReusedNonce(BadSignature):
    """The signature was made for another message: it does not authenticate this body."""

    message = "timestamp and nonce were already used by another message"


class NonceLog:
    """The (channel, timestamp, nonce) pairs accepted within the timestamp window."""

    def __init__(self, db: Database | str | Path, clock: Callable[[], float] = time.time):
        self.db, self._owns_db = shared(db, SCHEMA)
        self.clock = clock
        self._pruned_at: float | None = None

    def check(self, channel: str, timestamp: str, nonce: str, body: bytes) -> None:
        """Record the pair for this body, or raise ReusedNonce if it came with another body.
        Call only for a request whose signature and timestamp checked out: an unsigned one must
        not be able to spend a nonce. One statement: on a conflict it returns the stored digest."""
        self._prune()
        digest = hashlib.sha256(body).hexdigest()
        ((stored,),) = self.db.connection().execute(
            'INSERT INTO nonces VALUES (?, ?, ?, ?) ON CONFLICT (channel, "timestamp", nonce)'
            " DO UPDATE SET body = nonces.body RETURNING body", (channel, int(timestamp), nonce, digest)).fetchall()
        if stored != digest:
            raise ReusedNonce()

    def count(self) -> int:
        return self.db.connection().execute("SELECT count(*) FROM nonces").fetchone()[0]

    def _prune(self) -> None:
        """Forget pairs whose timestamp is out of the window, at most once per PRUNE_EVERY seconds."""
        now = self.clock()
        if self._pruned_at is not None and self._pruned_at <= now < self._pruned_at + PRUNE_EVERY:
            return
        self._pruned_at = now
        self.db.connection().execute('DELETE FROM nonces WHERE "timestamp" < ?', (int(now - MAX_AGE),))

    def close(self) -> None:
        if self._owns_db:
            self.db.close()
