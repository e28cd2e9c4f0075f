"""The WeChat Official Account channel: verify a callback, open its message, render the reply.

Three modes, chosen by the account's settings and told apart by the query string:
plain (signature over token/timestamp/nonce, XML in the clear), compatible and safe (both send
`encrypt_type=aes` and `msg_signature`, which also covers the ciphertext; compatible mode adds
the clear fields beside it, which are ignored: only the signed ciphertext is believed). A reply
goes back the way the message came: encrypted for aes, in the clear for plain.

Which of them this server accepts is WECHAT_MESSAGE_MODE (`accepts`): with an EncodingAESKey
the default is safe, so a plaintext request — no `encrypt_type`, or `raw` — is refused: its
signature does not cover the body, and accepting it would undo what safe mode protects
(anyone holding one signed URL could post any body). Compatible mode takes both, as WeChat
itself sends them while an account switches modes.

Errors are `ProtocolError`s with short safe messages; the routes turn `BadSignature` into 403
and every other one into 400. Signature and timestamp are checked before a plain body is parsed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from webhook.channels import wxmessages as wx
from webhook.channels.wxcrypto import BadSignature, MessageCrypto, ProtocolError, check_signature, check_timestamp

SUCCESS = "success"  # what WeChat wants when there is no passive reply
MODES = ("plain", "compatible", "safe")


class ModeRefused(BadSignature):
    """A message in a mode this server does not accept (403): unauthenticated as far as it goes."""


def accepts(mode: str, encoding_aes_key: str) -> str:
    """The mode in force for WECHAT_MESSAGE_MODE `mode` ("auto": safe with a key, else plain);
    ValueError for an encrypted mode without a key, which could never open a message."""
    if mode == "auto":
        return "safe" if encoding_aes_key else "plain"
    if mode not in MODES:
        raise ValueError(f"must be one of {', '.join(MODES)} or auto")
    if mode != "plain" and not encoding_aes_key:
        raise ValueError(f"{mode} mode needs WECHAT_ENCODING_AES_KEY")
    return mode


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
        """Only called with a crypto: WeCom always has one, WeChat only accepts an encrypted
        mode with a key (`accepts`)."""
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

    def __init__(self, token: str, app_id: str = "", encoding_aes_key: str = "", mode: str = "auto"):
        super().__init__(MessageCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None)
        self._token = token
        self.mode = accepts(mode, encoding_aes_key)

    def __repr__(self) -> str:
        return "WeChatChannel()"

    def verify_url(self, args: Mapping[str, str]) -> str:
        """GET: the echostr to send back once the signature proves the caller knows the token."""
        self._check(args)
        (echostr,) = required(args, "echostr")
        return echostr

    def open(self, args: Mapping[str, str], body: bytes) -> Inbound:
        """POST: the verified message, in whichever accepted mode it came."""
        if args.get("encrypt_type", "raw").lower() == "aes":
            if self.mode == "plain":
                raise ModeRefused("encrypted messages are not accepted (WECHAT_MESSAGE_MODE is plain)")
            return self.open_encrypted(args, body)
        if self.mode == "safe":
            raise ModeRefused("plaintext messages are not accepted in safe mode: encrypt_type=aes and msg_signature"
                              " are required")
        nonce = self._check(args)
        return Inbound(wx.parse_message(body), False, nonce)

    def _check(self, args: Mapping[str, str]) -> str:
        signature, timestamp, nonce = required(args, "signature", "timestamp", "nonce")
        check_signature(signature, self._token, timestamp, nonce)
        check_timestamp(timestamp)
        return nonce
