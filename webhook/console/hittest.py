"""命中测试 (hit test): type a question, see what the bot would reply to a new user and why —
intent, place, the records it found with scores and matched words, the threshold, and the
best records that fell short of it.

The reasoning lives in advisor.explain and runs on the advisor thread (the searcher is not
thread-safe), against the same searcher the bot uses, so a knowledge edit shows at once. It
writes nothing: no session, no message, no case. GET ?q=…&region=… makes a shareable link.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, flash, render_template, request, url_for
from werkzeug.routing import BuildError

from advisor.explain import Explanation, explain, parse_region
from knowledge.clock import china_today
from knowledge.conversations import MessageLog
from knowledge.privacy import mask
from knowledge.regions import Region
from webhook.console import context
from webhook.routes import runtime

bp = Blueprint("hittest", __name__, url_prefix="/hittest")
log = logging.getLogger(__name__)
MAX_QUESTION = 500
RECENT_DAYS = 14
INTENT_LABELS = {
    "consult": "政策咨询", "refer": "服务转介", "apply": "办理指引", "handoff": "转人工", "emergency": "紧急情况",
    "fraud": "防诈骗", "medical": "医疗问题", "abuse": "疑似虐待", "self_harm": "自伤风险", "smalltalk": "闲聊",
    "out_of_scope": "超出范围", "not_found": "没有找到", "clarify": "追问地区", "feedback": "反馈",
    "human": "人工接管中", "register": "登记", "waiting": "已告知顾问在处理"}
KIND_HINT_LABELS = {"subsidy": "问钱（补贴、金额）", "location": "问地方（哪里、哪几家）"}
KIND_LABELS = {"policy": "政策", "service": "服务", "base": "基地", "subsidy": "补贴"}


@bp.route("/", methods=["GET", "POST"])
def index():
    question = (request.values.get("q") or "").strip()[:MAX_QUESTION]
    region_text = (request.values.get("region") or "").strip()[:60]
    explanation = _run(question, region_text) if question else None
    if region_text and question and parse_region(region_text) is None:
        flash(f"没有认出地区“{region_text}”，已按未指定地区测试。", "warning")
    return render_template("console/hittest.html", q=question, region=region_text, ex=explanation,
                           regions=_covered_regions(), recent=_recent_unanswered(),
                           intent_labels=INTENT_LABELS, hint_labels=KIND_HINT_LABELS,
                           kind_labels=KIND_LABELS, record_link=record_link)


def _run(question: str, region_text: str) -> Explanation | None:
    """The explanation, computed on the advisor thread; a failure is a message, not a 500."""
    try:
        return runtime().with_advisor(lambda advisor: explain(advisor, question, region_text or None))
    except Exception:  # noqa: BLE001 — e.g. the database stayed locked by a long import
        log.exception("hit test failed for %r", mask(question))
        flash("命中测试没有完成（系统繁忙或出错），请稍后再试。", "error")
        return None


def _covered_regions() -> list[Region]:
    """Places the knowledge speaks for, with their provinces and cities: the region picker."""
    rows = context.store().shared.connection().execute(
        "SELECT DISTINCT region_code FROM records WHERE status = 'active' AND coalesce(region_code, '') != ''").fetchall()
    codes = {r.code for (code,) in rows for r in Region(code).ancestors()}
    return [Region(code) for code in sorted(codes)]


def _recent_unanswered(limit: int = 6) -> list[str]:
    """Recent questions the bot could not answer, to test again after a knowledge edit.
    Only ones with nothing to mask: a phone or ID number must not end up in a link."""
    since = china_today() - timedelta(days=RECENT_DAYS)
    seen: list[str] = []
    for message in MessageLog(context.store()).unanswered(since=since):
        text = message.text.strip()
        if message.direction == "in" and text and mask(text) == text and text not in seen and len(text) <= 80:
            seen.append(text)
        if len(seen) >= limit:
            break
    return seen


def record_link(record_id: str) -> str | None:
    """The record's page in the knowledge area when it has one (built by another area)."""
    try:
        return url_for("console.records.view", record_id=record_id)
    except BuildError:
        return None
