"""Apps over the shipped knowledge for the channel tests, and a WeChat client built on wechatpy.

Building the search index takes seconds, so it is built once per test session in a template
data dir; each test module copies the template and creates its app once. wechatpy is the
independent client: it encrypts what we decrypt and decrypts what we encrypt.
"""
from __future__ import annotations

import hashlib
import itertools
import shutil
import time
from pathlib import Path

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from knowledge.cli import load_starter
from knowledge.store import Store
from tests.webhook.fake_wechat import APP_ID, APP_SECRET, CORP_ID, CORP_SECRET
from webhook.app import create_app

WECHAT_TOKEN = "wechat-callback-token"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECOM_TOKEN = "wecom-callback-token"
WECOM_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"
WECOM_AGENT = "1000002"
OFFICIAL = "gh_elder_care"  # the Official Account's own id: ToUserName of what users send
_ids = itertools.count(int(time.time() * 1000))


def unique(prefix: str = "o-user") -> str:
    """A fresh user id or MsgId per use: the ledger and the rate limit outlive a test."""
    return f"{prefix}-{next(_ids)}"


def config(data_dir: Path, **extra) -> dict:
    """Every channel setting given explicitly, so a developer's environment cannot leak in."""
    return {"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_DATABASE_URL": "", "ADVISOR_API_TOKEN": "",
            "WECHAT_TOKEN": WECHAT_TOKEN,
            "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET, "WECHAT_ENCODING_AES_KEY": WECHAT_AES_KEY,
            "WECHAT_API_BASE": "http://127.0.0.1:9", "WECOM_TOKEN": WECOM_TOKEN, "WECOM_CORP_ID": CORP_ID,
            "WECOM_ENCODING_AES_KEY": WECOM_AES_KEY, "WECOM_AGENT_ID": WECOM_AGENT, "WECOM_SECRET": CORP_SECRET,
            "WECOM_API_BASE": "http://127.0.0.1:9",
            "WECHAT_MESSAGE_MODE": "compatible",  # the channel tests post all three modes to one app
            **extra}


@pytest.fixture(scope="session")
def knowledge_template(tmp_path_factory) -> Path:
    """A data dir with the shipped knowledge and its index, built once per session."""
    path = tmp_path_factory.mktemp("template")
    store = Store.in_dir(path)
    load_starter(store)
    store.close()
    create_app(config(path)).extensions["runtime"].close()
    return path


@pytest.fixture(scope="module")
def module_dir(knowledge_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("instance") / "data"
    shutil.copytree(knowledge_template, path, symlinks=True)
    return path


@pytest.fixture(scope="module")
def app(module_dir):
    app = create_app(config(module_dir))
    yield app
    app.extensions["runtime"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(user: str, content: str, msg_id: str | None = None, created: int | None = None) -> str:
    return message_xml(user, "text", f"<Content><![CDATA[{content}]]></Content>", msg_id, created)


def event_xml(user: str, event: str, key: str = "", created: int | None = None) -> str:
    body = f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
    return message_xml(user, "event", body, None, created)


def message_xml(user: str, kind: str, fields: str, msg_id: str | None = None, created: int | None = None,
                to: str = OFFICIAL, extra: str = "") -> str:
    msg_id = msg_id if msg_id is not None else ("" if kind == "event" else unique("msg"))
    msg_id_xml = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
            f"{fields}{msg_id_xml}{extra}</xml>")


class WeChatClient:
    """Posts callbacks the way WeChat does, in each mode, and reads the replies with wechatpy."""

    path = "/webhooks/wechat"

    def __init__(self, client, token: str = WECHAT_TOKEN, aes_key: str = WECHAT_AES_KEY, app_id: str = APP_ID):
        self.client, self.token = client, token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def query(self, timestamp: int | None = None, nonce: str | None = None, **extra) -> dict:
        """A signed query; a fresh nonce unless told (a (timestamp, nonce) pair carries one body)."""
        timestamp, nonce = str(timestamp or int(time.time())), nonce or unique("n")
        return {"signature": sha1(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                "openid": "o-user", **extra}

    def plain(self, xml: str | bytes, **query):
        return self.client.post(self.path, query_string=self.query(**query), data=xml,
                                content_type="text/xml")

    def aes(self, xml: str, compat: bool = False, timestamp: int | None = None, nonce: str | None = None):
        timestamp, nonce = timestamp or int(time.time()), nonce or unique("n")
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        encrypted = envelope["Encrypt"]
        body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>") if compat else (
            f"<xml><ToUserName><![CDATA[{OFFICIAL}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return self.signed_aes(body, encrypted, timestamp, nonce)

    def signed_aes(self, body: str | bytes, encrypted: str, timestamp: int | None = None, nonce: str | None = None):
        nonce = nonce or unique("n")
        query = self.query(timestamp, nonce, encrypt_type="aes",
                           msg_signature=sha1(self.token, str(timestamp or int(time.time())), nonce, encrypted))
        return self.client.post(self.path, query_string=query, data=body, content_type="text/xml")

    def reply(self, response):
        """The wechatpy message inside a reply, decrypting a safe-mode envelope."""
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data(as_text=True)
        if "<Encrypt>" in body:
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"])
        return parse_message(body)

    def text(self, response) -> str:
        return self.reply(response).content


@pytest.fixture
def wechat(client) -> WeChatClient:
    return WeChatClient(client)
