"""The advisor: one message in, one reply out — safety first, then the conversation, then search.

Pure Python (no Flask): the channels, the console and the terminal all call `Advisor.handle`.
Order matters: emergencies and scams are answered before anything else and never searched;
then a pending question we asked back (a place, a referral step); then follow-ups leaning on
the last answer; only then a knowledge search. Every turn is logged for the console.
"""
from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from advisor import answers, intents, referral, safety, slots
from advisor.answer_cache import DEFAULT_SIZE as DEFAULT_CACHE
from advisor.compose import PAGE_CHARS, paginate
from advisor.reply import Message, Reply
from advisor.session import DEFAULT_TTL, Session, SessionStore
from index.search import Searcher
from knowledge.cases import CaseBook
from knowledge.conversations import MessageLog
from knowledge.database import OPERATIONAL_ERRORS
from knowledge.regions import NATIONAL, Region, from_code, resolve
from knowledge.store import Store

log = logging.getLogger(__name__)
PROGRESS = re.compile(r"查进度|进度|办得怎么样|处理到哪")
WAITING_FOR_ADVISOR = "社区养老顾问正在看您的消息，会尽快在这里回复您，请稍候。情况紧急请直接拨打120或110。"
UNSAVED_KEPT = 1000  # turns kept in memory for a later save while writes fail (a full disk, a long import)
MAX_CHARS = 2000  # longer messages are cut: nobody types more, and analysis cost grows with length
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # and lone surrogates (not UTF-8)
# Pure functions of the message text that every turn asks; elders send the same messages again
# and again, so each process remembers them (frozen results, no knowledge involved).
detect_intent = lru_cache(maxsize=4096)(intents.detect)
is_traditional = lru_cache(maxsize=4096)(intents.is_traditional)
extract_slots = lru_cache(maxsize=4096)(slots.extract)
SAFETY = {"emergency": lambda d, a: safety.emergency(d.kind), "medical": lambda d, a: safety.medical(),
          "abuse": lambda d, a: safety.abuse(), "fraud": lambda d, a: safety.fraud(a.anti_fraud_records())}
SAFETY_NOTES = {"abuse": safety.REPORT_ABUSE, "fraud": safety.FRAUD_NOTE}  # below a knowledge answer (ANSWERED_FIRST)


