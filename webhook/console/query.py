"""Every query parameter a console page reads, checked before the page runs.

`/console/unanswered/?since=0001-01-01` was a 500 (the date parsed, then overflowed when the
day was turned into a moment): a page that trusts its query string fails somewhere deep in
itself. Here one table names, per page, each parameter it reads and what a good value is; a
bad one is answered 400 with a message in Chinese saying which condition is wrong and how to
write it. Parameters a page does not read are ignored (a browser or a link may add its own).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Callable

from flask import Blueprint, abort, request

from knowledge.cases import KIND_LABELS as CASE_KINDS, STATUS_LABELS
from webhook.console.records_browse import VALIDITY_CHOICES
from webhook.console.records_form import KIND_LABELS as RECORD_KINDS

Check = Callable[[str], str]  # a value → "" when good, else what is wrong (Chinese)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_PAGE = 100_000


def text(limit: int = 200) -> Check:
    return lambda value: f"太长了（最多 {limit} 个字）" if len(value) > limit else ""


def choice(choices, hint: str) -> Check:
    allowed = set(choices) | {""}
    return lambda value: "" if value in allowed else f"不是可选的值（可选：{hint}）"


def labelled(labels: dict) -> Check:
    return choice(labels, "、".join(f"{key}（{label}）" for key, label in labels.items()))


def flag(value: str) -> str:
    return "" if value in ("", "0", "1") else "只能是 1 或 0"


def page_number(value: str) -> str:
    return "" if value == "" or (value.isdigit() and 1 <= int(value) <= MAX_PAGE) else f"应是 1 到 {MAX_PAGE} 的页码"


def day(value: str) -> str:
    """A calendar day the console can count from (2000–2099), written 年-月-日."""
    if value == "":
        return ""
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return "看不懂，请用 年-月-日 格式，例如 2026-12-01"
    return "" if EARLIEST <= parsed <= LATEST else f"超出范围（{EARLIEST} 到 {LATEST} 之间）"


FORM_DRAFT = {"kind": labelled(RECORD_KINDS), "title": text(), "text": text(5000), "region": text(60),
              "tags": text(), "answers": text(5000), "asked": text(5000)}
PAGES: dict[str, dict[str, Check]] = {
    "console.auth.login": {"next": text(1000)},
    "console.records.index": {"q": text(), "kind": labelled(RECORD_KINDS), "region": text(60), "source": text(),
                              "validity": labelled(VALIDITY_CHOICES), "page": page_number},
    "console.records.new": FORM_DRAFT,
    "console.records.edit": {"answers": text(5000), "asked": text(5000)},
    "console.cases.index": {"status": choice({*STATUS_LABELS, "open"}, "、".join(["open", *STATUS_LABELS])),
                            "kind": labelled(CASE_KINDS), "assignee": text(40), "overdue": flag, "q": text()},
    "console.unanswered.index": {"since": day, "handled": flag},
    "console.users.audit": {"actor": text(60), "action": text(60)},
    "console.hittest.index": {"q": text(500), "region": text(60)},
    "console.lexicon.index": {"q": text(), "page": page_number, "edit": text(60)},
}
NAMES = {"next": "跳转地址", "q": "搜索词", "kind": "类别", "region": "地区", "source": "来源", "validity": "有效期",
         "page": "页码", "title": "标题", "text": "正文", "tags": "标签", "answers": "回答", "asked": "提问",
         "status": "状态", "assignee": "经办人", "overdue": "逾期", "since": "起始日期", "handled": "已处理",
         "actor": "操作人", "action": "操作", "edit": "要修改的说法"}


def init(console: Blueprint) -> None:
    console.before_request(check_query)


def check_query() -> None:
    """Abort with 400 at the first bad parameter of this page (each value it is sent, repeats included)."""
    for name, check in PAGES.get(request.endpoint or "", {}).items():
        for value in request.args.getlist(name):
            problem = "含有控制字符" if CONTROL.search(value) else check(value.strip())
            if problem:
                shown = value if len(value) <= 40 else value[:40] + "…"
                abort(400, description=f"查询条件有误：{NAMES.get(name, name)}（{name}）“{CONTROL.sub('', shown)}”"
                                       f"{problem}。请改正地址栏里的条件，或回到上一页重新选择。")
