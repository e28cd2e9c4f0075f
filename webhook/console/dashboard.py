"""看板: how the bot is doing and what waits for the advisors — questions per day, answer rate,
handoff tickets, the most cited records, what questions got and where they were about, open and
overdue cases.

What each number counts is defined once, in `figures` (its tooltip text beside its SQL), over
the last `DAYS` China days. An empty database shows zeros, not errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Blueprint, render_template, url_for
from werkzeug.routing import BuildError

from knowledge.cases import CHINA_TZ, OPEN_STATUSES, STATUS_LABELS, CaseBook
from knowledge.privacy import mask
from knowledge.regions import from_code
from knowledge.store import Store
from webhook.console import charts, context, figures, undelivered
from webhook.console.urgent import unseen

bp = Blueprint("dashboard", __name__)
DAYS = 14
TOP = 8
OVERDUE_SHOWN = 5
UNDELIVERED_SHOWN = 20


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
    def of(cls, days: list[figures.Day]) -> "Totals":
        return cls(sum(d.questions for d in days), sum(d.answered for d in days), sum(d.handoffs for d in days))


@bp.get("/")
def index():
    store = context.store()
    today = datetime.now(CHINA_TZ).date()
    first = today - timedelta(days=DAYS - 1)
    since = figures.utc_bound(first)
    asked = figures.questions(store, since)
    days = figures.daily(store, asked, first, DAYS)
    places = figures.places(store, asked)
    return render_template(
        "console/dashboard.html", days=DAYS, today=Totals.of(days[-1:]), period=Totals.of(days), urgent=unseen(),
        mask=mask, figures=figures.FIGURES, unhelpful=figures.unhelpful(store, since),
        cases=case_summary(store, today), case_link=case_link, gaps=_gaps(places),
        undelivered=undelivered.listed(limit=UNDELIVERED_SHOWN), back="dashboard",
        daily_chart=daily_chart(days), questions_line=charts.sparkline([d.questions for d in days], "每天问题数"),
        rate_line=charts.sparkline([Totals.of([d]).rate or 0 for d in days], "每天回答率（%）"),
        topics_chart=charts.horizontal_bars(_titled(store, figures.cited(asked)), "引用最多的记录", unit="次"),
        outcomes_chart=charts.horizontal_bars(figures.outcomes(asked), "问题的结果", unit="个", label_chars=8),
        regions_chart=charts.horizontal_bars(_top_places(places), "问到最多的地区", unit="个", label_chars=8))


def daily_chart(days: list[figures.Day]):
    labels = [d.date[5:] for d in days]  # MM-DD
    series = [charts.Series("问题", [d.questions for d in days]), charts.Series("已回答", [d.answered for d in days]),
              charts.Series("转人工", [d.handoffs for d in days])]
    total = Totals.of(days)
    desc = (f"最近{len(days)}天每天的问题数、已回答数和转人工工单数：共 {total.questions} 个问题，"
            f"已回答 {total.answered} 个，转人工 {total.handoffs} 次。")
    return charts.column_chart(labels, series, f"最近{len(days)}天每天的问题", desc, unit="个")


def _titled(store: Store, counts: dict[str, int], limit: int = TOP) -> list[tuple[str, int]]:
    """The most cited records, labelled with their titles (a removed record keeps its id)."""
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    if not top:
        return []
    ids = [record_id for record_id, _ in top]
    titles = dict(store.shared.connection().execute(
        f"SELECT id, title FROM records WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall())
    return [(titles.get(record_id) or record_id, n) for record_id, n in top]


def _top_places(places: dict[str, tuple[int, int]], limit: int = TOP) -> list[tuple[str, int]]:
    ranked = sorted(places.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:limit]
    return [(_place(code), answered + missing) for code, (answered, missing) in ranked]


def _gaps(places: dict[str, tuple[int, int]], limit: int = TOP) -> list[tuple[str, int]]:
    """Places asked about that the knowledge could not answer, most first."""
    ranked = sorted(((code, missing) for code, (_, missing) in places.items() if missing), key=lambda kv: (-kv[1], kv[0]))
    return [(_place(code), missing) for code, missing in ranked[:limit]]


def _place(code: str) -> str:
    region = from_code(code) if code else None
    if not region or not region.code:
        return "全国/跨省"
    parent = region.ancestors()[-2].short if len(region.ancestors()) > 1 else ""
    return f"{parent}·{region.short}" if parent and region.county else region.short


@dataclass(frozen=True)
class CaseSummary:
    by_status: list[tuple[str, str, int]]  # (status, label, count), open statuses first
    open: int
    overdue: int
    overdue_cases: list[dict]  # masked, for the short list


def case_summary(store: Store, today: date) -> CaseSummary:
    book = CaseBook(store)
    counts = book.counts()
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
