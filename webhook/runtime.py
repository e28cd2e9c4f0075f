"""Per-process resources behind the routes: the advisor, its thread, the ledger and the APIs.

gunicorn forks its workers from a preloaded app, and neither threads nor SQLite connections
survive a fork, so everything here is built lazily, once per process id.

The advisor runs on one dedicated thread per process. Its whoosh searcher and SQLite
connections are not thread-safe, and a WeChat answer may still be computing after its request
has replied "success" (see webhook.delivery); one owner thread keeps every advisor call
serial whichever request or background job asks. Sending through the WeChat/WeCom APIs, which
may take seconds, happens on a separate small pool so it never holds up an answer.

Every wait for the advisor thread is bounded (WAIT_S, HEALTH_WAIT_S): gunicorn kills a sync
worker whose request runs 30 s, and with it the WeChat answers it had promised. Nothing slow
belongs on that thread (a bulk import's index catch-up runs aside, see index/search.py); a
wait that still runs out is a 503 `AdvisorBusy`, never a dead worker.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from advisor.core import Advisor
from advisor.reply import Message, Reply
from webhook.channels.wxapi import AccessTokens, WeChatApi, WeComApi
from knowledge.database import OPERATIONAL_ERRORS
from webhook.db import channels_database
from webhook.ledger import Ledger
from webhook.nonces import NonceLog
from webhook.ratelimit import RateLimiter

if TYPE_CHECKING:  # webhook.metrics reads the console's import jobs, whose pages import this module
    from webhook.metrics import Instruments

log = logging.getLogger(__name__)

WAIT_S = 20.0  # longest a request waits for the advisor thread: under gunicorn's 30 s worker timeout
HEALTH_WAIT_S = 5.0  # a health check answers "busy" sooner: a probe must not hang with the worker
HEALTH_PROBE = "CREATE TABLE IF NOT EXISTS health_probe (pid INTEGER PRIMARY KEY, at REAL)"
PROBE = "INSERT INTO health_probe VALUES (?, ?) ON CONFLICT (pid) DO UPDATE SET at = excluded.at"
RATE_LIMITED = Reply("您发得有点快，我先歇一口气。请过一分钟再问我；情况紧急请直接拨打120或110。",
                     "rate_limited")


class AdvisorBusy(Exception):
    """The advisor thread did not get to a request in time (webhook.errors answers 503)."""


class _Process:
    """What one worker process owns; never shared across a fork."""

    def __init__(self, data_dir: Path, config: Mapping[str, Any]):
        self.channels_db = channels_database(data_dir, config)  # each thread's one connection serves all four
        self.channels_db.ensure(HEALTH_PROBE)
        self.ledger = Ledger(self.channels_db, node=config.get("ADVISOR_NODE_NAME", ""))
        self.limiter = RateLimiter(self.channels_db, int(config["ADVISOR_RATE_LIMIT"]))
        self.tokens = AccessTokens(self.channels_db)
        self.nonces = NonceLog(self.channels_db)
        self.advisor_thread = ThreadPoolExecutor(1, thread_name_prefix="advisor")
        self.senders = ThreadPoolExecutor(2, thread_name_prefix="sender")
        self.advisor: Advisor | None = None  # created on (and only touched by) the advisor thread
        self.warming: Future | None = None  # the advisor's opening, once asked for (Runtime.warm)
        self.open_failure = ""  # why the last opening failed, for /healthz/ready
        self.limiter_failure = ""  # why the rate limiter's last count failed ('' once one worked)


class Runtime:
    """Lives in `app.extensions["runtime"]`; routes reach it through `webhook.routes.runtime()`."""

    def __init__(self, data_dir: Path, config: Mapping[str, Any], instruments: Instruments):
        self.data_dir, self.config = Path(data_dir), config
        self.instruments = instruments  # the /metrics counters (webhook.metrics)
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._process: _Process | None = None

    @property
    def process(self) -> _Process:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._process = os.getpid(), _Process(self.data_dir, self.config)
            return self._process

    @property
    def ledger(self) -> Ledger:
        return self.process.ledger

    def submit(self, fn: Callable[..., Any], *args) -> Future:
        """Run `fn(*args)` on this process's advisor thread."""
        return self.process.advisor_thread.submit(fn, *args)

    def send_later(self, fn: Callable[..., Any], *args) -> Future:
        """Run `fn(*args)` on the sender pool (network calls that must not block answers)."""
        return self.process.senders.submit(_logged, fn, *args)

    def answer(self, message: Message) -> Reply:
        """Rate limit, then the advisor. Call on the advisor thread only (see `submit`). Every
        answer of the server is made here once (the ledger sees to that), so it is counted here."""
        reply = self._advisor().handle(message) if self._allowed(message) else RATE_LIMITED
        self.instruments.answered(message.channel, reply.intent)
        return reply

    def _allowed(self, message: Message) -> bool:
        """The rate limit; a count that cannot be written (a full disk) lets the message through:
        better an unlimited answer than none."""
        process = self.process
        try:
            allowed = process.limiter.allow(message.conversation)
        except OPERATIONAL_ERRORS as exc:
            process.limiter_failure = str(exc)
            log.error("rate limit not counted, the message is answered anyway: %s", exc)
            return True
        process.limiter_failure = ""
        return allowed

    def ask(self, message: Message) -> Reply:
        """One answer, waited for up to WAIT_S: the JSON channel."""
        return waited(self.submit(self.answer, message))

    def warm(self) -> Future:
        """Open this process's advisor on the advisor thread now, without waiting: its searcher
        reads the index (1 s at 10k records, 13 s at 100k), which the first question after a
        deploy would otherwise wait for — past WeChat's 5 s at 100k. Questions that arrive
        meanwhile queue behind it on the same thread."""
        self.process.warming = self.submit(self._advisor)
        return self.process.warming

    def readiness(self) -> dict:
        """Whether this worker should be sent traffic (`/healthz/ready`): its index is open and
        the data dir takes a write (`health`). It never waits for the index to open: a worker
        that has not begun opening it begins now and is not ready until that is done; one whose
        opening failed says why (until an opening succeeds) and tries again."""
        process = self.process
        if process.advisor is None:
            last = process.warming
            if last is None or last.done():  # not asked for yet, or failed: it would be open otherwise
                process.open_failure = str(last.exception()) if last is not None else ""
                self.warm()
            failure = process.open_failure
            return {"ready": False, "reason": f"index could not be opened: {failure}" if failure else "index not loaded yet"}
        health = self.health()
        if health["write_failure"]:
            return {"ready": False, "reason": f"store not writable: {health['write_failure']}", **health}
        return {"ready": True, **health}

    def health(self) -> dict:
        """Records and index sequence from this worker's own searcher, caught up first (the one
        the advisor uses, so a worker never holds a second copy of the index), and `write_failure`:
        why the data dir cannot be written ('' when it can) — a full disk answers from the index
        but loses sessions and logs, which an operator must hear of."""
        return waited(self.submit(self._health), HEALTH_WAIT_S)

    def _health(self) -> dict:
        advisor = self._advisor()
        advisor.searcher.refresh()
        failure = self._write_probe() or advisor.write_failure or self.process.limiter_failure
        return {"records": len(advisor.searcher.records), "index_seq": advisor.searcher.seq,
                "catching_up": advisor.searcher.catching_up, "write_failure": failure}

    def _write_probe(self) -> str:
        """Write one row to each database the advisor writes to; why that failed, else ''."""
        store, row = self._advisor().store, (os.getpid(), time.time())
        try:
            self.process.channels_db.connection().execute(PROBE, row)  # one statement: atomic alone
            with store.shared.transaction() as db:  # knowledge.db, or PostgreSQL with a URL
                db.execute(HEALTH_PROBE)
                db.execute(PROBE, row)
        except OPERATIONAL_ERRORS as exc:
            return str(exc)
        return ""

    def with_advisor(self, fn: Callable[[Advisor], Any]) -> Any:
        """`fn(advisor)` on the advisor thread, waited for (the console's hit test)."""
        return waited(self.submit(lambda: fn(self._advisor())))

    def refresh_searcher(self, wait: bool = True) -> bool | None:
        """Catch this process's searcher up with a knowledge or lexicon edit now, so the next
        elder does not pay for it. Waited for, says whether it cuts with the saved dictionary
        (False while a large index is rebuilt in the background). A process that has not
        answered anyone yet has no searcher to refresh (it reads the current index when it
        first opens one)."""
        def refresh() -> bool:
            if self.process.advisor is None:
                return True
            searcher = self.process.advisor.searcher
            searcher.refresh()
            return searcher.serves_saved_dictionary()
        future = self.submit(refresh)
        return waited(future) if wait else None

    def end_session(self, user_id: str) -> None:
        waited(self.submit(self._end_session, user_id))

    def _end_session(self, user_id: str) -> None:
        self._advisor().sessions.end(user_id)

    def _advisor(self) -> Advisor:
        process = self.process
        if process.advisor is None:
            process.advisor = Advisor.open(self.data_dir, int(self.config["ADVISOR_SESSION_TTL"]),
                                           cache_size=int(self.config["ADVISOR_ANSWER_CACHE"]),
                                           home_region=self.config.get("ADVISOR_HOME_REGION", ""),
                                           database_url=self.config.get("ADVISOR_DATABASE_URL", ""))
        return process.advisor

    def wechat_api(self) -> WeChatApi | None:
        """The customer-service API, or None when AppID/AppSecret are not configured."""
        config = self.config
        if not (config.get("WECHAT_APP_ID") and config.get("WECHAT_APP_SECRET")):
            return None
        return WeChatApi(config["WECHAT_API_BASE"], config["WECHAT_APP_ID"], config["WECHAT_APP_SECRET"],
                         self.process.tokens)

    def wecom_api(self) -> WeComApi | None:
        """The application message API, or None when the secret or the AgentID is missing."""
        config = self.config
        if not (config.get("WECOM_SECRET") and str(config.get("WECOM_AGENT_ID") or "").isdigit()):
            return None
        return WeComApi(config["WECOM_API_BASE"], config["WECOM_CORP_ID"], config["WECOM_SECRET"],
                        config["WECOM_AGENT_ID"], self.process.tokens)

    def close(self) -> None:
        """Finish queued work and close the advisor (tests; a worker just exits)."""
        process, self._process, self._pid = self._process, None, None
        if process is None:
            return
        if process.advisor is not None:
            process.advisor_thread.submit(process.advisor.store.close).result()
        process.advisor_thread.shutdown(wait=True)
        process.senders.shutdown(wait=True)
        process.channels_db.close()


def waited(future: Future, seconds: float | None = None) -> Any:
    """The future's result, or AdvisorBusy after `seconds` (WAIT_S unless given; the job still
    runs when its turn comes, only this wait is given up)."""
    seconds = WAIT_S if seconds is None else seconds
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        raise AdvisorBusy(f"the advisor thread did not answer within {seconds:g} s") from None


def _logged(fn: Callable[..., Any], *args) -> Any:
    """Background jobs have nobody to raise to: log the failure instead of losing it."""
    try:
        return fn(*args)
    except Exception:
        log.exception("background job %s failed", getattr(fn, "__name__", fn))
        return None
