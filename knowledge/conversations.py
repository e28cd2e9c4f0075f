"""The message log: every question and reply, so advisors can read conversations, see what the
bot could not answer, and count how it is doing. It lives in the store's shared database
(Store.shared): with ADVISOR_DATABASE_URL every node logs into, and every console reads, one log.

Texts are stored exactly as the person wrote them — the console masks phone and ID numbers
when it shows them (knowledge.privacy), so nothing is lost if an advisor must call back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Iterable, NamedTuple

from knowledge.clock import CHINA_TZ
from knowledge.database import dict_rows
from knowledge.store import Store

DIRECTIONS = ("in", "out")
# The person's 有用/没用 on a reply, or an advisor's 答错了 (a wrong answer found in a transcript):
# unhelpful and wrong replies join the unanswered questions for review.
FEEDBACK = ("", "helpful", "unhelpful", "wrong")
# Intents whose replies are never meant to come from the knowledge base — small talk, 有用/没用,
# the referral and handoff dialogues (a case follows them up), safety replies — so they are not
# gaps in the knowledge and the unanswered list leaves them out. not_found and out_of_scope stay in.
# 'human' is the bot's silence while a console advisor has taken the conversation over: the
# advisor answers those questions, so they are no gap either, nor is 'waiting' (the bot telling
# the person an advisor has their message).
NOT_QUESTIONS = ("smalltalk", "greeting", "thanks", "capabilities", "feedback", "refer", "handoff",
                 "emergency", "fraud", "abuse", "self_harm", "human", "waiting")


@dataclass(frozen=True)
class Message:
    id: int
    user_id: str
    channel: str
    direction: str  # in | out
    text: str
    intent: str
    confidence: float
    handoff: bool
    answered: bool  # the reply rested on the knowledge base (it cited sources)
    sources: tuple[str, ...]
    feedback: str  # '' | helpful | unhelpful
    handled: bool  # an advisor marked this unanswered question as dealt with
    at: str


class Conversation(NamedTuple):
    user_id: str
    channel: str
    last_text: str
    last_at: str
    count: int
    paused_by: str  # the console advisor who took over, '' while the bot talks


def _source_ids(sources: Iterable) -> list[str]:
    """Record ids; the answer object's source dicts are accepted as they are."""
    return [str(item["id"]) if isinstance(item, dict) else str(item) for item in sources]


def _message(row: dict) -> Message:
    return Message(
        id=row["id"], user_id=row["user_id"], channel=row["channel"] or "", direction=row["direction"],
        text=row["text"], intent=row["intent"] or "", confidence=float(row["confidence"] or 0.0),
        handoff=bool(row["handoff"]), answered=bool(row["answered"]),
        sources=tuple(json.loads(row["sources"] or "[]")), feedback=row["feedback"] or "",
        handled=bool(row["handled"]), at=row["at"])


def _as_utc(value: datetime | date | str | None) -> str:
    """A lower bound comparable with the stored ISO UTC `at` strings; a date means its China midnight."""
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time(), CHINA_TZ)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
    return str(value)


# The reply to a question is the user's next outgoing message after it.
_NEXT_OUT = ("(SELECT min(o.id) FROM messages o WHERE o.user_id = q.user_id "
             "AND o.direction = 'out' AND o.id > q.id)")


