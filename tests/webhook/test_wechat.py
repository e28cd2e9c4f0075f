"""`/webhooks/wechat`: URL verification, the three modes, every message type, and bad input.

wechatpy is the independent client: it encrypts the requests and decrypts and parses the replies.
"""
from __future__ import annotations

import base64
import json
import struct
import time

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from knowledge.store import Store
from tests.webhook.conftest import (OFFICIAL, WECHAT_AES_KEY, WECHAT_TOKEN, WeChatClient, config, event_xml,
                                    message_xml, sha1, text_xml, unique)
from webhook.app import create_app
from webhook.channels import wxactions

PATH = "/webhooks/wechat"
QUESTION = "南宁长者饭堂有补贴吗"


# --- URL verification ----------------------------------------------------------------------

def test_url_verification_echoes_echostr(wechat):
    response = wechat.client.get(PATH, query_string=wechat.query(echostr="5837397520665436492"))
    assert response.status_code == 200 and response.get_data(as_text=True) == "5837397520665436492"


@pytest.mark.parametrize("change, status", [
    ({"signature": "0" * 40}, 403),
    ({"timestamp": str(int(time.time()) - 3600)}, 403),  # signed for another timestamp
    ({"echostr": ""}, 400),
    ({"nonce": ""}, 400),
])
def test_url_verification_refuses_forgeries(wechat, change, status):
    query = {**wechat.query(echostr="42"), **change}
    response = wechat.client.get(PATH, query_string=query)
    assert response.status_code == status and "error" in response.get_json()


def test_replayed_verification_is_refused(wechat):
    old = int(time.time()) - 600
    response = wechat.client.get(PATH, query_string=wechat.query(timestamp=old, echostr="42"))
    assert response.status_code == 400 and "timestamp" in response.get_json()["error"]


def test_channel_is_404_without_a_token(module_dir):
    app = create_app(config(module_dir, WECHAT_TOKEN=""))
    client = app.test_client()
    assert client.get(PATH).status_code == 404
    assert client.post(PATH, data="<xml/>").get_json() == {"error": "not found"}
    app.extensions["runtime"].close()


# --- the three modes -----------------------------------------------------------------------

def test_plain_text_round_trip(wechat):
    user = unique()
    reply = wechat.reply(wechat.plain(text_xml(user, QUESTION)))
    assert reply.type == "text" and reply.target == user and reply.source == OFFICIAL
    assert "南宁" in reply.content and "来源" in reply.content


def test_safe_mode_round_trip_is_encrypted_both_ways(wechat):
    user = unique()
    response = wechat.aes(text_xml(user, QUESTION))
    assert "<Encrypt>" in response.get_data(as_text=True) and "南宁" not in response.get_data(as_text=True)
    reply = wechat.reply(response)
    assert reply.target == user and "南宁" in reply.content


def test_compatible_mode_believes_only_the_ciphertext(wechat):
    user = unique()
    xml = text_xml(user, QUESTION)
    response = wechat.aes(xml, compat=True)
    assert "<Encrypt>" in response.get_data(as_text=True)
    assert "南宁" in wechat.text(response)


def test_the_channel_is_built_once_and_follows_a_settings_change(app, client, monkeypatch):
    """One channel per settings (the AES key decoded and the cipher set up once), not one per
    request; a token or key changed in the config still takes effect with the next request."""
    from webhook.routes import wechat as route

    route._channel.cache_clear()
    old = WeChatClient(client)
    for _ in range(3):
        user = unique()
        assert old.reply(old.aes(text_xml(user, QUESTION))).target == user
    assert route._channel.cache_info().misses == 1
    new_key = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"
    monkeypatch.setitem(app.config, "WECHAT_TOKEN", "a-new-token")
    monkeypatch.setitem(app.config, "WECHAT_ENCODING_AES_KEY", new_key)
    assert old.aes(text_xml(unique(), QUESTION)).status_code == 403
    new, user = WeChatClient(client, token="a-new-token", aes_key=new_key), unique()
    assert new.reply(new.aes(text_xml(user, QUESTION))).target == user


def test_success_is_never_encrypted(wechat):
    response = wechat.aes(event_xml(unique(), "VIEW", "https://example.org/menu"))
    assert response.get_data(as_text=True) == "success"


