"""WeChat / WeCom callback XML in, typed messages out; replies back to XML.

Callback bodies are untrusted: before the signature is checked anyone can post one, and even
a signed one goes through an XML parser. defusedxml with DTDs forbidden refuses entity bombs
and external entities (file:///etc/passwd) before anything is expanded; every malformed or
incomplete body becomes `BadXml`, a `ProtocolError`, so the channel answers 400. A message type
this module does not know is not an error: WeChat adds types, and the advisor should answer
"I can only read text" rather than fail.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Callable
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as SafeET

from webhook.channels.wxcrypto import ProtocolError

REPLY_LIMIT = 2048  # UTF-8 bytes in one text message, on both platforms
# Where a long reply may be split, best first: after a sentence, then after a clause.
_BOUNDARIES = ("。！？；!?;\n", "，、,")
# Characters XML 1.0 cannot carry at all, not even in CDATA (control characters, U+FFFE…).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class BadXml(ProtocolError):
    message = "body is not a well-formed WeChat XML message"


@dataclass(frozen=True, kw_only=True)
class Message:
    """Fields every callback carries; events have no msg_id, only WeCom sends agent_id."""

    to_user: str
    from_user: str
    create_time: int
    msg_id: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TextMessage(Message):
    content: str


@dataclass(frozen=True, kw_only=True)
class VoiceMessage(Message):
    """`recognition` is WeChat's transcript, present when speech recognition is switched on."""

    media_id: str
    format: str
    recognition: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImageMessage(Message):
    pic_url: str
    media_id: str


@dataclass(frozen=True, kw_only=True)
class VideoMessage(Message):
    media_id: str
    thumb_media_id: str


@dataclass(frozen=True, kw_only=True)
class ShortVideoMessage(VideoMessage):
    """A 小视频: the fields of a video, its own type so a handler can tell them apart."""


@dataclass(frozen=True, kw_only=True)
class LinkMessage(Message):
    title: str
    description: str
    url: str


@dataclass(frozen=True, kw_only=True)
class LocationMessage(Message):
    latitude: float
    longitude: float
    scale: int
    label: str


@dataclass(frozen=True, kw_only=True)
class Event(Message):
    """`event` lower-cased ("subscribe", "scan", "click", ...): the platforms mix cases."""

    event: str
    event_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class UnknownMessage(Message):
    type: str


def _ident(text: str) -> str:
    """An id or a keyword: surrounding blanks dropped, never empty."""
    text = text.strip()
    if not text:
        raise ValueError("empty")
    return text


def _maybe(text: str) -> str | None:
    """An optional value: the platforms send empty elements where there is nothing."""
    return text.strip() or None


def _lower(text: str) -> str:
    return _ident(text).lower()


