"""Forged messages (issue 13, points 7 and 8): a signed (timestamp, nonce) carries one message
only, in every worker; and with an EncodingAESKey configured, a plaintext request is refused
unless the operator chose compatible mode."""
from __future__ import annotations

import time

import pytest

from knowledge import settings
from tests.webhook.conftest import WeChatClient, config, text_xml, unique
from tests.webhook.test_wecom import WeComClient, wecom_text
from tests.webhook.test_wechat_delivery import QUESTION, Counter
from webhook.app import create_app
from webhook.nonces import NonceLog


def test_a_captured_plain_mode_url_cannot_carry_a_forged_body(wechat, monkeypatch):
    counter = Counter(monkeypatch)
    query = {"timestamp": int(time.time()), "nonce": unique("n")}
    victim, attacker_text = unique(), "转人工"
    assert wechat.plain(text_xml(victim, QUESTION), **query).status_code == 200
    forged = wechat.plain(text_xml(victim, attacker_text), **query)
    assert forged.status_code == 403 and "nonce" in forged.get_json()["error"]
    assert [message.text for message in counter.calls] == [QUESTION]


def test_wechats_own_retry_of_the_same_request_is_answered(wechat, monkeypatch):
    """WeChat retries a callback as it was: the same query and the same body are the same
    message, which the ledger answers once; only another body under the same nonce is forged."""
    counter = Counter(monkeypatch)
    query, xml = {"timestamp": int(time.time()), "nonce": unique("n")}, text_xml(unique(), QUESTION)
    replies = [wechat.text(wechat.plain(xml, **query)) for _ in range(2)]
    assert replies[0] == replies[1] and len(counter.calls) == 1


def test_safe_mode_refuses_a_reused_timestamp_and_nonce(wechat):
    timestamp, nonce = int(time.time()), unique("n")
    assert wechat.aes(text_xml(unique(), QUESTION), timestamp=timestamp, nonce=nonce).status_code == 200
    again = wechat.aes(text_xml(unique(), "你好"), timestamp=timestamp, nonce=nonce)
    assert again.status_code == 403


def test_wecom_refuses_a_reused_timestamp_and_nonce(client):
    wecom = WeComClient(client)
    timestamp, nonce = int(time.time()), unique("n")
    assert wecom.post(wecom_text(unique(), QUESTION), timestamp=timestamp, nonce=nonce).status_code == 200
    assert wecom.post(wecom_text(unique(), "你好"), timestamp=timestamp, nonce=nonce).status_code == 403


def test_the_nonces_are_shared_by_every_worker(app, module_dir):
    """A second app on the same data dir stands for another gunicorn worker."""
    other = create_app(config(module_dir))
    try:
        query = {"timestamp": int(time.time()), "nonce": unique("n")}
        assert WeChatClient(app.test_client()).plain(text_xml(unique(), QUESTION), **query).status_code == 200
        assert WeChatClient(other.test_client()).plain(text_xml(unique(), "你好"), **query).status_code == 403
    finally:
        other.extensions["runtime"].close()


def test_nonces_are_forgotten_once_their_timestamp_is_out_of_the_window(channels_target):
    now = [1_700_000_000.0]
    nonces = NonceLog(channels_target, clock=lambda: now[0])
    nonces.check("wechat", "1700000000", "n1", b"<xml>1</xml>")
    assert nonces.count() == 1
    now[0] += 400  # past the 300 s window and the next prune: the pair cannot come back anyway
    nonces.check("wechat", "1700000400", "n2", b"<xml>2</xml>")
    assert nonces.count() == 1
    nonces.close()


# --- point 8: no downgrade from safe mode ---------------------------------------------------

@pytest.fixture
def mode(app, monkeypatch):
    """Set WECHAT_MESSAGE_MODE on the module's app (the route reads the settings per request)."""
    return lambda value: monkeypatch.setitem(app.config, "WECHAT_MESSAGE_MODE", value)


@pytest.mark.parametrize("extra", [{}, {"encrypt_type": "raw"}, {"encrypt_type": ""}])
def test_with_a_key_a_plaintext_request_is_refused_by_default(wechat, mode, monkeypatch, extra):
    counter = Counter(monkeypatch)
    mode(settings.BY_NAME["WECHAT_MESSAGE_MODE"].default)
    response = wechat.plain(text_xml(unique(), QUESTION), **extra)
    assert response.status_code == 403 and "safe" in response.get_json()["error"]
    assert counter.calls == []
    assert "南宁" in wechat.text(wechat.aes(text_xml(unique(), QUESTION)))


def test_compatible_mode_accepts_both_as_wechat_sends_them(wechat, mode):
    mode("compatible")
    assert "南宁" in wechat.text(wechat.plain(text_xml(unique(), QUESTION)))
    assert "南宁" in wechat.text(wechat.aes(text_xml(unique(), QUESTION), compat=True))


def test_plain_mode_accepts_only_plaintext(wechat, mode):
    mode("plain")
    assert "南宁" in wechat.text(wechat.plain(text_xml(unique(), QUESTION)))
    assert wechat.aes(text_xml(unique(), QUESTION)).status_code == 403


def test_without_a_key_the_default_is_plain(module_dir):
    app = create_app(config(module_dir, WECHAT_ENCODING_AES_KEY="", WECHAT_MESSAGE_MODE="auto"))
    try:
        wechat = WeChatClient(app.test_client())
        assert "南宁" in wechat.text(wechat.plain(text_xml(unique(), QUESTION)))
    finally:
        app.extensions["runtime"].close()


@pytest.mark.parametrize("value", ["safe", "compatible"])
def test_an_encrypted_mode_without_a_key_refuses_to_start(module_dir, value):
    with pytest.raises(settings.SettingError, match="WECHAT_MESSAGE_MODE"):
        create_app(config(module_dir, WECHAT_ENCODING_AES_KEY="", WECHAT_MESSAGE_MODE=value))


def test_an_unknown_mode_is_a_setting_error():
    with pytest.raises(settings.SettingError, match="WECHAT_MESSAGE_MODE"):
        settings.load({"WECHAT_MESSAGE_MODE": "aes"})
    assert settings.load({"WECHAT_MESSAGE_MODE": "Safe"})["WECHAT_MESSAGE_MODE"] == "safe"
