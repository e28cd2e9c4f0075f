"""The one JSON line per message: free text masked, the user hash left as it is."""
from __future__ import annotations

import json
import logging
import time

from webhook import logs


def logged_line(caplog, **fields) -> dict:
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        logs.event(**fields)
    return json.loads(caplog.records[-1].getMessage())


def test_free_text_is_masked(caplog):
    line = logged_line(caplog, reason="来电 13912345678 身份证 450103194501011234")
    assert "13912345678" not in line["reason"] and "450103194501011234" not in line["reason"]


def test_a_user_hash_that_looks_like_a_mobile_number_is_kept(caplog):
    """sha256("oUser701")[:12] is c13627448139: eleven digits in a row, a 'mobile number'."""
    assert logs.user_hash("oUser701") == "c13627448139"
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        logs.message("api", "oUser701", "consult", time.monotonic(), "answered")
    line = json.loads(caplog.records[-1].getMessage())
    assert line["user"] == "c13627448139" and line["outcome"] == "answered"
