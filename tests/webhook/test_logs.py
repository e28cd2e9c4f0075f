"""The one JSON line per message: free text masked, the user hash left as it is."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import stat
import time

from tests.console.conftest import app_config
from webhook import logs
from webhook.app import create_app

MOBILE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def logged_line(caplog, **fields) -> dict:
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        logs.event(**fields)
    return json.loads(caplog.records[-1].getMessage())


def test_free_text_is_masked(caplog):
    line = logged_line(caplog, reason="来电 13912345678 身份证 450103194501011234")
    assert "13912345678" not in line["reason"] and "450103194501011234" not in line["reason"]


def test_a_user_hash_that_looks_like_a_mobile_number_is_kept(caplog):
    """A hash with eleven digits in a row passes for a mobile number: it must not be masked."""
    logs.configure("test-log-key")
    user = next(f"oUser{n}" for n in range(100000) if MOBILE_LIKE.search(logs.user_hash(f"oUser{n}")))
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        logs.message("api", user, "consult", time.monotonic(), "answered")
    line = json.loads(caplog.records[-1].getMessage())
    assert line["user"] == logs.user_hash(user) and line["outcome"] == "answered"


def test_user_hashes_are_keyed_not_plain_sha256():
    """An unkeyed sha256 of a phone-number user id is brute-forced in milliseconds (issue 13)."""
    logs.configure("installation-one")
    first = logs.user_hash("13912345678")
    assert first != hashlib.sha256(b"13912345678").hexdigest()[:12]
    assert logs.user_hash("13912345678") == first and len(first) == 12
    logs.configure("installation-two")
    assert logs.user_hash("13912345678") != first


def test_each_installation_makes_its_own_log_key_once(tmp_path):
    keys = []
    for data_dir in (tmp_path / "a", tmp_path / "a", tmp_path / "b"):
        app = create_app(app_config(data_dir))
        app.extensions["runtime"].close()
        keys.append(logs.user_hash("13912345678"))
    assert keys[0] == keys[1] != keys[2]
    assert stat.S_IMODE(os.stat(tmp_path / "a" / logs.KEY_FILE).st_mode) == 0o600


def test_the_log_key_can_be_set(tmp_path):
    for data_dir in (tmp_path / "a", tmp_path / "b"):
        create_app(app_config(data_dir, ADVISOR_LOG_HASH_KEY="shared-key")).extensions["runtime"].close()
        assert logs.user_hash("13912345678") == hmac.new(b"shared-key", b"13912345678", hashlib.sha256).hexdigest()[:12]
    assert not (tmp_path / "a" / logs.KEY_FILE).exists()
