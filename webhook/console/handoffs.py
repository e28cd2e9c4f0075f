"""One status for a person waiting for a human, shared by the 转人工 ticket and the conversation:
等待顾问 (ticket new, nobody has taken over) → X 处理中 (X took the conversation over: the ticket
is theirs and 处理中) → 已解决 (handed back to the bot: the ticket is done). Taking over and
handing back move the ticket, so the two can no longer disagree.
"""
from __future__ import annotations

from knowledge.cases import Case, CaseBook, next_statuses
from knowledge.conversations import MessageLog
from webhook.console import context

HANDED_BACK = "已交还机器人"


def state(case: Case, holder: str) -> str:
    """The ticket's status as the console shows it everywhere."""
    if not case.is_open:
        return "已解决" if case.status == "done" else "已关闭"
    if holder:
        return f"{holder} 处理中"
    return "等待顾问" if case.status == "new" else f"{case.assignee or '顾问'} 处理中（未接管）"


def open_tickets(user_id: str) -> list[Case]:
    return [case for case in CaseBook(context.store()).list(user_id=user_id, kind="handoff") if case.is_open]


def taken_over(user_id: str, by: str) -> None:
    """X took the conversation over: each open ticket of this person is X's and 处理中."""
    book = CaseBook(context.store())
    for case in open_tickets(user_id):
        if case.assignee != by:
            book.assign(case.number, by, context.actor())
        _advance(book, case, "in_progress", "接管对话")


def handed_back(user_id: str) -> list[str]:
    """The conversation went back to the bot: its open tickets are resolved. Returns their numbers."""
    book, numbers = CaseBook(context.store()), []
    for case in open_tickets(user_id):
        _advance(book, case, "done", HANDED_BACK)
        numbers.append(case.number)
    return numbers


def _advance(book: CaseBook, case: Case, target: str, note: str) -> None:
    """Step forward (新建 → 已联系 → 处理中 → 已完成) until `target`; the trail keeps each step."""
    status = case.status
    while status != target and next_statuses(status) and next_statuses(status)[0] != "closed":
        status = book.transition(case.number, next_statuses(status)[0], context.actor(), note).status


def unread(user_id: str) -> int:
    """Messages this person wrote for a human that no advisor has answered."""
    return MessageLog(context.store()).waiting_for_a_person(user_id)
