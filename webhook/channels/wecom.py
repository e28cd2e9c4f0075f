"""The WeCom (企业微信) application channel: always encrypted, addressed to one corp and agent.

The CorpID inside the ciphertext proves the addressee (WrongReceiver otherwise); the AgentID,
when WECOM_AGENT_ID is set, keeps a callback meant for another app of the same corp from being
answered by this one. Events without an AgentID (contact changes) are let through: they carry
nothing the advisor answers anyway.
"""
from __future__ import annotations

from typing import Mapping

from webhook.channels.wechat import EncryptedChannel, Inbound, required
from webhook.channels.wxcrypto import MessageCrypto, ProtocolError


class WrongAgent(ProtocolError):
    message = "message is addressed to another AgentID"


class WeComChannel(EncryptedChannel):
    name = "wecom"

    def __init__(self, token: str, corp_id: str, encoding_aes_key: str, agent_id: str = ""):
        super().__init__(MessageCrypto(token, encoding_aes_key, corp_id))
        self.agent_id = str(agent_id or "").strip()

    def __repr__(self) -> str:
        return f"WeComChannel(agent_id={self.agent_id!r})"

    def verify_url(self, args: Mapping[str, str]) -> str:
        """GET: WeCom sends the echostr encrypted; the plaintext is the answer."""
        msg_signature, timestamp, nonce, echostr = required(args, "msg_signature", "timestamp", "nonce", "echostr")
        # A "+" left unescaped in the query arrives as a space; base64 never contains one.
        return self.crypto.verify_url(msg_signature, timestamp, nonce, echostr.replace(" ", "+"))

    def open(self, args: Mapping[str, str], body: bytes) -> Inbound:
        inbound = self.open_encrypted(args, body)
        agent = inbound.message.agent_id
        if self.agent_id and agent is not None and agent != self.agent_id:
            raise WrongAgent()
        return inbound
