"""常用回复: the replies advisors reuse when a conversation is theirs ("您好，我是社区养老顾问…").
Any advisor may add or remove one (audited); the transcript's reply box inserts one with a click.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from knowledge.notes import MAX_CHARS, CannedReplies
from webhook.console import context

bp = Blueprint("replies", __name__, url_prefix="/replies")


@bp.get("/")
def index():
    return render_template("console/replies.html", replies=CannedReplies(context.store()).all(), max_chars=MAX_CHARS)


@bp.post("/")
def add():
    text = request.form.get("text", "").strip()
    try:
        CannedReplies(context.store()).add(text, context.user().name)
    except ValueError:
        flash(f"常用回复不能为空，最多 {MAX_CHARS} 个字。", "error")
    else:
        context.audit("canned_add", text[:40])
        flash("已添加常用回复。", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:reply_id>/delete")
def delete(reply_id: int):
    if CannedReplies(context.store()).remove(reply_id):
        context.audit("canned_remove", str(reply_id))
        flash("已删除这条常用回复。", "success")
    else:
        flash("没有这条常用回复（可能已被删除）。", "warning")
    return redirect(url_for(".index"))