# --- message types -------------------------------------------------------------------------

def voice(user: str, recognition: str | None) -> str:
    fields = "<MediaId><![CDATA[media-1]]></MediaId><Format><![CDATA[amr]]></Format>"
    if recognition is not None:
        fields += f"<Recognition><![CDATA[{recognition}]]></Recognition>"
    return message_xml(user, "voice", fields)


def test_voice_with_recognition_is_answered(wechat):
    assert "南宁" in wechat.text(wechat.plain(voice(unique(), "南宁长者饭堂有补贴吗。")))


@pytest.mark.parametrize("recognition", [None, ""])
def test_voice_without_recognition_asks_to_type(wechat, recognition):
    assert wechat.text(wechat.plain(voice(unique(), recognition))) == wxactions.VOICE_UNHEARD


@pytest.mark.parametrize("kind, fields", [
    ("image", "<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"),
    ("video", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>"),
    ("shortvideo", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>"),
    ("link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x]]></Url>"),
])
def test_media_gets_a_kind_reply(wechat, kind, fields):
    assert wechat.text(wechat.plain(message_xml(unique(), kind, fields))) == wxactions.ONLY_TEXT


def test_unknown_type_gets_a_polite_reply(wechat):
    xml = message_xml(unique(), "miniprogrampage", "<Title><![CDATA[小程序]]></Title>")
    assert wechat.text(wechat.plain(xml)) == wxactions.UNKNOWN


def location(user: str, label: str) -> str:
    fields = (f"<Location_X>22.817</Location_X><Location_Y>108.366</Location_Y><Scale>15</Scale>"
              f"<Label><![CDATA[{label}]]></Label>")
    return message_xml(user, "location", fields)


def session_state(app, user: str) -> dict | None:
    store = Store.in_dir(app.config["DATA_DIR"])
    try:
        row = store.db.execute("SELECT state FROM sessions WHERE user_id = ?", [f"wechat:{user}"]).fetchone()
    finally:
        store.close()
    return json.loads(row[0]) if row else None


def test_location_sets_the_region(app, wechat):
    user = unique()
    reply = wechat.text(wechat.plain(location(user, "广西壮族自治区南宁市青秀区民族大道100号")))
    assert "南宁市青秀区" in reply
    assert session_state(app, user)["region"] == "450103"


def test_an_unknown_place_asks_for_the_city(wechat):
    assert wechat.text(wechat.plain(location(unique(), "某某小区3栋"))) == wxactions.PLACE_UNKNOWN


def test_subscribe_welcomes_with_the_menu(wechat):
    reply = wechat.text(wechat.plain(event_xml(unique(), "subscribe", "qrscene_123")))
    assert reply.startswith(wxactions.WELCOME) and "我可以帮您" in reply


def test_unsubscribe_ends_the_session(app, wechat):
    user = unique()
    wechat.plain(location(user, "南宁市"))
    assert session_state(app, user) is not None
    response = wechat.plain(event_xml(user, "unsubscribe"))
    assert response.get_data(as_text=True) == "success"
    assert session_state(app, user) is None


def test_menu_click_maps_to_a_question(wechat):
    reply = wechat.text(wechat.plain(event_xml(unique(), "CLICK", "HUMAN")))
    assert "转人工" in reply


def test_unknown_menu_key_shows_the_menu(wechat):
    assert "我可以帮您" in wechat.text(wechat.plain(event_xml(unique(), "CLICK", "NO_SUCH_KEY")))


@pytest.mark.parametrize("event", ["SCAN", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"])
def test_other_events_are_acknowledged(wechat, event):
    assert wechat.plain(event_xml(unique(), event, "x")).get_data(as_text=True) == "success"


# --- bad input -----------------------------------------------------------------------------

def test_wrong_signature_is_403(wechat):
    query = {**wechat.query(), "signature": "f" * 40}
    response = wechat.client.post(PATH, query_string=query, data=text_xml(unique(), QUESTION))
    assert response.status_code == 403 and response.get_json() == {"error": "signature does not match"}


@pytest.mark.parametrize("offset", [-301, -3600, +3600])
def test_replayed_and_future_timestamps_are_400(wechat, offset):
    response = wechat.plain(text_xml(unique(), QUESTION), timestamp=int(time.time()) + offset)
    assert response.status_code == 400 and "timestamp" in response.get_json()["error"]


def test_safe_mode_replay_is_400(wechat):
    response = wechat.aes(text_xml(unique(), QUESTION), timestamp=int(time.time()) - 3600)
    assert response.status_code == 400


def test_safe_mode_wrong_msg_signature_is_403(wechat):
    envelope = f"<xml><Encrypt><![CDATA[{'A' * 64}]]></Encrypt></xml>"
    query = {**wechat.query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    response = wechat.client.post(PATH, query_string=query, data=envelope)
    assert response.status_code == 403


BOMB = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        '<xml><ToUserName>x</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>'
        '<MsgType>text</MsgType><Content>&d;</Content><MsgId>1</MsgId></xml>')
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<xml><ToUserName>x</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>'
            '<MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>')


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, "<xml><ToUserName>x</ToUserName>", "not xml at all",
                                  "<html><body/></html>", b"<xml><Content>\xff\xfe</Content></xml>",
                                  "<xml><MsgType>text</MsgType></xml>"])
def test_malformed_plain_bodies_are_400_fast(wechat, body):
    started = time.monotonic()
    response = wechat.plain(body)
    assert response.status_code == 400 and response.get_json()["error"]
    assert "root:" not in response.get_data(as_text=True)  # nothing of /etc/passwd
    assert time.monotonic() - started < 0.5


def test_xml_bomb_in_a_ciphertext_is_400(wechat):
    assert wechat.aes(BOMB).status_code == 400


def test_truncated_ciphertext_is_400(wechat):
    encrypted = wechat.crypto.encrypt_message(text_xml(unique(), QUESTION), "1", int(time.time()))
    cipher = encrypted.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    truncated = cipher[:len(cipher) - 24]
    body = f"<xml><Encrypt><![CDATA[{truncated}]]></Encrypt></xml>"
    response = wechat.signed_aes(body, truncated)
    assert response.status_code == 400


def test_bad_base64_is_400(wechat):
    response = wechat.signed_aes("<xml><Encrypt><![CDATA[%%%not-base64%%%]]></Encrypt></xml>", "%%%not-base64%%%")
    assert response.status_code == 400 and "base64" in response.get_json()["error"]


def test_bad_padding_is_400(wechat):
    key = base64.b64decode(WECHAT_AES_KEY + "=")
    message = text_xml(unique(), QUESTION).encode()
    plain = b"r" * 16 + struct.pack(">I", len(message)) + message + b"wx-test-app"
    plain += b"\x00" * (32 - len(plain) % 32)  # zero "padding": not PKCS#7
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    cipher = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    response = wechat.signed_aes(f"<xml><Encrypt><![CDATA[{cipher}]]></Encrypt></xml>", cipher)
    assert response.status_code == 400 and "padding" in response.get_json()["error"]


def test_wrong_app_id_is_400(client):
    other = WeChatClient(client, app_id="wx-another-account")
    response = other.aes(text_xml(unique(), QUESTION))
    assert response.status_code == 400 and "AppID" in response.get_json()["error"]


def test_ten_megabytes_is_413(wechat):
    response = wechat.plain(b"<xml>" + b"a" * 10_000_000 + b"</xml>")
    assert response.status_code == 413


def test_safe_mode_unconfigured_is_refused(module_dir):
    app = create_app(config(module_dir, WECHAT_ENCODING_AES_KEY="", WECHAT_MESSAGE_MODE="auto"))
    wechat = WeChatClient(app.test_client(), token=WECHAT_TOKEN)
    response = wechat.aes(text_xml(unique(), QUESTION))
    assert response.status_code == 403 and "plain" in response.get_json()["error"]
    app.extensions["runtime"].close()


def test_a_bad_signature_is_checked_before_the_body_is_parsed(wechat):
    query = {**wechat.query(), "signature": sha1("wrong-token", "1", "2")}
    response = wechat.client.post(PATH, query_string=query, data=BOMB)
    assert response.status_code == 403
