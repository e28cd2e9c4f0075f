"""紧急事项: emergency, scam, abuse and crisis turns at the top of 对话 and the dashboard until an
advisor marks them seen, and a small JSON feed the console's script polls to raise the browser's
notification and a sound while any console page is open.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from knowledge.privacy import mask
from knowledge.urgent import UrgentItem, UrgentList
from webhook.console import context
from webhook.console.auth import safe_next

bp = Blueprint("urgent", __name__, url_prefix="/urgent")
FEED_TEXT_CHARS = 60


def unseen() -> list[UrgentItem]:
    return UrgentList(context.store()).unseen()


@bp.app_context_processor
def _urgent_count() -> dict:
    """The menu's count next to 对话, computed only by pages that show the menu."""
    return {"urgent_count": lambda: len(unseen()) if context.user() else 0}


@bp.post("/<int:message_id>/seen")
def seen(message_id: int):
    urgent = UrgentList(context.store())
    if urgent.mark_seen(message_id, context.user().name):
        context.audit("urgent_seen", str(message_id))
        flash("已标记为已看到。", "success")
    elif urgent.seen_by(message_id):
        flash(f"这条紧急事项 {urgent.seen_by(message_id)} 已经标记过了。", "warning")
    else:
        abort(404, description="没有这条紧急事项。")
    return redirect(safe_next(request.form.get("next")))


@bp.get("/feed")
def feed():
    """What the notification script needs: ids to tell new from known, a label and a masked line."""
    items = [{"id": item.reply.id, "label": item.label,
              "text": mask(item.question.text if item.question else item.reply.text)[:FEED_TEXT_CHARS],
              "url": url_for("console.conversations.transcript", user_id=item.reply.user_id)} for item in unseen()]
    response = jsonify({"count": len(items), "items": items})
    response.headers["Cache-Control"] = "no-store"
    return response
