"""`/webhooks/wecom`: encrypted URL verification, encrypted round trips, CorpID and AgentID checks,
and the late-answer path through the application message API (the local fake)."""
from __future__ import annotations

import time

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto

from advisor.core import Advisor
from tests.webhook.conftest import WECOM_AES_KEY, WECOM_AGENT, WECOM_TOKEN, config, message_xml, sha1, unique
from tests.webhook.fake_wechat import CORP_ID, fake_wechat  # noqa: F401 - the fixture
from webhook.app import create_app

PATH = "/webhooks/wecom"
QUESTION = "南宁长者饭堂有补贴吗"


class WeComClient:
    def __init__(self, client, corp_id: str = CORP_ID):
        self.client, self.corp_id = client, corp_id
        self.crypto = WeChatCrypto(WECOM_TOKEN, WECOM_AES_KEY, corp_id)

    def seal(self, text: str, timestamp: int | None = None, nonce: str | None = None) -> dict:
        timestamp, nonce = timestamp or int(time.time()), nonce or unique("n")
        envelope = xmltodict.parse(self.crypto.encrypt_message(text, nonce, timestamp))["xml"]
        return {"msg_signature": envelope["MsgSignature"], "timestamp": str(timestamp), "nonce": nonce,
                "encrypted": envelope["Encrypt"]}

    def verify(self, echo: str, **kwargs):
        sealed = self.seal(echo, **kwargs)
        query = {"msg_signature": sealed["msg_signature"], "timestamp": sealed["timestamp"],
                 "nonce": sealed["nonce"], "echostr": sealed["encrypted"]}
        return self.client.get(PATH, query_string=query)

    def post(self, xml: str, agent: str = WECOM_AGENT, **kwargs):
        sealed = self.seal(xml, **kwargs)
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID><![CDATA[{agent}]]></AgentID>"
                f"<Encrypt><![CDATA[{sealed['encrypted']}]]></Encrypt></xml>")
        query = {key: sealed[key] for key in ("msg_signature", "timestamp", "nonce")}
        return self.client.post(PATH, query_string=query, data=body, content_type="text/xml")

    def text(self, response) -> str:
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data(as_text=True)
        envelope = xmltodict.parse(body)["xml"]
        plain = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return parse_message(plain).content


def wecom_text(user: str, content: str, msg_id: str | None = None, agent: str = WECOM_AGENT) -> str:
    return message_xml(user, "text", f"<Content><![CDATA[{content}]]></Content>", msg_id, to=CORP_ID,
                       extra=f"<AgentID>{agent}</AgentID>")


@pytest.fixture
def wecom(client) -> WeComClient:
    return WeComClient(client)


def test_url_verification_answers_the_decrypted_echostr(wecom):
    response = wecom.verify("1616140317555161061")
    assert response.status_code == 200 and response.get_data(as_text=True) == "1616140317555161061"


def test_url_verification_with_a_wrong_signature_is_403(wecom):
    sealed = wecom.seal("42")
    query = {"msg_signature": "0" * 40, "timestamp": sealed["timestamp"], "nonce": sealed["nonce"],
             "echostr": sealed["encrypted"]}
    assert wecom.client.get(PATH, query_string=query).status_code == 403


def test_url_verification_replayed_is_400(wecom):
    assert wecom.verify("42", timestamp=int(time.time()) - 3600).status_code == 400


def test_encrypted_round_trip(wecom):
    user = unique("wecom")
    response = wecom.post(wecom_text(user, QUESTION))
    assert "<Encrypt>" in response.get_data(as_text=True)
    assert "南宁" in wecom.text(response)


def test_wrong_corp_id_is_400(client):
    stranger = WeComClient(client, corp_id="ww-another-corp")
    response = stranger.post(wecom_text(unique("wecom"), QUESTION))
    assert response.status_code == 400 and "CorpID" in response.get_json()["error"]


def test_wrong_agent_id_is_400(wecom):
    response = wecom.post(wecom_text(unique("wecom"), QUESTION, agent="1000099"), agent="1000099")
    assert response.status_code == 400 and "AgentID" in response.get_json()["error"]


def test_plain_posts_are_refused(wecom):
    ts, nonce = str(int(time.time())), "1"
    query = {"msg_signature": sha1(WECOM_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}
    response = wecom.client.post(PATH, query_string=query, data=wecom_text(unique("wecom"), QUESTION))
    assert response.status_code == 400 and "Encrypt" in response.get_json()["error"]


def test_retries_run_the_advisor_once(wecom, monkeypatch):
    calls = []
    original = Advisor.handle
    monkeypatch.setattr(Advisor, "handle", lambda advisor, message: calls.append(1) or original(advisor, message))
    xml = wecom_text(unique("wecom"), QUESTION, msg_id=unique("msg"))
    replies = {wecom.text(wecom.post(xml)) for _ in range(3)}
    assert len(calls) == 1 and len(replies) == 1


def test_a_slow_answer_goes_through_the_application_api(app, wecom, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, "WECOM_API_BASE", fake_wechat.url)
    monkeypatch.setitem(app.config, "WECHAT_REPLY_DEADLINE", 0.2)
    original = Advisor.handle
    monkeypatch.setattr(Advisor, "handle", lambda advisor, message: time.sleep(0.6) or original(advisor, message))
    user = unique("wecom")
    assert wecom.post(wecom_text(user, QUESTION)).get_data(as_text=True) == "success"
    deadline = time.monotonic() + 10
    while not fake_wechat.delivered():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    (body,) = fake_wechat.delivered()
    assert body["touser"] == user and body["agentid"] == int(WECOM_AGENT) and "南宁" in body["text"]["content"]


@pytest.mark.parametrize("missing", ["WECOM_TOKEN", "WECOM_CORP_ID", "WECOM_ENCODING_AES_KEY"])
def test_channel_is_404_unless_configured(module_dir, missing):
    app = create_app(config(module_dir, **{missing: ""}))
    assert app.test_client().get(PATH).status_code == 404
    app.extensions["runtime"].close()
