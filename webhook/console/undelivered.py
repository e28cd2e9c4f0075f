"""未送达: WeChat/WeCom messages acknowledged with "success" whose answer did not reach the person —
nobody answered them, or the send API refused the answer (with its errcode). Shown on the
dashboard and on the person's conversation, each with a resend button (a CSRF-protected POST,
audited), and marked in the transcript so an answer that never arrived does not look delivered.

The rows are the delivery ledger's (webhook/ledger.py `undelivered`); a resend takes the row
over like the ledger sweep does (webhook/recovery.py), so neither a sweep nor a WeChat retry
sends it a second time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from advisor.reply import conversation_id
from knowledge.conversations import Message
from webhook import delivery as deliveries
from webhook import recovery
from webhook.ledger import SEND_WINDOW, Delivery
from webhook.routes import runtime

SAME_TURN_S = 120.0  # a transcript answer this close to a failed delivery's message is that answer
SEND_WAIT_S = 15.0  # a resend waits this long for the API before the page says "sending"
STATE_LABELS = {"failed": "发送失败", "async": "未确认送达", "pending": "无人回答"}


@dataclass(frozen=True)
class Undelivered:
    key: str
    conversation: str  # "wechat:o6_b…", as the message log and the console name the person
    state: str  # failed | unsent | unanswered
    label: str
    outcome: str  # what the send API said (errcode …), or why nothing was sent
    at: datetime
    reply: str  # the answer that did not arrive ('' when nobody answered)

    @property
    def expired(self) -> bool:
        """Past WeChat's 48 h customer-service window: the API would refuse a resend."""
        return (datetime.now(timezone.utc) - self.at).total_seconds() > SEND_WINDOW


def listed(conversation: str = "", limit: int = 50) -> list[Undelivered]:
    """What did not reach its person, newest first; one person's when `conversation` is given."""
    channel, _, user_id = conversation.partition(":") if conversation else ("", "", "")
    return [_view(row) for row in runtime().ledger.undelivered(limit, channel, user_id)]


def _view(row: Delivery) -> Undelivered:
    label = "无人回答" if row.parts is None else STATE_LABELS.get(row.status, row.status)
    return Undelivered(row.key, conversation_id(row.channel, row.user_id), row.status, label, row.outcome,
                       datetime.fromtimestamp(row.created_at, timezone.utc), "".join(row.parts or ()))


def marks(messages: list[Message], rows: list[Undelivered]) -> dict[int, Undelivered]:
    """Transcript answers (message id →) that did not arrive: the bot's reply logged in the same
    turn as an undelivered message, with the same text."""
    marked = {}
    for message in messages:
        if message.direction != "out" or not message.text:
            continue
        at = datetime.fromisoformat(message.at)
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        for row in rows:
            if row.reply and message.text in row.reply and abs((at - row.at).total_seconds()) <= SAME_TURN_S:
                marked[message.id] = row
                break
    return marked


def resend(key: str) -> tuple[bool, str]:
    """Send an undelivered message's answer again (answer it first when nobody did):
    (whether it is on its way, what to tell the advisor)."""
    rt = runtime()
    orphan = rt.ledger.orphan(key)
    if orphan is None or orphan.delivery.status in ("answered", "sent"):
        return False, "这条消息已经送达，无需重发。"
    if rt.ledger.clock() - orphan.delivery.created_at > SEND_WINDOW:
        return False, "已超过微信 48 小时客服消息时限，不能再发送；请通过其他方式联系这位用户。"
    if orphan.delivery.parts is None and not orphan.request.get("text"):
        return False, recovery.NO_QUESTION + "。"
    attempt = rt.ledger.recover(orphan)
    if attempt is None:
        return False, "这条消息刚刚有了新进展，请刷新页面再看。"
    job = recovery.job_for(rt, orphan)
    if orphan.delivery.parts is None:
        deliveries.answer_later(rt, job, attempt)
        return True, "已重新交给机器人回答，答案会通过发送接口送出。"
    try:
        deliveries.send_later(rt, job, list(orphan.delivery.parts)).result(timeout=SEND_WAIT_S)
    except TimeoutError:
        return True, "正在发送，请稍后刷新查看结果。"
    after = rt.ledger.get(key)
    if after is not None and after.status == "sent":
        return True, "已重新发送。"
    return False, f"重发失败：{after.outcome if after else '记录已不存在'}。"
