"""对话: the live list of conversations, per-person transcripts, and taking a conversation over.

While an advisor has taken a conversation over (sessions.paused_by), the bot stays silent for
that person and the advisor's replies go out through the person's own channel (outbox). Open
handoff tickets (转人工, RG-…) come first on the list: someone is waiting for a person.

Phone and ID numbers are masked on every page; "显示号码" is a POST that is audited and shows
the unmasked transcript in that one response only (never cached, never in a redirect).
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for

from advisor.session import SessionStore
from knowledge.cases import CHINA_TZ, KIND_LABELS, STATUS_LABELS, Case, CaseBook
from knowledge.conversations import Message, MessageLog
from knowledge.notes import MAX_CHARS as NOTE_CHARS
from knowledge.notes import CannedReplies, ConversationNotes
from knowledge.privacy import mask
from webhook.console import context, undelivered
from webhook.console.handoffs import handed_back, taken_over, unread
from webhook.console.handoffs import state as handoffs_state
from webhook.console.outbox import HUMAN_INTENT, can_push, send_to_user
from webhook.console.urgent import unseen

bp = Blueprint("conversations", __name__, url_prefix="/conversations")

REFRESH_SECONDS = 10
LIST_LIMIT = 100
TRANSCRIPT_LIMIT = 300
MAX_REPLY_CHARS = 1000
RESUME_NOTICE = "顾问已结束对话，智能助手继续为您服务。"
CHANNEL_LABELS = {"wechat": "微信公众号", "wecom": "企业微信", "api": "网页/接口"}
INTENT_LABELS = {
    "consult": "咨询", "refer": "转介", "apply": "办理", "handoff": "转人工", "emergency": "紧急",
    "fraud": "防诈骗", "abuse": "求助", "self_harm": "危机", "smalltalk": "闲聊", "greeting": "问候",
    "thanks": "致谢", "capabilities": "功能", "feedback": "反馈", "out_of_scope": "超出范围",
    "not_found": "未找到", "clarify": "追问", "progress": "进度", "human": "顾问", "rate_limited": "限流",
    "waiting": "已告知顾问在处理"}




def _helpers() -> dict:
    return {"mask": mask, "channel_labels": CHANNEL_LABELS,
            "intent_labels": INTENT_LABELS, "kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "refresh_seconds": REFRESH_SECONDS}


def open_handoffs() -> list[Case]:
    """Open 转人工 tickets, oldest first: whoever has waited longest is served first."""
    return [case for case in CaseBook(context.store()).list(kind="handoff") if case.is_open][::-1]


@bp.get("/")
def index():
    handoffs = open_handoffs()
    conversations = MessageLog(context.store()).conversations(LIST_LIMIT)
    sessions = SessionStore(context.store())
    taken = {conv.user_id: conv.paused_by for conv in conversations} | {
        case.user_id: sessions.paused_by(case.user_id) for case in handoffs}
    return render_template("console/conversations.html", conversations=conversations, handoffs=handoffs,
                           urgent=unseen(), waiting={case.user_id for case in handoffs}, taken=taken,
                           states={case.number: handoffs_state(case, taken[case.user_id]) for case in handoffs},
                           unread=_unread(taken, handoffs),
                           now=datetime.now(CHINA_TZ).strftime("%H:%M:%S"), **_helpers())


def _unread(taken: dict[str, str], handoffs: list[Case]) -> dict[str, int]:
    """Per person waiting for a human (taken over or with an open ticket): their messages no
    advisor has answered yet; nobody else has any."""
    people = {user for user, holder in taken.items() if holder} | {case.user_id for case in handoffs}
    return {user: unread(user) for user in people}


@bp.get("/<path:user_id>")
def transcript(user_id: str):
    return _transcript(user_id, reveal=False)


@bp.post("/<path:user_id>/reveal")
def reveal(user_id: str):
    """The unmasked transcript, for this one response: audited, and kept out of every cache."""
    _channel_of(user_id)
    context.audit("reveal", user_id)
    response = _transcript(user_id, reveal=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def _transcript(user_id: str, reveal: bool):
    messages = MessageLog(context.store()).transcript(user_id, TRANSCRIPT_LIMIT)
    if not messages:
        abort(404, description="没有这个用户的对话记录。")
    shown = [m for m in messages if m.text or m.direction == "in"]  # the bot's silence while taken over
    cases = CaseBook(context.store()).list(user_id=user_id)
    unsent = undelivered.listed(user_id)
    html = render_template("console/conversation.html", user_id=user_id, messages=shown,
                           undelivered=unsent, unsent=undelivered.marks(shown, unsent), back="",
                           channel=messages[-1].channel, paused_by=SessionStore(context.store()).paused_by(user_id),
                           cases=cases, sources=_source_titles(shown), reveal=reveal, human=HUMAN_INTENT,
                           max_reply=MAX_REPLY_CHARS, notice=RESUME_NOTICE, pushable=can_push(messages[-1].channel),
                           handoff_state=handoffs_state, notes=ConversationNotes(context.store()).of(user_id),
                           canned=CannedReplies(context.store()).all(), max_note=NOTE_CHARS, **_helpers())
    return make_response(html)


@bp.post("/<path:user_id>/wrong")
def wrong(user_id: str):
    """答错了: this bot reply goes on the review list (未答问题) with the records it cited."""
    raw = request.form.get("message_id", "")
    if not raw.isdigit() or not MessageLog(context.store()).mark_wrong(int(raw), user_id):
        abort(404, description="这位用户没有这条机器人回复。")
    context.audit("answer_wrong", user_id, message=int(raw))
    flash("已标为“答错了”，它已列入「未答问题」等待修正。", "success")
    return _back(user_id, f"m{raw}")


@bp.post("/<path:user_id>/note")
def note(user_id: str):
    """A private note on this conversation, for advisors only: the elder never sees it."""
    _channel_of(user_id)
    try:
        ConversationNotes(context.store()).add(user_id, context.user().name, request.form.get("text", ""))
    except ValueError:
        flash(f"备注不能为空，最多 {NOTE_CHARS} 个字。", "error")
    else:
        context.audit("conversation_note", user_id)
        flash("备注已保存（只有顾问看得到）。", "success")
    return _back(user_id, "notes")


def _source_titles(messages: list[Message]) -> dict[str, str]:
    """Record id → title for the sources cited in the transcript (a retired record keeps its title)."""
    titles = {}
    for record_id in {rid for m in messages for rid in m.sources}:
        stored = context.store().get(record_id)
        titles[record_id] = stored.record.title if stored else record_id
    return titles


def _channel_of(user_id: str) -> str:
    """The channel this person last wrote on; 404 for someone who never wrote."""
    last = MessageLog(context.store()).transcript(user_id, 1)
    if not last:
        abort(404, description="没有这个用户的对话记录。")
    return last[0].channel


def _back(user_id: str, anchor: str = "end"):
    return redirect(url_for("console.conversations.transcript", user_id=user_id, _anchor=anchor))


@bp.post("/<path:user_id>/resend")
def resend(user_id: str):
    """Send one of this person's undelivered answers again (answer it first if nobody did); audited.
    No transcript needed: a message whose worker died before answering has none yet."""
    key = request.form.get("key", "")
    if key not in {row.key for row in undelivered.listed(user_id)}:
        flash("没有这条未送达的消息（可能已经送达）。", "warning")
    else:
        ok, note = undelivered.resend(key)
        context.audit("resend", user_id, key=key, ok=ok, note=note)
        flash(note, "success" if ok else "error")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("console.dashboard.index"))
    return redirect(url_for("console.conversations.transcript", user_id=user_id))


@bp.post("/<path:user_id>/takeover")
def takeover(user_id: str):
    channel = _channel_of(user_id)
    me = context.user().name
    holder = SessionStore(context.store()).pause(user_id, me, channel)
    if holder != me:
        flash(f"这个对话已由 {holder} 接管。请先“交还机器人”，再由您接管。", "warning")
        return _back(user_id)
    taken_over(user_id, me)
    context.audit("takeover", user_id, channel=channel)
    reach = ("您在下面输入的回复会通过对方的渠道直接发给对方" if can_push(channel) else
             "这个渠道不能主动推送：您的回复只记入对话记录，请电话联系对方")
    flash(f"已接管对话：机器人暂停回复这位用户（对方再发消息会被告知顾问正在处理），{reach}。", "success")
    return _back(user_id, "reply")


@bp.post("/<path:user_id>/reply")
def reply(user_id: str):
    channel = _channel_of(user_id)
    text = request.form.get("text", "").strip()
    holder = SessionStore(context.store()).paused_by(user_id)
    if not holder:
        flash("请先“接管对话”再回复：否则机器人和您会同时回答。", "error")
    elif holder != context.user().name:
        flash(f"这个对话由 {holder} 接管中，只有接管人能回复。", "error")
    elif not text:
        flash("回复内容不能为空。", "error")
    elif len(text) > MAX_REPLY_CHARS:
        flash(f"回复太长（{len(text)} 字），请控制在 {MAX_REPLY_CHARS} 字以内。", "error")
    else:
        delivery = send_to_user(user_id, channel, text)
        context.audit("conversation_reply", user_id, channel=channel, sent=delivery.sent, chars=len(text))
        flash(delivery.note, "success" if delivery.sent else "warning")
    return _back(user_id, "reply")


@bp.post("/<path:user_id>/resume")
def resume(user_id: str):
    channel = _channel_of(user_id)
    sessions = SessionStore(context.store())
    holder = sessions.paused_by(user_id)
    if holder and holder != context.user().name and request.form.get("confirmed") != "1":
        return render_template("console/conversation_resume.html", user_id=user_id, holder=holder,
                               notify=request.form.get("notify", ""))
    if not sessions.resume(user_id):
        flash("这个对话没有被接管，机器人一直在回复。", "warning")
        return _back(user_id)
    notified = request.form.get("notify") == "1"
    resolved = handed_back(user_id)
    context.audit("resume", user_id, channel=channel, notified=notified, holder=holder, resolved=resolved)
    message = "已交还机器人，智能助手继续回复这位用户。"
    if resolved:
        message += f"工单 {'、'.join(resolved)} 已标为已解决。"
    if notified:
        message += f"告知用户：{send_to_user(user_id, channel, RESUME_NOTICE).note}"
    flash(message, "success")
    return _back(user_id)