def _coordinate(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


@dataclass(frozen=True)
class _Field:
    """How one child element of <xml> becomes one dataclass field."""

    name: str
    tag: str
    convert: Callable[[str], object] = _ident
    required: bool = True


def _optional(name: str, tag: str) -> _Field:
    return _Field(name, tag, _maybe, required=False)


_COMMON = (
    _Field("to_user", "ToUserName"),
    _Field("from_user", "FromUserName"),
    _Field("create_time", "CreateTime", int),
    _optional("msg_id", "MsgId"),
    _optional("agent_id", "AgentID"),
)
_VIDEO = (_Field("media_id", "MediaId"), _Field("thumb_media_id", "ThumbMediaId"))
_KINDS: dict[str, tuple[type[Message], tuple[_Field, ...]]] = {
    "text": (TextMessage, (_Field("content", "Content", str),)),
    "voice": (VoiceMessage, (_Field("media_id", "MediaId"), _Field("format", "Format"),
                             _optional("recognition", "Recognition"))),
    "image": (ImageMessage, (_Field("pic_url", "PicUrl"), _Field("media_id", "MediaId"))),
    "video": (VideoMessage, _VIDEO),
    "shortvideo": (ShortVideoMessage, _VIDEO),
    "link": (LinkMessage, (_Field("title", "Title", str), _Field("description", "Description", str),
                           _Field("url", "Url"))),
    "location": (LocationMessage, (_Field("latitude", "Location_X", _coordinate),
                                   _Field("longitude", "Location_Y", _coordinate),
                                   _Field("scale", "Scale", int), _Field("label", "Label", str))),
    "event": (Event, (_Field("event", "Event", _lower), _optional("event_key", "EventKey"))),
}
_MSG_TYPE = _Field("type", "MsgType", _lower)
_UNKNOWN = (UnknownMessage, (_MSG_TYPE,))
_ENVELOPE = (_optional("to_user", "ToUserName"), _Field("encrypted", "Encrypt"),
             _optional("agent_id", "AgentID"))


def _parse_root(xml: str | bytes) -> Element:
    """The <xml> root of an untrusted body; DTDs (hence entities) are refused outright."""
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise BadXml("DTDs and entities are not allowed") from None
    except (SyntaxError, ValueError):  # ParseError, undecodable bytes, unsupported encodings
        raise BadXml() from None
    if root.tag != "xml":
        raise BadXml("root element must be <xml>")
    return root


def _value(root: Element, field: _Field) -> object:
    element = root.find(field.tag)
    if element is None:
        if field.required:
            raise BadXml(f"missing {field.tag}")
        return None
    try:
        return field.convert("".join(element.itertext()))
    except ValueError:
        raise BadXml(f"bad {field.tag}") from None


def _values(root: Element, fields: tuple[_Field, ...]) -> dict[str, object]:
    return {field.name: _value(root, field) for field in fields}


def parse_message(xml: str | bytes) -> Message:
    """A decrypted (or plain-mode) callback body as a typed message."""
    root = _parse_root(xml)
    kind, fields = _KINDS.get(_value(root, _MSG_TYPE), _UNKNOWN)
    return kind(**_values(root, _COMMON + fields))


def parse_envelope(xml: str | bytes) -> tuple[str | None, str, str | None]:
    """(ToUserName, Encrypt, AgentID) of an encrypted body: AppID/CorpID, ciphertext, agent.

    Only Encrypt is covered by the signature, so the other two are hints for routing and
    logs; the receive id inside the ciphertext is what proves the addressee.
    """
    values = _values(_parse_root(xml), _ENVELOPE)
    return values["to_user"], values["encrypted"], values["agent_id"]


def dedupe_key(message: Message) -> str:
    """One key per delivery: WeChat retries an unanswered callback up to three times.

    MsgId when there is one; events carry none, so (as WeChat advises) the sender and
    CreateTime stand in, plus the event name since one click can raise two events, and its
    EventKey since two menu buttons pressed in one second are two messages (转人工 once got the
    answer of 长者饭堂). The key comes last: it is the only part that may contain "|".
    """
    if message.msg_id:
        return message.msg_id
    parts = [message.from_user, str(message.create_time)]
    if isinstance(message, Event):
        parts.append(message.event)
        if message.event_key:
            parts.append(message.event_key)
    return "|".join(parts)


def _cdata(text: str) -> str:
    """Text as CDATA that survives any content: "]]>" split across two sections."""
    text = _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{text}]]>"


def render_text_reply(incoming: Message, text: str, now: float | None = None) -> str:
    """A passive text reply to `incoming`: addressed back to its sender, from its receiver.

    The text should fit REPLY_LIMIT (see `split_text`); characters XML cannot carry are dropped.
    """
    created = int(time.time() if now is None else now)
    return ("<xml>"
            f"<ToUserName>{_cdata(incoming.from_user)}</ToUserName>"
            f"<FromUserName>{_cdata(incoming.to_user)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(text)}</Content>"
            "</xml>")


def render_encrypted_reply(encrypted: str, signature: str, timestamp: str | int, nonce: str) -> str:
    """The safe-mode envelope around an encrypted reply; takes `MessageCrypto.encrypt`'s tuple."""
    return ("<xml>"
            f"<Encrypt>{_cdata(encrypted)}</Encrypt>"
            f"<MsgSignature>{_cdata(signature)}</MsgSignature>"
            f"<TimeStamp>{int(timestamp)}</TimeStamp>"
            f"<Nonce>{_cdata(nonce)}</Nonce>"
            "</xml>")


def split_text(text: str, limit_bytes: int = REPLY_LIMIT) -> list[str]:
    """Parts of `text` that each fit `limit_bytes` of UTF-8 and join back to `text` exactly.

    A reply over the platform limit is refused outright, so long answers go out as several
    messages; splitting after a sentence keeps each message readable on its own. Empty text
    gives no parts.
    """
    if limit_bytes < 4:
        raise ValueError("limit_bytes must be at least 4, the longest UTF-8 character")
    parts = []
    while len(text.encode("utf-8")) > limit_bytes:
        cut = _cut(text, limit_bytes)
        parts.append(text[:cut])
        text = text[cut:]
    return parts + [text] if text else parts


def _cut(text: str, limit_bytes: int) -> int:
    """Length of the next part: after the last sentence end that fits, else the last clause end.

    A boundary counts only in the second half of what fits, so no part is wasted on a few
    characters; with none there, the cut falls at the last whole character that fits.
    """
    window = text.encode("utf-8")[:limit_bytes].decode("utf-8", "ignore")
    for ends in _BOUNDARIES:
        end = max(window.rfind(char) for char in ends)
        if end >= len(window) // 2:
            return end + 1
    return len(window)
