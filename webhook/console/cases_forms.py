"""The cases area's reading and wording, apart from its routes: list filters and ordering, the
hand-made case form, due-date checks, the notice an elder receives, and how times and actors
read on screen. Nothing here writes; the views in `cases` do, and audit it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from advisor.reply import conversation_id
from knowledge.cases import FINAL_STATUSES, KIND_LABELS, STATUS_LABELS, Case, CaseBook
from knowledge.privacy import find_phone, mask
from knowledge.regions import resolve

CHANNEL_LABELS = {"wechat": "微信公众号", "wecom": "企业微信", "api": "接口/网页"}
EVENT_LABELS = {"open": "登记", "status": "改状态", "assign": "分配", "note": "备注", "due": "改到期日",
                "reopen": "重新打开", "edit": "改需求/说明"}
# What the elder reads about their own case: plain words, never an internal note.
ELDER_KINDS = {"referral": "转介", "errand": "代办事项", "handoff": "人工咨询"}
NOTICES = {
    "contacted": "您的{kind}（编号 {number}）已有顾问联系处理，状态：已联系。如有疑问回复“查进度”。",
    "in_progress": "您的{kind}（编号 {number}）顾问正在办理，状态：处理中。如有疑问回复“查进度”。",
    "done": "您的{kind}（编号 {number}）已经办好，状态：已完成。还有需要，随时给我们发消息。",
    "closed": "您的{kind}（编号 {number}）已结束跟进，状态：已关闭。还有需要，回复“帮我登记”。",
}
MAX_DUE_DAYS = 366
LIMITS = {"need": 200, "summary": 2000, "note": 2000, "user_id": 128}


# -- the list -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """The list's query string; unknown values fall back to "all" rather than erroring."""

    status: str = ""    # "", "open", or a status
    kind: str = ""
    assignee: str = ""  # "", "me", "none", or an account name
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        status, kind = args.get("status", ""), args.get("kind", "")
        return cls(status=status if status in STATUS_LABELS or status == "open" else "",
                   kind=kind if kind in KIND_LABELS else "", assignee=args.get("assignee", "").strip(),
                   overdue=args.get("overdue") == "1", q=args.get("q", "").strip())

    def assignee_value(self, me: str) -> str | None:
        return {"": None, "me": me, "none": ""}.get(self.assignee, self.assignee)


@dataclass(frozen=True)
class Row:
    case: Case
    overdue: bool
    need: str
    phone: str


def list_rows(book: CaseBook, filters: Filters, me: str) -> list[Row]:
    """Matching cases, overdue ones first, then the other open ones, then finished; newest
    first within each, so what needs a call today is at the top."""
    status = filters.status if filters.status not in ("", "open") else None
    cases = book.list(status=status, kind=filters.kind or None, assignee=filters.assignee_value(me),
                      overdue=filters.overdue)
    if filters.status == "open":
        cases = [case for case in cases if case.is_open]
    today = book.today()
    rows = [Row(case, book.is_overdue(case, today), mask(case.need), mask(case.contact_phone)) for case in cases]
    rows = [row for row in rows if _matches(row, filters.q)]
    return sorted(rows, key=lambda row: (not row.overdue, not row.case.is_open))


def _matches(row: Row, query: str) -> bool:
    """Number, need or region; the masked need, so a search cannot probe a hidden number."""
    if not query:
        return True
    query = query.lower()
    return any(query in text.lower() for text in (row.case.number, row.need, row.case.region))


# -- dates ----------------------------------------------------------------------------------
def parse_due(text: str, today: date) -> tuple[str, str]:
    """(YYYY-MM-DD, "") for a usable due date, or ("", why not) in words an advisor reads."""
    text = (text or "").strip()
    if not text:
        return "", "请选择到期日。"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return "", f"“{text}”不是有效日期，请用日期选择器，或写成 {today.isoformat()} 这样。"
    if day < today:
        return "", f"到期日不能早于今天（{today.isoformat()}）。"
    if day > today + timedelta(days=MAX_DUE_DAYS):
        return "", "到期日请定在一年之内。"
    return day.isoformat(), ""


# -- the hand-made case ---------------------------------------------------------------------
@dataclass
class NewCase:
    """What the form sent (to fill it again), the errors per field, and CaseBook.open's arguments."""

    values: dict
    errors: dict
    kind: str = ""
    options: dict | None = None


