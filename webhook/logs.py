"""Structured logs: one JSON line per message, fit to ship to any log store.

Operators need to see traffic, intents, latency and failures, but not who wrote what: user ids
are replaced by a short HMAC-SHA256 under a per-installation key (enough to follow one
conversation; a plain sha256 of a phone-number user id is brute-forced in milliseconds), free
text only ever appears masked (knowledge.privacy), and tokens, keys and secrets are never
passed here at all. What a line looks like and where it goes (stdout, a rotating file) is
webhook.log_output's business.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time

from knowledge.datadir import private_secret
from webhook import log_output

log = logging.getLogger("webhook.messages")
KEY_FILE = "log_hash_key"  # in the data dir, 0600, when ADVISOR_LOG_HASH_KEY is unset
_user_key = secrets.token_bytes(32)  # until configure() sets the installation's key


def user_hash(user_id: str) -> str:
    return hmac.new(_user_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def message(channel: str, user_id: str, intent: str, started: float, outcome: str, **extra) -> None:
    """The one line per message: channel, user hash, intent, latency, outcome (+ short extras)."""
    event(event="message", channel=channel, user=user_hash(user_id), intent=intent,
          latency_ms=round((time.monotonic() - started) * 1000, 1), outcome=outcome, **extra)


def event(level: int = logging.INFO, **fields) -> None:
    """Any other line (a rejected request, an async delivery), its fields structured
    (webhook.log_output writes them as keys of the JSON line). String values are masked here
    already, except the ones this module makes itself (the user hash is hex: 11 digits in a row
    would pass for a mobile number and be scrambled, and one conversation could no longer be
    followed); the record's own message is the same fields as JSON, so a handler that knows
    nothing of our formatter (pytest's caplog, the tests' error guard) still sees all of it."""
    clean = log_output.masked(fields)
    log.log(level, "%s", json.dumps(clean, ensure_ascii=False),
            extra={"fields": clean, "summary": clean.get("event", "event")})


def init_app(app) -> None:
    """Log lines out as the settings say (webhook.log_output), user hashes under the
    installation's key (ADVISOR_LOG_HASH_KEY, else one made once per data dir)."""
    log_output.install(app.config)
    configure(app.config["ADVISOR_LOG_HASH_KEY"] or private_secret(app.config["DATA_DIR"], KEY_FILE))


def configure(hash_key: str) -> None:
    """Key the user hashes with the installation's secret."""
    global _user_key
    _user_key = hash_key.encode("utf-8")
