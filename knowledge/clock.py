"""China Standard Time for dates people see: a policy's validity, a case's due date, the
advisors' wall clock. Stored stamps are UTC; servers may run in any zone, so `date.today()`
(the host's zone) is never the right "today" here."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def china_today() -> date:
    return datetime.now(CHINA_TZ).date()


def china_clock(stamp: str | None, now: datetime | None = None) -> str:
    """The one way people read a time: a stored ISO stamp (UTC) as 12月3日 10:19 Beijing time, a
    bare date as 12月3日, with the year in front when it is not this year (2025年12月3日 10:19)."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp
    dated_only = len(stamp) <= 10  # a date has no time of day and no zone to move
    moment = moment if dated_only else moment.astimezone(CHINA_TZ)
    this_year = (now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ).year
    text = ("" if moment.year == this_year else f"{moment.year}年") + f"{moment.month}月{moment.day}日"
    return text if dated_only else f"{text} {moment:%H:%M}"
