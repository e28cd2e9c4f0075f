"""Per-user conversation state: remembered slots, the last answer, what we asked back.

Kept in the store's shared database (table `sessions`: the knowledge database, migration v3, or
PostgreSQL with ADVISOR_DATABASE_URL) so it survives a restart and every worker process — and
every node — sees the same state, a console takeover included. A session idle longer than the TTL starts afresh:
"那深圳呢" an hour later should not lean on a forgotten question.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Callable

from knowledge.store import Store

DEFAULT_TTL = 1800  # seconds (ADVISOR_SESSION_TTL)


@dataclass
class Session:
    user_id: str
    region: str = ""  # a division code once the user named a place ("我在南宁")
    slots: dict = field(default_factory=dict)  # age, conditions, income, needs
    last_question: str = ""
    topic_region: str = ""  # the place the conversation is about: the last one a question named
    last_terms: list[str] = field(default_factory=list)  # content words of the last question (那90岁的呢)
    last_kind_hint: str = ""
    last_ids: list[str] = field(default_factory=list)  # records of the last answer, for follow-ups
    last_documents: list[str] = field(default_factory=list)  # the documents it cited (Source.key): kept through a refusal
    list_ids: list[str] = field(default_factory=list)  # a numbered list we showed ("第二个呢")
    pages: list[str] = field(default_factory=list)  # the rest of a long answer ("更多")
    pending: dict = field(default_factory=dict)  # what we asked back: region | referral step | choice
    traditional: bool = False
    told_waiting: str = ""  # the advisor whose takeover the person was told about (once per takeover)
    paused_by: str = ""  # a console advisor who took the conversation over

    def forget_answer(self) -> None:
        self.last_ids, self.list_ids, self.pages = [], [], []

    def to_json(self) -> str:
        """The stored state: every field but the user id and the console's takeover, in field
        order. Shallow on purpose: json.dumps copies nothing, and `asdict`'s deep copy of every
        list and dict was the costliest part of saving a turn."""
        return json.dumps({name: getattr(self, name) for name in STATE_FIELDS}, ensure_ascii=False)

    @classmethod
    def from_json(cls, user_id: str, text: str, paused_by: str = "") -> "Session":
        known = {k: v for k, v in json.loads(text or "{}").items() if k in cls.__dataclass_fields__}
        return cls(user_id=user_id, paused_by=paused_by or "", **known)


STATE_FIELDS = tuple(f.name for f in fields(Session) if f.name not in ("user_id", "paused_by"))


def _utc_now(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


class SessionStore:
    def __init__(self, store: Store, ttl: int = DEFAULT_TTL, clock: Callable[[], float] = time.time):
        self.db, self.ttl, self.clock = store.shared, ttl, clock

    def load(self, user_id: str) -> Session:
        row = self.db.connection().execute("SELECT state, updated_at, paused_by FROM sessions WHERE user_id = ?",
                              [user_id]).fetchone()
        if row is None:
            return Session(user_id)
        state, updated_at, paused_by = row
        if self.clock() - (updated_at or 0) > self.ttl:
            return Session(user_id, paused_by=paused_by or "")  # expired: a takeover still holds
        return Session.from_json(user_id, state, paused_by)

    def save(self, session: Session, channel: str) -> None:
        """Upsert the state; `paused_by` belongs to the console and is left as it is."""
        self.db.connection().execute(
            "INSERT INTO sessions (user_id, channel, state, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET channel = excluded.channel, state = excluded.state, "
            "updated_at = excluded.updated_at",
            [session.user_id, channel, session.to_json(), self.clock()])

    def pause(self, user_id: str, by: str, channel: str) -> str:
        """A console advisor takes the conversation over: the bot stays silent for this user.
        Returns who holds it now: `by`, or the advisor who took it first (two clicks at once
        must not leave two people answering one elder, so the claim is one conditional write).

        The person may not have a session row yet (a handoff case from an expired session, or a
        takeover before the first question): one is created with an empty state. An existing
        row keeps its state and its `updated_at`, so a takeover does not extend the TTL.
        """
        if not by.strip():
            raise ValueError("a takeover needs the advisor's name")
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO sessions (user_id, channel, state, updated_at, paused_by, paused_at) "
                "VALUES (?, ?, '{}', ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET paused_by = excluded.paused_by, paused_at = excluded.paused_at "
                "WHERE coalesce(sessions.paused_by, '') IN ('', excluded.paused_by)",
                [user_id, channel, self.clock(), by.strip(), _utc_now(self.clock())])
            return self.paused_by(user_id)

    def resume(self, user_id: str) -> bool:
        """Hand the conversation back to the bot; False when it was not taken over."""
        return self.db.connection().execute(
            "UPDATE sessions SET paused_by = '', paused_at = '' WHERE user_id = ? AND paused_by != ''",
            [user_id]).rowcount > 0

    def paused_by(self, user_id: str) -> str:
        """Who took this conversation over, '' while the bot answers."""
        row = self.db.connection().execute("SELECT paused_by FROM sessions WHERE user_id = ?", [user_id]).fetchone()
        return (row[0] or "") if row else ""

    def paused_at(self, user_id: str) -> str:
        """When the current takeover began (ISO UTC), '' while the bot answers."""
        row = self.db.connection().execute("SELECT paused_at FROM sessions WHERE user_id = ?", [user_id]).fetchone()
        return (row[0] or "") if row else ""

    def end(self, user_id: str) -> None:
        """Forget a user's conversation (WeChat unsubscribe)."""
        self.db.connection().execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