def read_new_case(form, today: date, accounts: list[str]) -> NewCase:
    values = {key: (form.get(key) or "").strip() for key in
              ("kind", "need", "region", "contact_phone", "summary", "due_date", "assignee", "user_id", "channel")}
    values["consent"] = form.get("consent") == "1"
    errors: dict[str, str] = {}
    if values["kind"] not in KIND_LABELS:
        errors["kind"] = "请选择类型。"
    if not values["need"]:
        errors["need"] = "请写明需要什么服务或代办什么事。"
    for key in ("need", "summary", "user_id"):
        if len(values[key]) > LIMITS[key]:
            errors[key] = f"太长了，最多 {LIMITS[key]} 个字。"
    region = resolve(values["region"]) if values["region"] else None
    if region is None:
        errors["region"] = "请填写老人所在地区，比如“南宁市青秀区”。"
    elif not region.code:
        errors["region"] = f"没认出“{values['region']}”这个地区，请写成“南宁市青秀区”这样的市、县（区）名。"
    phone = values["contact_phone"]
    if phone and not find_phone(phone):
        errors["contact_phone"] = "电话号码不对：手机 11 位，座机请带区号（如 0771-1234567）。"
    due = ""
    if values["due_date"]:
        due, problem = parse_due(values["due_date"], today)
        if problem:
            errors["due_date"] = problem
    if values["assignee"] and values["assignee"] not in accounts:
        errors["assignee"] = "没有这个账号。"
    _check_chat_user(values, errors)
    options = {"user_id": _conversation(values), "channel": values["channel"] if values["user_id"] else "",
               "need": values["need"], "summary": values["summary"] or values["need"],
               "region": region.name if region else "", "region_code": region.code if region else "",
               "contact_phone": phone, "consent": values["consent"], "due_date": due or None}
    return NewCase(values, errors, values["kind"], options)


def _conversation(values: dict) -> str:
    """The conversation a hand-made case belongs to: the id as typed, or as copied from the
    conversations page, where it already carries its channel ("wechat:o6_b…")."""
    user, channel = values["user_id"], values["channel"]
    if not user or user.startswith(f"{channel}:"):
        return user
    return conversation_id(channel, user)


def _check_chat_user(values: dict, errors: dict) -> None:
    """A chat user needs a channel to be told anything; a channel alone names nobody."""
    if values["user_id"] and values["channel"] not in CHANNEL_LABELS:
        errors["channel"] = "填了聊天用户 ID，请选择他所在的渠道。"
    elif values["channel"] and not values["user_id"]:
        errors["user_id"] = "选了渠道，请填写聊天用户 ID（或把渠道留空）。"


def describe_problem(need: str, summary: str) -> str:
    """Why a corrected need or summary cannot be saved ('' when it can)."""
    if not need:
        return "需求不能为空：写老人要办的事，如“申请家庭养老床位”。"
    if len(need) > LIMITS["need"] or len(summary) > LIMITS["summary"]:
        return f"太长了：需求最多 {LIMITS['need']} 个字，情况说明最多 {LIMITS['summary']} 个字。"
    return ""


def consent_error() -> str:
    return "留电话需要老人（或家属）同意：请勾选“已征得同意”，或者不填电话。"


# -- words on screen and to the elder -------------------------------------------------------
def notice_text(case: Case) -> str:
    """The short message an elder gets when their case changes status."""
    kind = ELDER_KINDS.get(case.kind, "事项")
    return NOTICES[case.status].format(kind=kind, number=case.number)


def refusal(case: Case, wanted: str) -> str:
    """Why a status change was refused, in the advisor's words (CaseBook speaks English)."""
    if wanted not in STATUS_LABELS:
        return "没有这个状态。"
    current = STATUS_LABELS[case.status]
    if case.status in FINAL_STATUSES:
        return f"案件 {case.number} 已是「{current}」，状态不能再改。"
    return f"案件 {case.number} 现在是「{current}」，只能改为下一步或「已关闭」，不能直接改为「{STATUS_LABELS[wanted]}」。"




def actor_label(actor: str) -> str:
    if actor == "bot":
        return "机器人"
    return actor.removeprefix("console:") or actor
