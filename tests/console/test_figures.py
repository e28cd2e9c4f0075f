"""The dashboard's figures over the message log: questions counted per China day, quiet days
included, and a question's outcome from its reply — on both backends of the log (shared_store)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from knowledge.conversations import MessageLog
from webhook.console import figures


class Clock:
    def __init__(self, stamp: str):
        self.now = datetime.fromisoformat(stamp)

    def __call__(self):
        return self.now


def exchange(log, user, question, intent, answered, sources=()):
    log.log(user, "api", "in", question)
    log.log(user, "api", "out", "…", intent=intent, answered=answered, sources=list(sources))


def test_questions_per_china_day_with_quiet_days(shared_store):
    store = shared_store
    clock = Clock("2026-11-20T02:00:00+00:00")  # 10:00 on the 20th in Beijing
    log = MessageLog(store, clock=clock)
    exchange(log, "api:u1", "南宁长者饭堂有补贴吗", "consult", True, ["nn-x"])
    exchange(log, "api:u1", "转人工", "handoff", False)
    clock.now = datetime.fromisoformat("2026-11-21T16:30:00+00:00")  # 00:30 on the 22nd in Beijing
    exchange(log, "api:u2", "北京助浴补贴", "not_found", False)
    exchange(log, "api:u2", "怎么申请", "apply", False)
    log.log("api:u3", "api", "in", "还没有回复")
    rows = figures.questions(store, figures.utc_bound(date(2026, 11, 19)))
    days = figures.daily(store, rows, date(2026, 11, 19), 4)
    assert [(d.date, d.questions, d.answered) for d in days] == [
        ("2026-11-19", 0, 0), ("2026-11-20", 1, 1), ("2026-11-21", 0, 0), ("2026-11-22", 2, 0)]
    assert dict(figures.outcomes(rows)) == {"政策和补贴解答": 1, "没找到答案": 1, "办理方式没写明": 1}
    # 北京 named by an unanswered question; the answered one cites a record of no known place
    assert figures.places(store, rows) == {"": (1, 0), "110000": (0, 1)}


def test_an_empty_log_has_no_questions(shared_store):
    store = shared_store
    assert figures.questions(store, datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat()) == []
