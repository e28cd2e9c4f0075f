"""What advisors keep for each other, never for the elder: 常用回复 (replies they reuse when a
conversation is theirs) and private notes on a conversation ("女儿说下午三点后方便接电话")."""
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
        self.store, self.db = store, store.db

    def add(self, user_id: str, author: str, text: str) -> None:
        with self.store.transaction():
            self.db["conversation_notes"].insert({"user_id": user_id, "at": _now(), "author": author,
                                                  "text": _checked(text)})

    def of(self, user_id: str) -> list[Note]:
        rows = self.db.execute("SELECT id, user_id, at, author, text FROM conversation_notes WHERE user_id = ? "
                               "ORDER BY id", [user_id]).fetchall()
        return [Note(*row) for row in rows]


class CannedReplies:
    def __init__(self, store: Store):
        self.store, self.db = store, store.db

    def add(self, text: str, by: str) -> None:
        with self.store.transaction():
            self.db["canned_replies"].insert({"text": _checked(text), "created_by": by, "created_at": _now()})

    def remove(self, reply_id: int) -> bool:
        with self.store.transaction():
            return self.db.execute("DELETE FROM canned_replies WHERE id = ?", [reply_id]).rowcount == 1

    def all(self) -> list[CannedReply]:
        rows = self.db.execute("SELECT id, text, created_by FROM canned_replies ORDER BY id").fetchall()
        return [CannedReply(*row) for row in rows]
