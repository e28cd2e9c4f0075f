"""The advisors' one clock: Beijing time as 12月3日 10:19, whatever zone the server runs in."""
from datetime import datetime

from knowledge.clock import CHINA_TZ, china_clock

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=CHINA_TZ)


def test_a_utc_stamp_reads_in_beijing_time():
    assert china_clock("2026-12-03T02:19:00+00:00", NOW) == "12月3日 10:19"
    assert china_clock("2026-12-02T16:05:00+00:00", NOW) == "12月3日 00:05"  # after midnight in Beijing


def test_dates_other_years_and_junk():
    assert china_clock("2026-01-31", NOW) == "1月31日"
    assert china_clock("2025-12-31T20:00:00+00:00", NOW) == "1月1日 04:00"  # already 2026 in Beijing
    assert china_clock("2025-06-01T00:00:00+00:00", NOW) == "2025年6月1日 08:00"
    assert china_clock("", NOW) == "" and china_clock(None, NOW) == "" and china_clock("昨天", NOW) == "昨天"
