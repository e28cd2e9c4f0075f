"""The WeChat Official Account channel: verify a callback, open its message, render the reply.

Three modes, chosen by the account's settings and told apart by the query string:
plain (signature over token/timestamp/nonce, XML in the clear), compatible and safe (both send
`encrypt_type=aes` and `msg_signature`, which also covers the ciphertext; compatible mode adds
the clear fields beside it, which are ignored: only the signed ciphertext is believed). A reply
goes back the way the message came: encrypted for aes, in the clear for plain.

Errors are `ProtocolError`s with short safe messages; the routes turn `BadSignature` into 403
and every other one into 400. Signature and timestamp are checked before a plain body is parsed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from webhook.channels import wxmessages as wx
from webhook.channels.wxcrypto import MessageCrypto, ProtocolError, check_signature, check_timestamp

SUCCESS = "success"  # what WeChat wants when there is no passive reply


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed message and how to answer it (encrypted or not, with which nonce)."""

    message: wx.Message
    encrypted: bool
    nonce: str


def required(args: Mapping[str, str], *names: str) -> list[str]:
    """Query parameters that must be present; a missing one is a 400, not a bad signature."""
    values = [args.get(name, "") for name in names]
    for name, value in zip(names, values):
        if not value:
            raise ProtocolError(f"missing {name}")
    return values


class EncryptedChannel:
    """What WeChat safe mode and WeCom share: open a signed envelope, encrypt the reply."""

    name = ""

    def __init__(self, crypto: MessageCrypto | None):
        self.crypto = crypto

    def open_encrypted(self, args: Mapping[str, str], body: bytes) -> Inbound:
        if self.crypto is None:
            raise ProtocolError("encrypted mode is not configured (EncodingAESKey unset)")
        msg_signature, timestamp, nonce = required(args, "msg_signature", "timestamp", "nonce")
        check_timestamp(timestamp)  # cheap, and before any XML is parsed (so not again below)
        _, encrypted, _ = wx.parse_envelope(body)
        xml = self.crypto.open_signed(msg_signature, timestamp, nonce, encrypted)
        return Inbound(wx.parse_message(xml), True, nonce)

    def render(self, inbound: Inbound, text: str) -> str:
        """The passive reply to `inbound`; empty text means "success" (never encrypted)."""
        if not text:
            return SUCCESS
        xml = wx.render_text_reply(inbound.message, text)
        if not inbound.encrypted:
            return xml
        return wx.render_encrypted_reply(*self.crypto.encrypt(xml, nonce=inbound.nonce))


class WeChatChannel(EncryptedChannel):
    name = "wechat"

    def __init__(self, token: str, app_id: str = "", encoding_aes_key: str = ""):
        super().__init__(MessageCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None)
        self._token = token

    def __repr__(self) -> str:
        return "WeChatChannel()"

    def verify_url(self, args: Mapping[str, str]) -> str:
        """GET: the echostr to send back once the signature proves the caller knows the token."""
        self._check(args)
        (echostr,) = required(args, "echostr")
        return echostr

    def open(self, args: Mapping[str, str], body: bytes) -> Inbound:
        """POST: the verified message, in whichever mode it came."""
        if args.get("encrypt_type", "raw").lower() == "aes":
            return self.open_encrypted(args, body)
        nonce = self._check(args)
        return Inbound(wx.parse_message(body), False, nonce)

    def _check(self, args: Mapping[str, str]) -> str:
        signature, timestamp, nonce = required(args, "signature", "timestamp", "nonce")
        check_signature(signature, self._token, timestamp, nonce)
        check_timestamp(timestamp)
        return nonce
