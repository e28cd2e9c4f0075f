"""Every number on the dashboard, defined once: what it counts (the words its tooltip shows) next
to the SQL that counts it — so the card, the chart and the tooltip cannot drift apart.

A *question* is what an elder or their family asked that the bot had to answer from knowledge:
the reply is a knowledge answer (it cited records) or says it found none, that the question is
out of scope, or that the knowledge does not say how to apply. Phone numbers, 同意, 谢谢,
greetings, the place given when the bot asked 在哪里, safety replies and messages while an
advisor has taken over are not questions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from knowledge.clock import CHINA_TZ
from knowledge.regions import resolve
from knowledge.store import Store


@dataclass(frozen=True)
class Figure:
    label: str
    definition: str  # shown as the figure's tooltip, word for word


FIGURES = {
    "questions": Figure("问题", "老人或家属问、需要机器人从知识库回答的问题：包括答上的、没找到答案的、超出服务范围的。"
                               "发手机号、回“同意”“谢谢”、打招呼、回答机器人追问的地区、紧急求助，以及顾问接管期间的消息都不算。"),
    "answer_rate": Figure("回答率", "问题中机器人引用知识库记录回答了的比例：已回答的问题 ÷ 问题。"),
    "handoffs": Figure("转人工", "新建的转人工工单（RG-…）：用户要求转人工或机器人请顾问接手，每次一张工单，与「对话」页的工单是同一批。"),
    "open_cases": Figure("未结案件", "状态为新建、已联系或处理中的转介、代办和转人工案件（不限时间）。"),
    "unhelpful": Figure("被标“没用”", "用户回复“没用”的机器人回答，它们和没找到答案的问题一起列在「未答问题」。"),
    "top_records": Figure("引用最多的记录", "回答问题时引用最多的知识记录，一个问题的回答引用一条记录算一次。"),
    "regions": Figure("问到最多的地区", "问题涉及的地区：答上的按引用记录的地区，没答上的按问题里说到的地名（没说地名的不计）。"
                                 "没答上的次数单独列出：那里缺知识。"),
    "outcomes": Figure("问题的结果", "每个问题得到的回复：政策和补贴解答、服务和机构、办理方式、办理方式没写明、没找到答案、"
                                "超出服务范围。各项相加等于问题数。"),
    "cases_by_status": Figure("转介·代办", "全部案件按现在的状态计数（不限时间），逾期是到期日已过仍未结的。"),
}
OUTCOME_LABELS = {"consult": "政策和补贴解答", "refer": "服务和机构", "apply": "办理方式", "apply_missing": "办理方式没写明",
                  "not_found": "没找到答案", "out_of_scope": "超出服务范围"}

# One row per question in the period: the question, its reply's outcome, the records it cited.
_QUESTIONS = """
SELECT q.id, q.text, q.at, a.sources,
       CASE WHEN a.answered = 1 THEN a.intent WHEN a.intent = 'apply' THEN 'apply_missing' ELSE a.intent END AS outcome
FROM messages q JOIN messages a ON a.id = (SELECT min(o.id) FROM messages o WHERE o.user_id = q.user_id
                                              AND o.direction = 'out' AND o.id > q.id)
WHERE q.direction = 'in' AND q.at >= ?
  AND ((a.answered = 1 AND a.intent IN ('consult', 'refer', 'apply')) OR a.intent IN ('apply', 'not_found', 'out_of_scope'))
"""
ANSWERED = ("consult", "refer", "apply")
GAPS = ("not_found", "apply_missing")  # asked about elder care, and the knowledge had no answer


@dataclass(frozen=True)
class Day:
    date: str  # YYYY-MM-DD, China day
    questions: int
    answered: int
    handoffs: int


def utc_bound(day: date) -> str:
    """China midnight of `day` as the ISO UTC string the message log stores in `at`."""
    start = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    return start.astimezone(timezone.utc).isoformat(timespec="seconds")


def china_day(at: str) -> str:
    """The China date (YYYY-MM-DD) of a stored ISO UTC time: counted in Python, the one
    spelling of it both backends share."""
    return datetime.fromisoformat(at).astimezone(CHINA_TZ).date().isoformat()


def questions(store: Store, since: str) -> list[tuple[int, str, str, str, str]]:
    """(id, text, China day, cited sources JSON, outcome) of every question since `since`."""
    rows = store.shared.connection().execute(_QUESTIONS, [since]).fetchall()
    return [(id_, text, china_day(at), sources, outcome) for id_, text, at, sources, outcome in rows]


def daily(store: Store, rows: list, first: date, days: int) -> list[Day]:
    """Questions, answered questions and new handoff tickets per China day, quiet days included."""
    asked, answered = {}, {}
    for _, _, day, _, outcome in rows:
        asked[day] = asked.get(day, 0) + 1
        answered[day] = answered.get(day, 0) + (outcome in ANSWERED)
    tickets: dict[str, int] = {}
    for (created_at,) in store.shared.connection().execute(
            "SELECT created_at FROM cases WHERE kind = 'handoff' AND created_at >= ?", [utc_bound(first)]):
        tickets[china_day(created_at)] = tickets.get(china_day(created_at), 0) + 1
    dates = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return [Day(d, asked.get(d, 0), answered.get(d, 0), tickets.get(d, 0)) for d in dates]


def outcomes(rows: list) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for *_, outcome in rows:
        counts[outcome] = counts.get(outcome, 0) + 1
    return sorted(((OUTCOME_LABELS[k], n) for k, n in counts.items() if k in OUTCOME_LABELS), key=lambda kv: -kv[1])


def cited(rows: list) -> dict[str, int]:
    """Record id → questions whose answer cited it."""
    counts: dict[str, int] = {}
    for _, _, _, sources, outcome in rows:
        for record_id in dict.fromkeys(json.loads(sources or "[]")) if outcome in ANSWERED else ():
            counts[record_id] = counts.get(record_id, 0) + 1
    return counts


def places(store: Store, rows: list) -> dict[str, tuple[int, int]]:
    """Region code ('' = national) → (answered, not answered) questions about it: answered ones
    by the regions of the records cited, the others by the place the question names."""
    codes = _record_regions(store, {rid for _, _, _, sources, _ in rows for rid in json.loads(sources or "[]")})
    found: dict[str, list[int]] = {}
    for _, text, _, sources, outcome in rows:
        if outcome in ANSWERED:
            for code in {codes.get(rid, "") for rid in json.loads(sources or "[]")}:
                found.setdefault(code, [0, 0])[0] += 1
        elif outcome in GAPS and (code := resolve(text, abbreviations=False).code):
            found.setdefault(code, [0, 0])[1] += 1
    return {code: (a, u) for code, (a, u) in found.items()}


def _record_regions(store: Store, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return dict(store.shared.connection().execute(
        f"SELECT id, coalesce(region_code, '') FROM records WHERE id IN ({marks})", sorted(ids)).fetchall())


def unhelpful(store: Store, since: str) -> int:
    return store.shared.connection().execute(
        "SELECT count(*) FROM messages WHERE direction = 'out' AND feedback = 'unhelpful' AND at >= ?",
        [since]).fetchone()[0]
