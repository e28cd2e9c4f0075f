"""Terminal commands: `advisor ask TEXT` for one question, `advisor chat` for a conversation."""
from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import click

from advisor.core import Advisor
from advisor.evaluation import (Answer, AnswerCase, answer_report, evaluate_answers, is_answer_set,
                                load_answer_cases)
from advisor.reply import Message
from index import engine
from index.baseline import Baseline
from index.cli import retrieval_eval
from knowledge import settings
from knowledge.store import Store


def open_advisor() -> Advisor:
    """The terminal's advisor, over an index brought current first (see index.cli.open_searcher)."""
    values = settings.load()
    store = Store.in_dir(settings.data_dir(), values["ADVISOR_DATABASE_URL"])
    try:
        engine.ensure_current(store, engine.IndexFiles(settings.data_dir()))
    finally:
        store.close()
    return Advisor.open(settings.data_dir(), ttl=int(values["ADVISOR_SESSION_TTL"]),
                        home_region=values["ADVISOR_HOME_REGION"], database_url=values["ADVISOR_DATABASE_URL"])


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


@click.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--misses/--no-misses", default=True, help="List the questions the advisor got wrong.")
def eval_command(path, misses):
    """Score a question set next to a plain jieba + BM25 baseline: retrieval (hit@1, hit@3, MRR)
    for a set of expected record ids, answers (the reply holds the asked fact) for a set with kinds."""
    if not is_answer_set(path):
        return retrieval_eval(path, misses)
    try:
        cases = load_answer_cases(path)
    except ValueError as error:
        raise click.ClickException(str(error))
    advisor = open_advisor()
    ours = evaluate_answers(cases, advisor_bot(advisor), "advisor")
    plain = evaluate_answers(cases, baseline_bot(Baseline(list(advisor.searcher.records.values()))), "baseline")
    click.echo(f"{len(cases)} questions, {len(advisor.searcher.records)} records")
    click.echo(answer_report([ours, plain]))
    if misses:
        click.echo(f"\nadvisor misses ({len(ours.misses)}):")
        for miss in ours.misses:
            click.echo("  " + miss)


def advisor_bot(advisor: Advisor):
    """Each case in a conversation of its own: the context turns first, then the question."""
    run, users = uuid.uuid4().hex[:8], itertools.count()  # a run's conversations never meet an earlier run's

    def ask(case: AnswerCase) -> Answer:
        user = f"eval-{run}-{next(users)}"
        for turn in case.context:
            advisor.handle(Message(user_id=user, text=turn, channel="eval"))
        reply = advisor.handle(Message(user_id=user, text=case.question, channel="eval"))
        return Answer(reply.reply, tuple(record.source.file for record in reply.records),
                      tuple(record.region.code for record in reply.records))
    return ask


def baseline_bot(baseline: Baseline):
    """The plain peer 'answers' with its best record's text, whatever its score."""
    def ask(case: AnswerCase) -> Answer:
        ranked = baseline.rank(case.question)
        best = baseline.records[ranked[0][0]] if ranked and ranked[0] else None
        return Answer(best.text, (best.source.file,), (best.region.code,)) if best else Answer("")
    return ask
