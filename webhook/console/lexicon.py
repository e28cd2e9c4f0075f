"""词典与同义词: the domain dictionary (words jieba must keep whole) and the synonym groups
(长者饭堂 老年食堂 助餐点) that questions are expanded with.

index.lexicon validates and writes to the data dir; the bot's searcher is then refreshed on the
advisor thread before the page says "saved", so the next question already uses the change (a
dictionary change rebuilds the index, a few seconds; a synonym change does not). Each save is
audited with what it added and removed, not the whole list.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from index.lexicon import Lexicon
from webhook.console import context
from webhook.console.auth import admin_required
from webhook.routes import runtime

bp = Blueprint("lexicon", __name__, url_prefix="/lexicon")
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    return _page(_lexicon())


@bp.post("/dictionary")
@admin_required
def save_dictionary():
    lexicon, text = _lexicon(), request.form.get("dictionary", "")
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
    lexicon, text = _lexicon(), request.form.get("synonyms", "")
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
    lexicon = _lexicon()
    word, to_word = request.form.get("word", "").strip(), request.form.get("to_word", "").strip()
    try:
        lexicon.add_synonym(word, to_word)
    except ValueError as exc:
        return _page(lexicon, word=word, to_word=to_word, add_error=_chinese(exc)), 400
    context.audit("lexicon_synonym_add", word, to_word=to_word)
    _applied(f"已添加同义词：问“{word}”时也找“{to_word}”。")
    return redirect(url_for(".index"))


def _lexicon() -> Lexicon:
    return Lexicon(current_app.config["DATA_DIR"])


def _groups(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(group) for group in groups}


def _some(words: list[str], shown: int = 5) -> str:
    if not words:
        return ""
    return "（" + "、".join(words[:shown]) + ("…" if len(words) > shown else "") + "）"


def _chinese(exc: ValueError) -> str:
    """index.lexicon says it in both languages (`中文 / English`): the console shows the Chinese."""
    return str(exc).split(" / ")[0]


def _applied(done: str) -> None:
    """Refresh the bot's searcher now, on its thread, and say so. Should that fail, the change
    is still saved and every searcher picks it up at its next search."""
    try:
        in_force = runtime().refresh_searcher()
    except Exception:  # noqa: BLE001 — the save itself succeeded
        log.exception("searcher refresh after a lexicon change failed")
        flash(done + "机器人会在下一次检索时用上（这次立即刷新出错，已记入日志）。", "warning")
        return
    if in_force:
        flash(done + "机器人已经用上新的词。", "success")
    else:  # a large knowledge base: index/search.py rebuilds it in a process of its own
        flash(done + "知识库较大，索引正在后台按新词典重建，完成后机器人自动用上新的词；在此之前仍按原来的词回答。", "success")



def _split_words(lexicon: Lexicon) -> list[str]:
    """Synonyms the analyzer cuts apart (they only work once in the dictionary). Computed on
    the advisor thread: it puts the data dir's dictionary in force in jieba, which is global."""
    rt = runtime()
    try:
        return rt.submit(lexicon.split_words).result()
    except Exception:  # noqa: BLE001 — a hint, not worth an error page
        log.exception("could not check synonyms against the dictionary")
        return []


def _page(lexicon: Lexicon, dictionary: str | None = None, synonyms: str | None = None, **form):
    words, groups = lexicon.dictionary(), lexicon.synonym_groups()
    values = {"word": "", "to_word": "", "dictionary_error": "", "synonyms_error": "", "add_error": ""} | form
    return render_template(
        "console/lexicon.html", **values,
        dictionary="\n".join(words) if dictionary is None else dictionary,
        synonyms="\n".join(" ".join(group) for group in groups) if synonyms is None else synonyms,
        word_count=len(words), group_count=len(groups), split=_split_words(lexicon),
        known_words=sorted({w for group in groups for w in group} | set(words)))