class MessageLog:
    """Append-only log of messages, plus the few flags the console sets (feedback, handled)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None):
        self.db = store.shared
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    # -- writing -----------------------------------------------------------------------------
    def log(self, user_id: str, channel: str, direction: str, text: str, intent: str = "",
            confidence: float = 0.0, handoff: bool = False, answered: bool = False,
            sources: Iterable = ()) -> int:
        """Store one message; returns its id (the reply's id is what feedback refers to)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
        row = [user_id, channel, direction, text, intent, float(confidence), int(bool(handoff)),
               int(bool(answered)), json.dumps(_source_ids(sources), ensure_ascii=False), _as_utc(self._clock())]
        return self._execute(
            "INSERT INTO messages (user_id, channel, direction, text, intent, confidence, handoff, "
            "answered, sources, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", row).fetchone()[0]

    def set_feedback(self, message_id: int, feedback: str) -> None:
        """The person's 有用/没用 on a reply; '' withdraws it."""
        if feedback not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK}, not {feedback!r}")
        changed = self._execute("UPDATE messages SET feedback = ? WHERE id = ? AND direction = 'out'",
                                [feedback, message_id]).rowcount
        if not changed:
            raise KeyError(f"no reply with id {message_id}")

    def mark_wrong(self, message_id: int, user_id: str) -> bool:
        """An advisor found this bot reply wrong: it goes (back) on the review list with the
        unanswered questions. False when it is no bot reply of this person."""
        return self._execute(
            "UPDATE messages SET feedback = 'wrong', handled = 0 WHERE id = ? AND user_id = ? AND direction = 'out' "
            "AND text != '' AND coalesce(intent, '') != 'human'", [message_id, user_id]).rowcount == 1

    def mark_handled(self, ids: Iterable[int]) -> int:
        """An advisor dealt with these questions (added knowledge, called back); returns how many."""
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        return self._execute(f"UPDATE messages SET handled = 1 WHERE id IN ({', '.join('?' * len(ids))})",
                             ids).rowcount

    def _execute(self, sql: str, params: Iterable = ()):
        """One statement on this thread's connection: atomic alone, or part of the caller's
        transaction (a turn's session and both log lines commit together)."""
        return self.db.connection().execute(sql, list(params))

    def _query(self, sql: str, params: Iterable = ()) -> list[Message]:
        return [_message(row) for row in dict_rows(self._execute(sql, params))]

    # -- reading -----------------------------------------------------------------------------
    def get(self, message_id: int) -> Message | None:
        rows = self._query("SELECT * FROM messages WHERE id = ?", [message_id])
        return rows[0] if rows else None

    def last_answer(self, user_id: str) -> Message | None:
        """The last reply that rested on the knowledge base: what 有用/没用 and follow-ups refer to."""
        rows = self._query("SELECT * FROM messages WHERE user_id = ? AND direction = 'out' AND answered = 1 "
                           "ORDER BY id DESC LIMIT 1", [user_id])
        return rows[0] if rows else None

    def transcript(self, user_id: str, limit: int = 200) -> list[Message]:
        """The last `limit` messages of one person, oldest first (reading order)."""
        return self._query("SELECT * FROM messages WHERE user_id = ? ORDER BY id DESC LIMIT ?", [user_id, limit])[::-1]

    def question_of(self, answer_id: int) -> Message | None:
        """The question a reply answered: that person's last incoming message before it."""
        rows = self._query(
            "SELECT q.* FROM messages q JOIN messages a ON a.id = ? AND q.user_id = a.user_id "
            "WHERE q.direction = 'in' AND q.id < a.id ORDER BY q.id DESC LIMIT 1", [answer_id])
        return rows[0] if rows else None

    def conversations(self, limit: int = 50) -> list[Conversation]:
        """One line per person, the most recently active first, with who took it over if anyone.

        The bot's empty replies while an advisor has the conversation are left out: the last
        line shown is then what the person wrote, which is what the advisor needs to see.
        Who took a conversation over is read from the sessions (a second query, not a join:
        a page of lines needs one lookup).
        """
        rows = self._execute(
            "SELECT m.user_id, m.channel, m.text, m.at, c.n FROM "
            "(SELECT user_id, max(id) AS last_id, count(*) AS n FROM messages "
            "WHERE NOT (direction = 'out' AND text = '') GROUP BY user_id) c "
            "JOIN messages m ON m.id = c.last_id ORDER BY c.last_id DESC LIMIT ?", [limit]).fetchall()
        paused = self._taken_over([row[0] for row in rows])
        return [Conversation(user, channel or "", text, at, count, paused.get(user, ""))
                for user, channel, text, at, count in rows]

    def _taken_over(self, user_ids: list[str]) -> dict[str, str]:
        """{conversation: the advisor who has it} for those of `user_ids` taken over."""
        if not user_ids:
            return {}
        rows = self._execute(
            f"SELECT user_id, paused_by FROM sessions WHERE user_id IN ({', '.join('?' * len(user_ids))})"
            " AND paused_by != ''", user_ids).fetchall()
        return dict(rows)

    def waiting_for_a_person(self, user_id: str) -> int:
        """What this person wrote for a human that no advisor has answered yet: their messages
        after the last advisor reply (intent 'human' with text) that the bot did not answer
        itself — the 转人工 request, and whatever came while an advisor had the conversation."""
        return self._execute(
            f"SELECT count(*) FROM messages q LEFT JOIN messages a ON a.id = {_NEXT_OUT} "
            "WHERE q.user_id = ? AND q.direction = 'in' AND (a.id IS NULL OR a.intent IN ('handoff', 'waiting', 'human')) "
            "AND q.id > coalesce((SELECT max(id) FROM messages WHERE user_id = ? AND direction = 'out' "
            "AND intent = 'human' AND text != ''), 0)", [user_id, user_id]).fetchone()[0]

    def unanswered(self, since: datetime | date | str | None = None,
                   include_handled: bool = False) -> list[Message]:
        """What the knowledge base could not answer, newest first.

        Two kinds of message: a question whose reply did not rest on the knowledge base, and a
        reply the person marked unhelpful (direction 'out'; `question_of` finds its question).
        A question with no reply yet is left out: it may still be being answered, or an advisor
        who took the conversation over is answering it.
        """
        handled = "" if include_handled else "AND q.handled = 0"
        not_questions = ", ".join("?" * len(NOT_QUESTIONS))
        sql = (f"SELECT q.* FROM messages q JOIN messages a ON a.id = {_NEXT_OUT} "
               f"WHERE q.direction = 'in' AND q.at >= ? {handled} AND a.answered = 0 "
               f"AND coalesce(a.intent, '') NOT IN ({not_questions}) "
               f"AND coalesce(q.intent, '') NOT IN ({not_questions}) "
               f"UNION SELECT q.* FROM messages q WHERE q.direction = 'out' AND q.feedback IN ('unhelpful', 'wrong') "
               f"AND q.at >= ? {handled} ORDER BY id DESC")
        bound = _as_utc(since)
        return self._query(sql, [bound, *NOT_QUESTIONS, *NOT_QUESTIONS, bound])
