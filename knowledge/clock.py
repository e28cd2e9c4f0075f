"""China Standard Time for dates people see: a policy's validity, a case's due date, the
advisors' wall clock. Stored stamps are UTC; servers may run in any zone, so `date.today()`
(the host's zone) is never the right "today" here."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def china_today() -> date:
    return datetime.now(CHINA_TZ).date()


def china_time(stamp: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored ISO UTC stamp on the advisors' clock; an unparseable one stays as it is."""
    try:
        return datetime.fromisoformat(stamp).astimezone(CHINA_TZ).strftime(fmt)
    except (TypeError, ValueError):
        return stamp or ""
