"""What the WeChat and WeCom routes share: verify, parse, act, reply — and log one line.

The channel (webhook.channels.wechat / wecom) knows the protocol; this module knows what to do
with a message once it is trusted: the action table (wxactions), the one-run-per-message
delivery (webhook.delivery), and the passive reply.
"""
from __future__ import annotations

import time
from typing import Callable

from flask import Response, current_app, request

from advisor.reply import Message, conversation_id
from webhook import logs
from webhook.channels import wxactions, wxmessages
from webhook.channels.wechat import Inbound
from webhook.channels.wxapi import WeChatApi, WeComApi
from webhook.delivery import Job, Outcome, answer_once
from webhook.routes import runtime



def verify(channel) -> Response:
    return Response(channel.verify_url(request.args), mimetype="text/plain")


def receive(channel, api: Callable[[], WeChatApi | WeComApi | None]) -> Response:
    started = time.monotonic()
    body = request.get_data()
    inbound = channel.open(request.args, body)
    runtime().process.nonces.check(channel.name, request.args["timestamp"], inbound.nonce, body)
    action = wxactions.action_for(inbound.message)
    text, intent, outcome = _act(channel.name, inbound, action, api)
    logs.message(channel.name, inbound.message.from_user, intent, started, outcome)
    runtime().instruments.waited(channel.name, outcome, started)
    body = channel.render(inbound, text)
    return Response(body, mimetype="text/plain" if body == "success" else "application/xml")


def _act(name: str, inbound: Inbound, action: wxactions.Action, api) -> tuple[str, str, str]:
    """(passive reply text, intent, outcome) for one action."""
    user = inbound.message.from_user
    if isinstance(action, wxactions.Ask):
        done = _ask(name, inbound, action, api)
        return (done.parts[0] if done.parts else ""), done.intent, done.outcome
    if isinstance(action, wxactions.Say):
        return wxmessages.split_text(action.text)[0], action.kind, "canned"
    if isinstance(action, wxactions.EndSession):
        runtime().end_session(conversation_id(name, user))
        return "", "unsubscribe", "ended"
    return "", "event", "ack"


def _ask(name: str, inbound: Inbound, action: wxactions.Ask, api) -> Outcome:
    user = inbound.message.from_user
    client = api()
    job = Job(key=f"{name}:{wxmessages.dedupe_key(inbound.message)}",
              message=Message(user, action.text, name, action.region), split=wxmessages.split_text,
              send=(lambda parts: client.send_parts(user, parts)) if client else None, lead=action.lead)
    deadline = float(current_app.config["WECHAT_REPLY_DEADLINE"])  # WeChat gives up at 5 s
    return answer_once(runtime(), job, deadline)
