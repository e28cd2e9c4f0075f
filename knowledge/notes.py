"""What advisors keep for each other, never for the elder: 常用回复 (replies they reuse when a
conversation is theirs) and private notes on a conversation ("女儿说下午三点后方便接电话").
Both live in the store's shared database (Store.shared): every node's advisors see them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from knowledge.store import Store

MAX_CHARS = 1000


@dataclass(frozen=True)
class Note:
    id: int
    user_id: str
    at: str
    author: str
    text: str


@dataclass(frozen=True)
class CannedReply:
    id: int
    text: str
    created_by: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _checked(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValueError("empty")
    if len(text) > MAX_CHARS:
        raise ValueError("too long")
    return text


class ConversationNotes:
    def __init__(self, store: Store):
        self.db = store.shared

    def add(self, user_id: str, author: str, text: str) -> None:
        self.db.connection().execute("INSERT INTO conversation_notes (user_id, at, author, text) VALUES (?, ?, ?, ?)",
                                     [user_id, _now(), author, _checked(text)])

    def of(self, user_id: str) -> list[Note]:
        rows = self.db.connection().execute("SELECT id, user_id, at, author, text FROM conversation_notes WHERE user_id = ? "
                               "ORDER BY id", [user_id]).fetchall()
        return [Note(*row) for row in rows]


class CannedReplies:
    def __init__(self, store: Store):
        self.db = store.shared

    def add(self, text: str, by: str) -> None:
        self.db.connection().execute("INSERT INTO canned_replies (text, created_by, created_at) VALUES (?, ?, ?)",
                                     [_checked(text), by, _now()])

    def remove(self, reply_id: int) -> bool:
        return self.db.connection().execute("DELETE FROM canned_replies WHERE id = ?", [reply_id]).rowcount == 1

    def all(self) -> list[CannedReply]:
        rows = self.db.connection().execute("SELECT id, text, created_by FROM canned_replies ORDER BY id").fetchall()
        return [CannedReply(*row) for row in rows]
