"""Never repeat, never lose: one advisor run per WeChat/WeCom message, and every answer delivered.

WeChat waits 5 seconds for a passive reply, then retries the same message (same MsgId) up to
three times, on whichever worker gunicorn picks. So:

* the first request claims the message key in the ledger and has the advisor answer it on the
  advisor thread; a retry claims nothing and waits for the stored reply, so it gets the very
  same reply and the advisor never runs twice;
* whoever is still waiting at the deadline (~4 s, before WeChat gives up) hands the message over
  in the ledger and replies "success"; the answer job, seeing the hand-over when it stores the
  reply, sends it through the customer-service API instead. The ledger's transactions make
  "reply passively" and "hand over" exclusive, so an answer goes out exactly one way.

A worker that dies after claiming would leave its message unanswered for good; the ledger
lets the next request for it (a WeChat retry) take the claim over when the claimer's process is
gone or its claim is stale, and drops the reply of a claim that was taken over (Ledger.claim).

A reply longer than one message is split: the passive reply carries the first part and the
rest follow through the API (sent by the request that claimed the message, never by a retry).
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Callable

from advisor.reply import Message, Reply
from knowledge.database import DATABASE_ERRORS, OPERATIONAL_ERRORS
from webhook import logs
from webhook.ledger import Delivery
from webhook.runtime import Runtime

log = logging.getLogger(__name__)

Send = Callable[[list[str]], int]  # parts → how many went out
APOLOGY = Reply("抱歉，系统刚才出了点问题，请稍后再问我一次。情况紧急请直接拨打120或110。", "error")


@dataclass(frozen=True)
class Job:
    """One message to answer: where it came from, how to split and how to send its reply."""

    key: str
    message: Message
    split: Callable[[str], list[str]]
    send: Send | None  # None when the channel's send API is not configured
    lead: str = ""  # said before the advisor's reply (a welcome, a confirmed location)

    def request(self) -> dict:
        """What the ledger keeps so that another worker can answer it (webhook/recovery.py)."""
        return {"text": self.message.text, "region": self.message.region or "", "lead": self.lead}


@dataclass(frozen=True)
class Outcome:
    parts: tuple[str, ...]  # the passive reply is parts[0]; empty means reply "success"
    intent: str
    outcome: str  # answered | rate_limited | deferred | repeated


def answer_once(runtime: Runtime, job: Job, deadline: float) -> Outcome:
    """The reply to give now for `job`, running the advisor only if no other request did."""
    until = time.monotonic() + deadline
    try:
        claimed = _claim(runtime, job)
    except OPERATIONAL_ERRORS as exc:  # a full disk, a database locked past its timeout, a lost server
        return _answer_unledgered(runtime, job, exc, until)
    if not claimed:
        waited = runtime.ledger.wait(job.key, until)
        if waited is not None and waited.parts is None:  # still unanswered: did its claimer die?
            claimed = _claim(runtime, job)
    stored = None
    if claimed:
        answering = runtime.submit(_run, runtime, job, claimed)
        answering.add_done_callback(_log_failure)
        stored = _wait(answering, until - time.monotonic())
    delivery = stored or runtime.ledger.settle(job.key)  # an answered row is final: no need to read it back
    if delivery is None or delivery.status != "answered":  # None: pruned long ago, answered then
        return Outcome((), delivery.intent if delivery else "", "deferred" if claimed else "repeated")
    if claimed and len(delivery.parts) > 1:
        _send_rest(runtime, job, list(delivery.parts[1:]))
    fresh = "rate_limited" if delivery.intent == "rate_limited" else "answered"
    return Outcome(delivery.parts, delivery.intent, fresh if claimed else "repeated")


def _answer_unledgered(runtime: Runtime, job: Job, exc: Exception, until: float) -> Outcome:
    """The ledger cannot take the claim: answer anyway, passively and on the advisor thread,
    without the exactly-once guarantee (a WeChat retry may get a second answer) — the person
    hearing nothing is worse. Past the deadline they hear the apology instead."""
    log.error("the %s message could not be claimed in the ledger (%s): answered without it", job.message.channel, exc)
    answering = runtime.submit(_reply, runtime, job.message)
    try:
        reply = answering.result(timeout=max(0.0, until - time.monotonic()))
    except (TimeoutError, CancelledError):
        reply = APOLOGY
    parts = job.split(job.lead + reply.reply if reply.reply else "")
    return Outcome(tuple(parts[:1]), reply.intent, "answered")


def _wait(job: Future, seconds: float) -> Delivery | None:
    """The answer job's result once it is done, None when `seconds` pass first. The future's own
    wait costs half of `concurrent.futures.wait` (a waiter object and an event per call); asking
    for `exception` first never raises the job's error here (`_log_failure` logs it)."""
    try:
        if job.exception(timeout=max(0.0, seconds)) is None:
            return job.result()
    except (TimeoutError, CancelledError):
        pass
    return None


