"""What to do with each WeChat/WeCom message type: ask the advisor, say a fixed line, or just ack.

Both platforms send the same message types, so one table serves both channels. Only text the
person wrote (or spoke, when WeChat transcribed it) reaches the advisor; pictures, links and
videos get a kind line asking them to type; events the person did not mean as a message
(scanning, opening a menu link) are acknowledged with "success", which WeChat shows as nothing.

Menu buttons: configure CLICK buttons in the account's menu with the keys of `MENU_KEYS`;
each key stands for the question a person would type.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

from advisor.compose import MENU
from knowledge.regions import NATIONAL, Region, resolve
from webhook.channels import wxmessages as wx


@dataclass(frozen=True)
class Ask:
    """Ask the advisor `text`; `region` sets the person's place first, `lead` precedes the reply."""

    text: str
    region: str = ""
    lead: str = ""


@dataclass(frozen=True)
class Say:
    text: str
    kind: str  # what the line answers, for the logs (intent)


@dataclass(frozen=True)
class EndSession:
    """The person unsubscribed: forget the conversation, reply "success"."""


@dataclass(frozen=True)
class Ack:
    """Nothing to say: reply "success"."""


Action = Ask | Say | EndSession | Ack

MENU_KEYS = {
    "POLICY": "有哪些养老政策和补贴",
    "SUBSIDY": "高龄津贴怎么申请",
    "SERVICE": "附近有哪些养老服务",
    "MEAL": "长者饭堂在哪里",
    "REFER": "帮我登记",
    "HUMAN": "转人工",
    "HELP": "你能做什么",
}
WELCOME = "感谢关注！"
ONLY_TEXT = "抱歉，我现在只能看懂文字。请把您的问题打字发给我，比如“高龄津贴怎么领”。"
VOICE_UNHEARD = "抱歉，这条语音我没听清。请打字发给我；也可以长按语音选“转文字”，把文字发给我。"
UNKNOWN = "抱歉，这类消息我还看不懂。请用文字告诉我您想了解什么。"
PLACE_UNKNOWN = "收到您的位置，但我没认出是哪个市、县。请直接告诉我住在哪个市、县（区），比如“我住在某某县”。"


@singledispatch
def action_for(message: wx.Message) -> Action:
    """The action for one parsed message; every type has one, none raises."""
    return Say(UNKNOWN, "unsupported")


@action_for.register
def _text(message: wx.TextMessage) -> Action:
    return Ask(message.content) if message.content.strip() else Say(ONLY_TEXT, "empty")


@action_for.register
def _voice(message: wx.VoiceMessage) -> Action:
    return Ask(message.recognition) if message.recognition else Say(VOICE_UNHEARD, "voice_unrecognised")


@action_for.register(wx.ImageMessage)
@action_for.register(wx.VideoMessage)
@action_for.register(wx.LinkMessage)
def _media(message: wx.Message) -> Action:
    return Say(ONLY_TEXT, "unsupported_media")


@action_for.register
def _location(message: wx.LocationMessage) -> Action:
    region = place_of(message.label)
    if region == NATIONAL:
        return Say(PLACE_UNKNOWN, "location_unknown")
    return Ask("", region=region.code, lead=f"好的，记下您在{region.name}，之后按当地的政策为您解答。\n")


@action_for.register
def _event(message: wx.Event) -> Action:
    if message.event == "subscribe":
        return Ask("你好", lead=WELCOME)
    if message.event == "unsubscribe":
        return EndSession()
    if message.event == "click":
        question = MENU_KEYS.get((message.event_key or "").strip().upper())
        return Ask(question) if question else Say(MENU, "menu")
    return Ack()  # scan, view, location reports, WeCom enter_agent, and events to come


def place_of(label: str) -> Region:
    """The most specific division named in a location label ("广西壮族自治区南宁市青秀区民族大道…")."""
    return resolve(label or "", abbreviations=False)
