"""词典与同义词: the domain dictionary (words jieba must keep whole), the synonym groups
(长者饭堂 老年食堂 助餐点) that questions are expanded with, and the colloquial lexicon — how
elders say it, how documents write it (交钱 → 缴费 收费) — one pair at a time (an admin's: each
pair changes every question that uses the phrase).

index.lexicon validates and writes to the data dir (with ADVISOR_DATABASE_URL to the shared
database too, which every node mirrors: index/shared_lexicon.py); the bot's searcher is then refreshed on the
advisor thread before the page says "saved", so the next question already uses the change (a
dictionary change rebuilds the index, a few seconds; a synonym change does not). Each save is
audited with what it added and removed, not the whole list.
"""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from index.lexicon import Lexicon, Pair, pair_line
from webhook.console import colloquial, context
from webhook.console.auth import admin_required
from webhook.console.colloquial import Form
from webhook.routes import runtime
from webhook.runtime import waited

bp = Blueprint("lexicon", __name__, url_prefix="/lexicon")
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    return _page(context.lexicon())


@bp.post("/dictionary")
@admin_required
def save_dictionary():
    lexicon, text = context.lexicon(), request.form.get("dictionary", "")
    before = set(lexicon.dictionary())
    try:
        lexicon.save_dictionary([line.strip() for line in text.splitlines() if line.strip()])
    except ValueError as exc:
        return _page(lexicon, dictionary=text, dictionary_error=_chinese(exc)), 400
    after = set(lexicon.dictionary())
    added, removed = sorted(after - before), sorted(before - after)
    context.audit("lexicon_dictionary", "dictionary", added=len(added), removed=len(removed), words=len(after))
    _applied(f"词典已保存：新增 {len(added)} 个词{_some(added)}，删除 {len(removed)} 个词{_some(removed)}。")
    return redirect(url_for(".index"))


@bp.post("/synonyms")
@admin_required
def save_synonyms():
    lexicon, text = context.lexicon(), request.form.get("synonyms", "")
    before = _groups(lexicon.synonym_groups())
    try:
        lexicon.save_synonym_groups([line.split() for line in text.splitlines()
                                     if line.strip() and not line.lstrip().startswith("#")])
    except ValueError as exc:
        return _page(lexicon, synonyms=text, synonyms_error=_chinese(exc)), 400
    after = _groups(lexicon.synonym_groups())
    added, removed = len(after - before), len(before - after)
    context.audit("lexicon_synonyms", "synonyms", added=added, removed=removed, groups=len(after))
    _applied(f"同义词已保存：{len(after)} 组，其中新增或改动 {added} 组，去掉或改掉 {removed} 组。")
    return redirect(url_for(".index"))


@bp.post("/synonym")
def add_synonym():
    lexicon = context.lexicon()
    word, to_word = request.form.get("word", "").strip(), request.form.get("to_word", "").strip()
    try:
        lexicon.add_synonym(word, to_word)
    except ValueError as exc:
        return _page(lexicon, word=word, to_word=to_word, add_error=_chinese(exc)), 400
    context.audit("lexicon_synonym_add", word, to_word=to_word)
    _applied(f"已添加同义词：问“{word}”时也找“{to_word}”。")
    return redirect(url_for(".index"))


@bp.post("/colloquial")
@admin_required
def add_colloquial():
    lexicon, form = context.lexicon(), colloquial.sent("add")
    try:
        spoken, written = lexicon.add_colloquial(form.spoken, form.written)
    except ValueError as exc:
        return _colloquial_refused(lexicon, form, exc)
    context.audit("lexicon_colloquial_add", spoken, written=list(written))
    _applied(f"已添加：问“{spoken}”时也找“{'、'.join(written)}”。", (spoken, written))
    return redirect(url_for(".index", q=spoken, _anchor=colloquial.ANCHOR))


@bp.post("/colloquial/edit")
@admin_required
def change_colloquial():
    lexicon, form = context.lexicon(), colloquial.sent("edit")
    try:
        before, after = lexicon.change_colloquial(form.was, form.spoken, form.written)
    except ValueError as exc:
        return _colloquial_refused(lexicon, form, exc)
    renamed = {"was": before[0]} if before[0] != after[0] else {}
    context.audit("lexicon_colloquial_edit", after[0], **renamed, before=list(before[1]), written=list(after[1]))
    _applied(f"已修改：“{pair_line(before)}”改为“{pair_line(after)}”。", after)
    return redirect(url_for(".index", **colloquial.requested(lexicon).args(), _anchor=colloquial.ANCHOR))