def _log_failure(job: Future) -> None:
    """An answer job's unexpected error (a bug, not the ledger's) reaches the log with its
    traceback even when no request waits for the job any more."""
    error = None if job.cancelled() else job.exception()
    if error is not None:
        log.error("answer job failed unexpectedly", exc_info=error)


def _claim(runtime: Runtime, job: Job) -> int | None:
    """Claim the message (see Ledger.claim); a take-over is logged, as it means a worker died."""
    claimed = runtime.ledger.claim(job.key, job.message.channel, job.message.user_id, job.request())
    if claimed and claimed > 1:
        logs.event(logging.WARNING, event="reclaim", channel=job.message.channel,
                   user=logs.user_hash(job.message.user_id), attempt=claimed)
    return claimed


def _run(runtime: Runtime, job: Job, attempt: int) -> Delivery | None:
    """On the advisor thread: answer, store, and send it ourselves if nobody waits any more.
    A claim taken over meanwhile (we were presumed dead) drops its reply: the taker answers.

    Returns the delivery when the reply was stored as answered — final, as only a take-over of an
    unanswered row changes one — so the waiting request need not read it back; None otherwise.
    The request never sees this job's errors, so a failure must be logged here or it would vanish.
    Only the ledger can fail here (the advisor's own failures become an apology in `_reply`)."""
    try:
        if not runtime.ledger.start(job.key, attempt):
            log.warning("a queued %s answer job was skipped: a later claim took its message over", job.message.channel)
            return None
        with runtime.ledger.running(job.key, attempt):
            reply = _reply(runtime, job.message)
        parts = job.split(job.lead + reply.reply if reply.reply else "")
        status = runtime.ledger.answer(job.key, parts, reply.intent, attempt)
    except DATABASE_ERRORS:
        log.exception("the ledger failed in the answer job for a %s message; its ledger row stays unanswered"
                      " until a retry takes it over", job.message.channel)
        return None
    if status == "answered":
        return Delivery(job.key, job.message.channel, job.message.user_id, status, tuple(parts), reply.intent,
                        outcome="", attempt=attempt)
    if status == "async":
        runtime.send_later(_deliver, runtime, job, parts)
    elif status == "superseded":
        log.warning("a %s reply was dropped: its message was taken over by a later claim", job.message.channel)
    return None


def answer_later(runtime: Runtime, job: Job, attempt: int) -> Future:
    """Answer a message taken over as handed over: stored as async, then sent (webhook/recovery.py)."""
    answering = runtime.submit(_run, runtime, job, attempt)
    answering.add_done_callback(_log_failure)
    return answering


def send_later(runtime: Runtime, job: Job, parts: list[str]) -> Future:
    """Send a stored reply whose sender never reported back (webhook/recovery.py)."""
    return runtime.send_later(_deliver, runtime, job, parts)


def _reply(runtime: Runtime, message: Message) -> Reply:
    """The advisor's reply, or an apology: the person must hear something either way."""
    try:
        return runtime.answer(message)
    except Exception:
        log.exception("advisor failed on a %s message", message.channel)
        return APOLOGY


def _deliver(runtime: Runtime, job: Job, parts: list[str]) -> None:
    """The late answer through the send API; the outcome goes to the ledger and the log."""
    if not parts:
        runtime.ledger.delivered(job.key, True, "nothing to send")
        return
    if job.send is None:
        runtime.ledger.delivered(job.key, False, "send API not configured")
        logs.event(logging.WARNING, event="delivery", channel=job.message.channel,
                   user=logs.user_hash(job.message.user_id), outcome="not_configured")
        return
    if not runtime.ledger.sends_here(job.key):
        log.warning("a %s answer was not sent: another worker took its message over", job.message.channel)
        return
    sent = _safe_send(job.send, parts)
    ok = sent == len(parts)
    refused = getattr(sent, "error", "")  # the API's errcode and message (wxapi.SentParts), for the console
    runtime.ledger.delivered(job.key, ok, f"{sent}/{len(parts)} parts sent" + (f"; {refused}" if refused else ""))
    logs.event(logging.INFO if ok else logging.WARNING, event="delivery", channel=job.message.channel,
               user=logs.user_hash(job.message.user_id), outcome="sent" if ok else "failed",
               parts=len(parts), sent=sent)


def _send_rest(runtime: Runtime, job: Job, rest: list[str]) -> None:
    if job.send is None:
        log.warning("%s reply split in %d parts but the send API is not configured; only the first went out",
                    job.message.channel, len(rest) + 1)
        return
    runtime.send_later(_safe_send, job.send, rest)


def _safe_send(send: Send, parts: list[str]) -> int:
    """send_parts only raises for what it does not expect (a broken token db, say): count 0."""
    try:
        return send(parts)
    except Exception:
        log.exception("sending a reply failed")
        return 0
