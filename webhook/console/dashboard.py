"""看板: how the bot is doing and what waits for the advisors — questions per day, answer rate,
handoffs, the most cited records, intents and regions, open and overdue cases.

Everything is counted in SQL (GROUP BY, json_each over the cited sources) over the last
`DAYS` China days, so the page stays quick however long the message log grows. Days are China
Standard Time days, like MessageLog.daily_counts. An empty database shows zeros, not errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, render_template, url_for
from werkzeug.routing import BuildError

from knowledge.cases import CHINA_TZ, OPEN_STATUSES, STATUS_LABELS, CaseBook
from knowledge.conversations import DayCount, MessageLog
from knowledge.privacy import mask
from knowledge.regions import from_code
from knowledge.store import Store
from webhook.console import charts, context
from webhook.console.hittest import INTENT_LABELS
from webhook.console.urgent import unseen

bp = Blueprint("dashboard", __name__)
DAYS = 14
TOP = 8
OVERDUE_SHOWN = 5


@dataclass(frozen=True)
class Totals:
    questions: int
    answered: int
    handoffs: int

    @property
    def rate(self) -> int | None:
        """Answered share in whole percent; None when nothing was asked (no rate, not 0%)."""
        return min(100, round(100 * self.answered / self.questions)) if self.questions else None

    @classmethod
    def of(cls, days: list[DayCount]) -> "Totals":
        return cls(sum(d.questions for d in days), sum(d.answered for d in days), sum(d.handoffs for d in days))


@bp.get("/")
def index():
    store = context.store()
    today = datetime.now(CHINA_TZ).date()
    days = MessageLog(store).daily_counts(DAYS, today)
    since = utc_bound(today - timedelta(days=DAYS - 1))
    topics, intents, regions = top_records(store, since), top_intents(store, since), top_regions(store, since)
    cases = case_summary(store, today)
    return render_template(
        "console/dashboard.html", days=DAYS, today=Totals.of(days[-1:]), period=Totals.of(days), urgent=unseen(),
        mask=mask,
        unhelpful=unhelpful_count(store, since), cases=cases, case_link=case_link,
        daily_chart=daily_chart(days), questions_line=charts.sparkline([d.questions for d in days], "每天问题数"),
        rate_line=charts.sparkline([Totals.of([d]).rate or 0 for d in days], "每天回答率（%）"),
        topics_chart=charts.horizontal_bars(topics, "引用最多的记录", unit="次"),
        intents_chart=charts.horizontal_bars(intents, "回复类型", unit="次", label_chars=8),
        regions_chart=charts.horizontal_bars(regions, "问到最多的地区", unit="次", label_chars=8))


def utc_bound(day: date) -> str:
    """China midnight of `day` as the ISO UTC string the message log stores in `at`."""
    start = datetime.combine(day, datetime.min.time(), CHINA_TZ)
    return start.astimezone(timezone.utc).isoformat(timespec="seconds")


def daily_chart(days: list[DayCount]):
    labels = [d.date[5:] for d in days]  # MM-DD
    series = [charts.Series("问题", [d.questions for d in days]), charts.Series("已回答", [d.answered for d in days]),
              charts.Series("转人工", [d.handoffs for d in days])]
    total = Totals.of(days)
    desc = (f"最近{len(days)}天每天的问题数、已回答数和转人工数：共 {total.questions} 个问题，"
            f"已回答 {total.answered} 个，转人工 {total.handoffs} 次。")
    return charts.column_chart(labels, series, f"最近{len(days)}天每天的问题", desc, unit="个")


def top_records(store: Store, since: str, limit: int = TOP) -> list[tuple[str, int]]:
    """The records replies cited most (one count per reply), labelled with their titles."""
    rows = store.db.execute(
        "SELECT j.value, count(DISTINCT m.id) AS n FROM messages m, json_each(m.sources) j "
        "WHERE m.direction = 'out' AND m.at >= ? GROUP BY j.value ORDER BY n DESC, j.value LIMIT ?",
        [since, limit]).fetchall()
    if not rows:
        return []
    ids = [record_id for record_id, _ in rows]
    titles = dict(store.db.execute(f"SELECT id, title FROM records WHERE id IN ({', '.join('?' * len(ids))})",
                                   ids).fetchall())
    return [(titles.get(record_id) or record_id, n) for record_id, n in rows]


def top_intents(store: Store, since: str, limit: int = TOP) -> list[tuple[str, int]]:
    """Replies by kind (政策咨询, 没有找到, 转人工 …): what people ask and how it ends."""
    rows = store.db.execute(
        "SELECT coalesce(nullif(intent, ''), 'other') AS kind, count(*) AS n FROM messages "
        "WHERE direction = 'out' AND at >= ? GROUP BY kind ORDER BY n DESC, kind LIMIT ?", [since, limit]).fetchall()
    return [(INTENT_LABELS.get(kind, "其他" if kind == "other" else kind), n) for kind, n in rows]


def top_regions(store: Store, since: str, limit: int = TOP) -> list[tuple[str, int]]:
    """Places of the records replies cited (one count per reply and place): where the
    questions are about. National records count as 全国/跨省."""
    rows = store.db.execute(
        "SELECT coalesce(r.region_code, '') AS code, count(DISTINCT m.id) AS n FROM messages m, json_each(m.sources) j "
        "JOIN records r ON r.id = j.value WHERE m.direction = 'out' AND m.at >= ? "
        "GROUP BY code ORDER BY n DESC, code LIMIT ?", [since, limit]).fetchall()
    return [(_place(code), n) for code, n in rows]


def _place(code: str) -> str:
    region = from_code(code) if code else None
    if not region or not region.code:
        return "全国/跨省"
    parent = region.ancestors()[-2].short if len(region.ancestors()) > 1 else ""
    return f"{parent}·{region.short}" if parent and region.county else region.short


def unhelpful_count(store: Store, since: str) -> int:
    return store.db.execute("SELECT count(*) FROM messages WHERE direction = 'out' AND feedback = 'unhelpful' "
                            "AND at >= ?", [since]).fetchone()[0]


@dataclass(frozen=True)
class CaseSummary:
    by_status: list[tuple[str, str, int]]  # (status, label, count), open statuses first
    open: int
    overdue: int
    overdue_cases: list[dict]  # masked, for the short list


def case_summary(store: Store, today: date) -> CaseSummary:
    counts = dict(store.db.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
    book = CaseBook(store)
    overdue = book.list(overdue=True, today=today)
    shown = [case.to_dict() | {"overdue_days": (today - date.fromisoformat(case.due_date)).days}
             for case in overdue[:OVERDUE_SHOWN]]
    for row in shown:  # to_dict() has masked phone and ID numbers already
        row["need"] = (row["need"] or row["summary"])[:40]
    return CaseSummary([(s, STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_LABELS],
                       sum(counts.get(s, 0) for s in OPEN_STATUSES), len(overdue), shown)


def case_link(**args) -> str:
    """A link into the cases area; its list filters (?status=, ?overdue=1) belong to that area."""
    number = args.pop("number", None)
    try:
        return url_for("console.cases.show", number=number) if number else url_for("console.cases.index", **args)
    except BuildError:
        return url_for("console.cases.index", **args)