class Advisor:
    def __init__(self, store: Store, searcher: Searcher, ttl: int = DEFAULT_TTL, clock=time.time,
                 cache_size: int = DEFAULT_CACHE, home_region: str = ""):
        self.store, self.searcher = store, searcher
        self.sessions = SessionStore(store, ttl, clock)
        self.cases = CaseBook(store)
        self.log = MessageLog(store)
        self.answers = answers.Answers(searcher, cache_size, resolve(home_region) if home_region else NATIONAL)
        self.write_failure = ""  # why the last turn's session and log could not be saved ('' once one was)
        self._unsaved: list[tuple] = []  # turns answered but not saved yet, oldest first

    @classmethod
    def open(cls, data_dir: Path | str, ttl: int = DEFAULT_TTL, cache_size: int = DEFAULT_CACHE,
             home_region: str = "", database_url: str = "") -> "Advisor":
        store = Store.in_dir(data_dir, database_url)
        return cls(store, Searcher(store, data_dir), ttl, cache_size=cache_size, home_region=home_region)

    def handle(self, message: Message) -> Reply:
        text = clean(message.text)
        session = self.sessions.load(message.conversation)
        if message.region:
            session.region = message.region
        if text:
            session.traditional = is_traditional(text)
            remember_slots(session, text)
        reply = self._paged(self._respond(text, session, message), session)
        if session.traditional:
            reply = reply.with_text(intents.to_traditional(reply.reply))
        self._save_turn(message, text, session, reply)
        return reply

    def _save_turn(self, message: Message, text: str, session: Session, reply: Reply) -> None:
        """One commit per turn: session and both log lines together. A write that fails (a full
        disk, a database locked past its busy timeout by a large import's transaction) does not
        cost the answer: the person still hears it, the operator reads why here and on /healthz,
        and the turn is kept (up to UNSAVED_KEPT) to be saved, in order and with its own time,
        with the next turn that can write."""
        self._unsaved = [*self._unsaved, (message, text, session, reply, datetime.now(timezone.utc))][-UNSAVED_KEPT:]
        try:
            with self.store.shared.transaction():  # sessions and the message log: one database
                for turn in self._unsaved:
                    self._write_turn(*turn)
        except OPERATIONAL_ERRORS as exc:
            self.write_failure = str(exc)
            log.error("a %s turn was answered but its session and log were not saved (%d turns wait for the"
                      " next write): %s (the answer is worth more than its log line)",
                      message.channel, len(self._unsaved), exc)
            return
        self._unsaved, self.write_failure = [], ""

    def _write_turn(self, message: Message, text: str, session: Session, reply: Reply, at: datetime) -> None:
        self.sessions.save(session, message.channel)
        self._log(MessageLog(self.store, clock=lambda: at), message, text, reply)

    def _respond(self, text: str, session: Session, message: Message) -> Reply:
        if session.paused_by:
            return self._taken_over(text, session)
        session.told_waiting = ""
        if not text:
            return answers.smalltalk("greeting")
        detected = detect_intent(text)
        if intents.answered_first(detected):
            session.pending = {}
            return self._answered_with_note(text, session, detected)
        if detected and detected.intent in SAFETY:
            session.pending = {}
            return SAFETY[detected.intent](detected, self)
        if detected and detected.intent == "handoff":
            return self._handoff(text, session, message.channel)
        if session.pending.get("type") == "referral":
            return referral.step(text, session, self._region_in(text), self.cases, message.channel)
        if detected:
            return self._meta(detected, text, session, message)
        return self._follow_up(text, session, message) or self._search(intents.strip_greeting(text), session)

    def _meta(self, detected: intents.Detected, text: str, session: Session, message: Message) -> Reply:
        if detected.intent == "refer":
            return referral.start(text, session, self._region_in(text))
        if detected.intent == "feedback":
            return self._feedback(detected.kind, session)
        return answers.smalltalk(detected.kind)

    def _follow_up(self, text: str, session: Session, message: Message) -> Reply | None:
        """Replies that lean on the last turn: a place we asked for, 1/2, 更多, 那深圳呢, 怎么申请."""
        pending = session.pending.get("type")
        if pending == "region":
            region = self._region_in(text)
            if region and len(text) <= 12:
                question = session.pending["question"]
                session.pending, session.region = {}, region.code
                return self._search(question, session)
        if pending == "offer_handoff" and (intents.choice_number(text) == 1 or intents.consent(text)):
            return self._handoff(session.pending.get("question", text), session, message.channel)
        cases = self.cases.list(user_id=session.user_id) if PROGRESS.search(text) else []
        if cases:
            return answers.progress(cases)
        return self.answers.follow_up(text, session) or (
            self._handoff(session.last_question, session, message.channel)
            if session.last_ids and intents.choice_number(text) == 2 and not session.list_ids else None)

    def _search(self, text: str, session: Session) -> Reply:
        reply = self.answers.search(text, session)
        if reply.intent == "not_found":
            session.pending = {"type": "offer_handoff", "question": text}
        return reply

    def _answered_with_note(self, text: str, session: Session, detected: intents.Detected) -> Reply:
        """'子女不养老人，会被记到啥信用里', '养老院虐待老人罚多少', '打着老年大学名义搞非法集资归谁查':
        neglect, or what the rules say about abuse or a scam, is no harm under way, so the
        knowledge answers, with where to report it (or the scam warning) below; the safety
        reply when the knowledge has nothing."""
        reply = self.answers.search(intents.strip_greeting(text), session)
        if not reply.records:
            return SAFETY[detected.intent](detected, self)
        return reply.with_text(f"{reply.reply}\n{SAFETY_NOTES[detected.intent]}")

    def _taken_over(self, text: str, session: Session) -> Reply:
        """A console advisor is answering this person: a safety message still gets its safety reply;
        otherwise the first message of the takeover hears that a person is on it, the rest get
        silence (the advisor answers them)."""
        detected = detect_intent(text)
        if detected and detected.intent in SAFETY:
            return SAFETY[detected.intent](detected, self)
        if session.told_waiting == session.paused_by:
            return Reply("", "human", handoff=True)
        session.told_waiting = session.paused_by
        return Reply(WAITING_FOR_ADVISOR, "waiting", handoff=True)

    def _handoff(self, text: str, session: Session, channel: str) -> Reply:
        session.pending = {}
        region = from_code(session.region) if session.region else None
        case = self.cases.open("handoff", user_id=session.user_id, channel=channel,
                               summary=session.last_question or text, need="转人工",
                               region=region.name if region else "", region_code=session.region)
        return Reply(f"好的，已为您转人工，编号 {case.number}。\n顾问会尽快在这里回复您；"
                     f"情况紧急请直接拨打120或110。", "handoff", handoff=True, case_number=case.number)

    def _feedback(self, kind: str | None, session: Session) -> Reply:
        last = self.log.last_answer(session.user_id)
        if last and kind in ("helpful", "unhelpful"):
            self.log.set_feedback(last.id, kind)
        if kind == "unhelpful":
            session.pending = {"type": "offer_handoff", "question": session.last_question}
            return Reply("抱歉没帮上忙。可以换个说法再问我，或回复1转人工，请顾问帮您。", "feedback",
                         suggestions=("转人工",))
        return Reply("不客气！还有问题随时问我。", "feedback")

    def _region_in(self, text: str) -> Region | None:
        queries = self.answers.cache.understand(self.searcher, text)
        return next((q.region for q in queries if q.region), None)

    def anti_fraud_records(self):
        return self.searcher.records_tagged(safety.ANTI_FRAUD_TAGS)

    def _paged(self, reply: Reply, session: Session) -> Reply:
        if len(reply.reply) <= PAGE_CHARS:
            return reply
        pages = paginate(reply.reply)
        session.pages = pages[1:]
        return reply.with_text(pages[0])

    @staticmethod
    def _log(messages: MessageLog, message: Message, text: str, reply: Reply) -> None:
        messages.log(message.conversation, message.channel, "in", text)
        messages.log(message.conversation, message.channel, "out", reply.reply, intent=reply.intent,
                     confidence=reply.confidence, handoff=reply.handoff, answered=bool(reply.records),
                     sources=[r.id for r in reply.records])


def remember_slots(session: Session, text: str) -> None:
    """Age, conditions, income and needs once said stay known for the rest of the session."""
    found = extract_slots(text)
    if found.age:
        session.slots["age"] = found.age
    for name in ("conditions", "income", "needs"):
        values = getattr(found, name)
        if values:
            session.slots[name] = list(dict.fromkeys(session.slots.get(name, []) + list(values)))


def clean(text: str | None) -> str:
    """Control characters and lone surrogates out, whitespace trimmed, length capped."""
    return _CONTROL.sub("", text or "").strip()[:MAX_CHARS]
