"""未答问题: what the bot could not answer and the answers people marked 没用, grouped by similarity.

Each group is one gap in the knowledge. One click turns it into a new record (the record form,
prefilled) or a synonym (so the bot understands that wording next time), and marks the whole
group handled; "标记已处理" just marks it. Every change is audited.
"""
from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from index.analysis import terms
from index.lexicon import MAX_WORD
from knowledge.conversations import MessageLog
from webhook.console import context
from webhook.console.unanswered_groups import MAX_ITEMS, THRESHOLD, Group, group, to_item
from webhook.routes import runtime

bp = Blueprint("unanswered", __name__, url_prefix="/unanswered")
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    since_text = request.args.get("since", "").strip()
    since = date.fromisoformat(since_text) if since_text else None  # a good day: webhook.console.query checked it
    include_handled = request.args.get("handled") == "1"
    groups = load_groups(since, include_handled)
    return render_template("console/unanswered.html", groups=groups, since=since_text if since else "",
                           include_handled=include_handled,
                           threshold=THRESHOLD, max_items=MAX_ITEMS, questions=sum(g.count for g in groups),
                           words=_words, record_titles=_titles({rid for g in groups for rid in g.cited()}))


def load_groups(since: date | None, include_handled: bool) -> list[Group]:
    """The newest MAX_ITEMS questions (an unhelpful answer stands for its question), grouped."""
    log = MessageLog(context.store())
    items = []
    for message in log.unanswered(since=since, include_handled=include_handled)[:MAX_ITEMS]:
        question = log.question_of(message.id) if message.direction == "out" else None
        item = to_item(message, question)
        if item is not None:
            items.append(item)
    return group(items)


def _titles(ids: set[str]) -> dict[str, str]:
    store = context.store()
    return {rid: stored.record.title for rid in ids if (stored := store.get(rid)) is not None}


def _words(g: Group) -> list[str]:
    """Words of the group's questions, offered as the synonym's "word" (the user's wording)."""
    return list(dict.fromkeys(word for q in g.examples() for word in terms(q) if len(word) > 1))[:12]


def _ids() -> list[int]:
    """The group's message ids from the form; anything not a number is ignored."""
    raw = request.form.get("ids", "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


def _back():
    """Back to the list with the filters the advisor had set."""
    args = {k: v for k, v in (("since", request.form.get("since", "")), ("handled", request.form.get("handled", "")))
            if v}
    return redirect(url_for("console.unanswered.index", **args))


def _mark(ids: list[int]) -> int:
    return MessageLog(context.store()).mark_handled(ids)


@bp.post("/handled")
def handled():
    ids = _ids()
    if not ids:
        flash("没有选中问题。", "error")
        return _back()
    count = _mark(ids)
    context.audit("unanswered_handled", request.form.get("question", "")[:100], count=count)
    flash(f"已标记 {count} 条问题为已处理。", "success")
    return _back()


@bp.post("/new-record")
def new_record():
    """Open the record form with the question as its title and the users' wordings shown beside
    an empty answer (never inside it: a prompt saved unchanged would go out as the answer); the
    group is marked handled when the record is saved (`records.new`), not before: an abandoned
    form leaves the questions on this list."""
    ids, question = _ids(), request.form.get("question", "").strip()[:100]
    examples = [line for line in request.form.get("examples", "").splitlines() if line.strip()][:5]
    draft = {"title": question, "asked": "\n".join(examples), "answers": ",".join(map(str, ids))}
    return redirect(url_for("console.records.new") + "?" + urlencode(draft))


@bp.post("/synonym")
def synonym():
    """Teach the bot a user's word ("饭堂") for a word the knowledge uses ("长者饭堂")."""
    ids = _ids()
    word, to_word = request.form.get("word", "").strip(), request.form.get("to_word", "").strip()
    problem = _synonym_problem(word, to_word)
    if problem:
        flash(problem, "error")
        return _back()
    try:
        _add_synonym(word, to_word)
    except ValueError as exc:
        flash(f"没有加上同义词：{str(exc).split(' / ')[0]}", "error")
        return _back()
    count = _mark(ids)
    context.audit("synonym_add", word, to=to_word, source="unanswered", count=count)
    flash(f"已把“{word}”加为“{to_word}”的同义词，机器人立即生效；{count} 条问题已标记为已处理。", "success")
    return _back()


def _synonym_problem(word: str, to_word: str) -> str:
    if not word or not to_word:
        return "请填写两个词：用户说的词，和知识库里的词。"
    if word == to_word:
        return "两个词一样，不需要加同义词。"
    if len(word) > MAX_WORD or len(to_word) > MAX_WORD:
        return f"词太长了（最多 {MAX_WORD} 个字）：同义词是词，不是句子。"
    if any(ch.isspace() for ch in word + to_word):
        return "词里不能有空格。"
    return ""


def _add_synonym(word: str, to_word: str) -> None:
    """Write the synonym, then catch the bot's searcher up on its own thread (it is not thread-safe).
    Should the refresh fail, the synonym is saved all the same and every searcher picks it up at
    its next search: that is logged, not shown as a failure."""
    context.lexicon().add_synonym(word, to_word)
    try:
        runtime().refresh_searcher()
    except Exception:  # noqa: BLE001 - the save itself succeeded
        log.exception("searcher refresh after adding a synonym failed")
