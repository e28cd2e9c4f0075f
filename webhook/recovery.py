"""Deferred answers survive their worker: a sweep answers what a dead or hung claimer left.

A WeChat/WeCom message answered "success" is a promise to answer it through the send API. The
ledger's take-over (Ledger.claim) only helps while WeChat still retries, ~15 s; a worker killed
by gunicorn, OOM or a deploy after that, or one stopped (SIGSTOP) or stuck, left its rows
`async` forever. So every worker sweeps the ledger every SWEEP_EVERY seconds, and once as soon
as it starts: each orphan is taken over (one process wins, Ledger.recover), answered on this
worker's advisor thread and sent — or, older than WeChat's 48 h customer-service window, in
which the API refuses to send, reported as failed for the console (webhook/console/outbox.py).
"""
from __future__ import annotations

import logging
import threading
import time

from advisor.reply import Message
from webhook import delivery, logs
from webhook.channels import wxmessages
from webhook.ledger import SEND_WINDOW, Orphan
from webhook.runtime import Runtime

log = logging.getLogger(__name__)

SWEEP_EVERY = 10.0  # seconds between one worker's sweeps
PAST_WINDOW = "超过微信48小时客服消息时限，未发送"
NO_QUESTION = "原消息未保存，无法补答"


def sweep(runtime: Runtime) -> int:
    """Take over and answer every orphan this process wins; returns how many it took."""
    ledger, taken = runtime.ledger, 0
    for orphan in ledger.recoverable():
        reason = _unanswerable(runtime, orphan)
        if reason:
            if ledger.expire(orphan, reason):
                _report(orphan, "expired")
            continue
        attempt = ledger.recover(orphan)
        if attempt is None:
            continue  # another worker took it, or its claimer reported back
        taken += 1
        _report(orphan, "recovered", attempt=attempt)
        job = job_for(runtime, orphan)
        if orphan.delivery.parts is None:
            delivery.answer_later(runtime, job, attempt)
        else:
            delivery.send_later(runtime, job, list(orphan.delivery.parts))
    return taken


def _unanswerable(runtime: Runtime, orphan: Orphan) -> str:
    """Why an orphan must be reported rather than sent ('' when it can be sent)."""
    if runtime.ledger.clock() - orphan.delivery.created_at > SEND_WINDOW:
        return PAST_WINDOW
    if orphan.delivery.parts is None and not orphan.request.get("text"):
        return NO_QUESTION
    return ""


def job_for(runtime: Runtime, orphan: Orphan) -> delivery.Job:
    """The answer job the claimer would have run, rebuilt from the ledger row."""
    row, request = orphan.delivery, orphan.request
    client = runtime.wechat_api() if row.channel == "wechat" else runtime.wecom_api()
    return delivery.Job(key=row.key, message=Message(row.user_id, request.get("text", ""), row.channel,
                                                     request.get("region", "")),
                        split=wxmessages.split_text, lead=request.get("lead", ""),
                        send=(lambda parts: client.send_parts(row.user_id, parts)) if client else None)


def _report(orphan: Orphan, outcome: str, **extra) -> None:
    row = orphan.delivery
    logs.event(logging.WARNING, event="orphan", channel=row.channel, user=logs.user_hash(row.user_id),
               outcome=outcome, status=row.status, **extra)


def start_sweeping(runtime: Runtime) -> threading.Thread:
    """This worker's sweeper: one sweep now (the next start picks up what the last one left),
    then one every SWEEP_EVERY seconds, for the life of the process."""
    thread = threading.Thread(target=_sweep_forever, args=(runtime,), name="ledger-sweep", daemon=True)
    thread.start()
    return thread


def _sweep_forever(runtime: Runtime) -> None:
    while True:
        try:
            sweep(runtime)
        except Exception:  # a full disk or a locked file: the next sweep tries again
            log.exception("ledger sweep failed")
        time.sleep(SWEEP_EVERY)
