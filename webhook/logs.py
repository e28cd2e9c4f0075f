"""Structured logs: one JSON line per message, fit to ship to any log store.

Operators need to see traffic, intents, latency and failures, but not who wrote what: user ids
are replaced by a short HMAC-SHA256 under a per-installation key (enough to follow one
conversation; a plain sha256 of a phone-number user id is brute-forced in milliseconds), free
text only ever appears masked (knowledge.privacy), and tokens, keys and secrets are never
passed here at all.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import time

from knowledge.privacy import mask

log = logging.getLogger("webhook.messages")


OWN_FIELDS = frozenset({"user"})  # values computed here, never free text
KEY_FILE = "log_hash_key"  # in the data dir, 0600, when ADVISOR_LOG_HASH_KEY is unset
_user_key = secrets.token_bytes(32)  # until configure() sets the installation's key


def user_hash(user_id: str) -> str:
    return hmac.new(_user_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def message(channel: str, user_id: str, intent: str, started: float, outcome: str, **extra) -> None:
    """The one line per message: channel, user hash, intent, latency, outcome (+ short extras)."""
    event(channel=channel, user=user_hash(user_id), intent=intent,
          latency_ms=round((time.monotonic() - started) * 1000, 1), outcome=outcome, pid=os.getpid(), **extra)


def event(level: int = logging.INFO, **fields) -> None:
    """Any other line (a rejected request, an async delivery); string values are masked —
    except the ones this module makes itself (the user hash is hex: 11 digits in a row would
    pass for a mobile number and be scrambled, and one conversation could no longer be followed)."""
    clean = {key: mask(value) if isinstance(value, str) and key not in OWN_FIELDS else value
             for key, value in fields.items()}
    log.log(level, json.dumps(clean, ensure_ascii=False, sort_keys=False))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is *now* (gunicorn, pytest's capture), never a stale one."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(hash_key: str) -> None:
    """Key the user hashes with the installation's secret, and make the message lines visible
    under gunicorn, which only configures its own loggers."""
    global _user_key
    _user_key = hash_key.encode("utf-8")
    if not log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
