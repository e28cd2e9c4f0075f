"""Messages from a person (not the bot) to an elder: a taken-over conversation's replies and
case status notices. They go out through the elder's own channel's send API and are logged in
the transcript either way, so the console shows what was said and whether it arrived.

WeChat and WeCom can push (customer-service / application message API). The JSON channel
cannot: its clients only ever receive replies to their own requests, so the message is kept in
the transcript and the caller is told it was not pushed.
"""
from __future__ import annotations

from dataclasses import dataclass

from advisor.reply import channel_user_id
from knowledge.conversations import MessageLog
from webhook.channels.wxapi import SendError
from webhook.channels.wxmessages import split_text
from webhook.routes import runtime
from webhook.console import context

HUMAN_INTENT = "human"  # the transcript's mark for what a person (not the bot) said


@dataclass(frozen=True)
class Delivery:
    sent: bool
    note: str  # for the flash message: 已发送 / why not


def send_to_user(user_id: str, channel: str, text: str) -> Delivery:
    """Send `text` to the conversation `user_id` ("wechat:o6_b…") on `channel` and log it
    (intent 'human') in the transcript."""
    delivery = _push(user_id, channel, text)
    MessageLog(context.store()).log(user_id, channel or "api", "out", text, intent=HUMAN_INTENT, answered=True)
    return delivery


def can_push(channel: str) -> bool:
    """Whether a message typed here reaches the person now (WeChat or WeCom with a send API)."""
    return _api(channel) is not None


def _api(channel: str):
    return {"wechat": runtime().wechat_api, "wecom": runtime().wecom_api}.get(channel, lambda: None)()


def _push(user_id: str, channel: str, text: str) -> Delivery:
    api = _api(channel)
    if api is None:
        return Delivery(False, "这个渠道不能主动推送（或未配置发送接口），消息已记入对话记录。")
    parts = split_text(text)
    try:
        sent = api.send_parts(channel_user_id(user_id, channel), parts)
    except SendError as exc:
        return Delivery(False, f"发送失败：{exc}；消息已记入对话记录。")
    if sent < len(parts):
        return Delivery(False, f"只发出了 {sent}/{len(parts)} 段；消息已记入对话记录。")
    return Delivery(True, "已发送。")