@bp.post("/colloquial/delete")
@admin_required
def remove_colloquial():
    lexicon, form = context.lexicon(), colloquial.sent("delete")
    try:
        spoken, written = lexicon.remove_colloquial(form.spoken)
    except ValueError as exc:
        return _colloquial_refused(lexicon, form, exc)
    context.audit("lexicon_colloquial_delete", spoken, written=list(written))
    _applied(f"已删除：“{pair_line((spoken, written))}”。")
    return redirect(url_for(".index", **colloquial.requested(lexicon).args(), _anchor=colloquial.ANCHOR))


def _colloquial_refused(lexicon: Lexicon, form: Form, exc: ValueError):
    form.error = _chinese(exc)
    return _page(lexicon, colloquial_form=form), 400


def _groups(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(group) for group in groups}


def _some(words: list[str], shown: int = 5) -> str:
    if not words:
        return ""
    return "（" + "、".join(words[:shown]) + ("…" if len(words) > shown else "") + "）"


def _chinese(exc: ValueError) -> str:
    """index.lexicon says it in both languages (`中文 / English`): the console shows the Chinese."""
    return str(exc).split(" / ")[0]


def _applied(done: str, pair: Pair | None = None) -> None:
    """Refresh the bot's searcher now, on its thread, and say so. Should that fail, the change
    is still saved and every searcher picks it up at its next search. A colloquial `pair` with
    words no search can use (cut apart by the dictionary) gets a warning saying which."""
    try:
        in_force = runtime().refresh_searcher()
    except Exception:  # noqa: BLE001 — the save itself succeeded
        log.exception("searcher refresh after a lexicon change failed")
        flash(done + "机器人会在下一次检索时用上（这次立即刷新出错，已记入日志）。", "warning")
    else:  # not in force: a large knowledge base, rebuilt by index/search.py in a process of its own
        flash(done + ("机器人已经用上新的词。" if in_force else
                      "知识库较大，索引正在后台按新词典重建，完成后机器人自动用上新的词；在此之前仍按原来的词回答。"),
              "success")
    if pair is not None:
        _warn_idle(context.lexicon(), pair)


def _warn_idle(lexicon: Lexicon, pair: Pair) -> None:
    """On the advisor thread, like `_split_words`: the check puts the saved dictionary in force."""
    try:
        idle = waited(runtime().submit(lexicon.idle_colloquial, pair))
    except Exception:  # noqa: BLE001 — a hint, not worth an error page
        log.exception("could not check a colloquial pair against the dictionary")
        return
    if idle:
        them = "它" if len(idle) == 1 else "这些词"
        flash(f"注意：“{'、'.join(idle)}”在检索时会被拆成几个词，这样写不起作用；要用{them}，请先把{them}加进下面的领域词典。",
              "warning")


def _split_words(lexicon: Lexicon) -> list[str]:
    """Synonyms the analyzer cuts apart (they only work once in the dictionary). Computed on
    the advisor thread: it puts the data dir's dictionary in force in jieba, which is global."""
    rt = runtime()
    try:
        return rt.submit(lexicon.split_words).result()
    except Exception:  # noqa: BLE001 — a hint, not worth an error page
        log.exception("could not check synonyms against the dictionary")
        return []


def _page(lexicon: Lexicon, dictionary: str | None = None, synonyms: str | None = None,
          colloquial_form: Form | None = None, **form):
    words, groups = lexicon.dictionary(), lexicon.synonym_groups()
    values = {"word": "", "to_word": "", "dictionary_error": "", "synonyms_error": "", "add_error": ""} | form
    return render_template(
        "console/lexicon.html", **values,
        dictionary="\n".join(words) if dictionary is None else dictionary,
        synonyms="\n".join(" ".join(group) for group in groups) if synonyms is None else synonyms,
        word_count=len(words), group_count=len(groups), split=_split_words(lexicon),
        known_words=sorted({w for group in groups for w in group} | set(words)),
        colloquial=colloquial.requested(lexicon, colloquial_form), colloquial_form=colloquial_form or Form(),
        colloquial_anchors=(colloquial.ANCHOR, colloquial.EDIT_ANCHOR))
