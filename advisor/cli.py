"""Terminal commands: `advisor ask TEXT` for one question, `advisor chat` for a conversation."""
from __future__ import annotations

import json

import click

from advisor.core import Advisor
from advisor.reply import Message
from knowledge import settings


def open_advisor() -> Advisor:
    values = settings.load()
    return Advisor.open(settings.data_dir(), ttl=int(values["ADVISOR_SESSION_TTL"]))


@click.command("ask")
@click.argument("text")
@click.option("--user", default="cli", show_default=True, help="Whose conversation (sessions are per user).")
@click.option("--json", "as_json", is_flag=True, help="Print the API answer object.")
def ask_command(text, user, as_json):
    """Answer one message as the bot would (the session of --user carries over between calls)."""
    reply = open_advisor().handle(Message(user_id=user, text=text, channel="cli"))
    if as_json:
        click.echo(json.dumps(reply.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(reply.reply)


@click.command("chat")
@click.option("--user", default="cli", show_default=True, help="Whose conversation.")
def chat_command(user):
    """Talk to the advisor in the terminal (empty line or Ctrl-D ends)."""
    advisor = open_advisor()
    click.echo("养老顾问：您好！请直接输入问题，空行退出。")
    while True:
        try:
            text = input("您：")
        except EOFError:
            break
        if not text.strip():
            break
        reply = advisor.handle(Message(user_id=user, text=text, channel="cli"))
        click.echo(f"顾问：{reply.reply}\n   [{reply.intent}" + (" · 已转人工" if reply.handoff else "")
                   + (f" · 来源 {len(reply.records)} 条" if reply.records else "") + "]")
