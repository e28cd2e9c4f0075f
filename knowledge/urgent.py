"""Urgent turns: the bot answered an emergency (摔倒、胸口疼), a scam, abuse or a crisis. The bot's
safety reply is only a first step — a person must look — so each such reply stays on the
advisors' urgent list until one of them marks it seen, whoever and whenever that was. The marks
live beside the message log in the store's shared database (Store.shared): seen on one node is
seen on all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from knowledge.conversations import Message, MessageLog
from knowledge.store import Store

URGENT_INTENTS = ("emergency", "fraud", "abuse", "self_harm")
URGENT_LABELS = {"emergency": "紧急情况", "fraud": "疑似诈骗", "abuse": "求助（可能受虐待）", "self_harm": "危机"}


@dataclass(frozen=True)
class UrgentItem:
    reply: Message  # the bot's safety reply
    question: Message | None  # what the person wrote

    @property
    def label(self) -> str:
        return URGENT_LABELS.get(self.reply.intent, "紧急")


class UrgentList:
    def __init__(self, store: Store):
        self.store = store
        self.db = store.shared

    def unseen(self, limit: int = 50) -> list[UrgentItem]:
        """Safety replies nobody has marked seen, newest first."""
        marks = ", ".join("?" * len(URGENT_INTENTS))
        rows = self.db.connection().execute(
            f"SELECT id FROM messages m WHERE direction = 'out' AND intent IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM urgent_seen s WHERE s.message_id = m.id) ORDER BY id DESC LIMIT ?",
            [*URGENT_INTENTS, limit]).fetchall()
        log = MessageLog(self.store)
        return [UrgentItem(reply, log.question_of(reply.id)) for reply in (log.get(row[0]) for row in rows) if reply]

    def mark_seen(self, message_id: int, by: str) -> bool:
        """False when the message is no urgent reply or someone marked it already."""
        message = MessageLog(self.store).get(message_id)
        if message is None or message.direction != "out" or message.intent not in URGENT_INTENTS:
            return False
        return self.db.connection().execute(
            "INSERT INTO urgent_seen (message_id, seen_by, seen_at) VALUES (?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
            [message_id, by, datetime.now(timezone.utc).isoformat(timespec="seconds")]).rowcount == 1

    def seen_by(self, message_id: int) -> str:
        row = self.db.connection().execute("SELECT seen_by FROM urgent_seen WHERE message_id = ?", [message_id]).fetchone()
        return row[0] if row else ""
