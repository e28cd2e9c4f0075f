"""Cases: numbering, consent for phone numbers, due dates, the status machine, the event trail —
on both backends of the shared database (shared_store)."""
import multiprocessing
from datetime import date, datetime, timedelta, timezone

import pytest

from knowledge.cases import KIND_LABELS, STATUS_LABELS, CaseBook, CaseNotFound, add_working_days


class Clock:
    """A settable clock, so dates in numbers and due dates are known in advance."""

    def __init__(self, iso: str):
        self.now = datetime.fromisoformat(iso)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock("2026-11-20T02:00:00+00:00")  # Friday 10:00 in Beijing


@pytest.fixture
def book(shared_store, clock):
    return CaseBook(shared_store, clock=clock)


def open_referral(book, **changes):
    data = {"user_id": "wx:oAbc", "channel": "wechat", "summary": "想给母亲申请南宁的助餐补贴",
            "need": "助餐", "region": "广西壮族自治区南宁市", "region_code": "450100"} | changes
    return book.open("referral", **data)


def test_numbers_count_per_kind_and_day(book, clock):
    first, second = open_referral(book), open_referral(book)
    handoff = book.open("handoff", user_id="u2", channel="json", summary="转人工")
    errand = book.open("errand", user_id="u3", channel="wecom", summary="帮忙代办高龄津贴")
    assert [first.number, second.number] == ["ZJ-20261120-0001", "ZJ-20261120-0002"]
    assert (handoff.number, errand.number) == ("RG-20261120-0001", "DB-20261120-0001")
    clock.advance(days=1)
    assert open_referral(book).number == "ZJ-20261121-0001"


def test_number_date_is_the_china_date(book, clock):
    clock.now = datetime(2026, 11, 20, 17, 30, tzinfo=timezone.utc)  # already 01:30 on the 21st in Beijing
    case = open_referral(book)
    assert case.number == "ZJ-20261121-0001"
    assert case.created_at == "2026-11-20T17:30:00+00:00"


def test_counter_goes_past_9999(book, shared_store):
    shared_store.shared.connection().execute(
        "INSERT INTO cases (number, kind, status) VALUES ('ZJ-20261120-9999', 'referral', 'new')")
    assert open_referral(book).number == "ZJ-20261120-10000"
    assert open_referral(book).number == "ZJ-20261120-10001"


@pytest.mark.parametrize("kind, opened, due", [
    ("referral", "2026-11-20T02:00:00+00:00", "2026-11-24"),  # Friday → Tuesday, the weekend skipped
    ("errand", "2026-11-18T02:00:00+00:00", "2026-11-20"),  # Wednesday → Friday
    ("errand", "2026-11-21T02:00:00+00:00", "2026-11-24"),  # opened on Saturday → Tuesday
    ("handoff", "2026-11-20T02:00:00+00:00", "2026-11-20"),  # someone is waiting: today
    ("handoff", "2026-11-22T02:00:00+00:00", "2026-11-22"),
])
def test_default_due_date(shared_store, kind, opened, due):
    book = CaseBook(shared_store, clock=Clock(opened))
    assert book.open(kind, user_id="u", channel="json", summary="问题").due_date == due


def test_explicit_due_date_wins(book):
    assert open_referral(book, due_date=date(2026, 12, 1)).due_date == "2026-12-01"
    assert open_referral(book, due_date="2026-12-02").due_date == "2026-12-02"
    with pytest.raises(ValueError):
        open_referral(book, due_date="12月2日")


def test_add_working_days():
    assert add_working_days(date(2026, 11, 19), 2) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_phone_without_consent_is_refused_and_nothing_stored(book):
    with pytest.raises(ValueError, match="consent"):
        open_referral(book, contact_phone="13812345678")
    assert book.list() == []


def test_phone_with_consent_is_stored_normalised_and_masked_on_display(book):
    case = open_referral(book, contact_phone="138 1234 5678", consent=True)
    assert (case.contact_phone, case.consent) == ("13812345678", True)
    shown = case.to_dict()
    assert shown["contact_phone"] == "138****5678"
    assert (shown["kind_label"], shown["status_label"]) == ("转介", "新建")
    assert case.to_dict(reveal=True)["contact_phone"] == "13812345678"


def test_to_dict_masks_numbers_in_the_summary(book):
    case = open_referral(book, summary="身份证450102195001011234，电话13812345678")
    assert case.to_dict()["summary"] == "身份证4501**********1234，电话138****5678"
    assert case.summary == "身份证450102195001011234，电话13812345678"


def test_unknown_kind_is_refused(book):
    with pytest.raises(ValueError, match="kind"):
        book.open("complaint", user_id="u", channel="json", summary="投诉")


def test_status_moves_forward_one_step_at_a_time(book):
    number = open_referral(book).number
    with pytest.raises(ValueError):
        book.transition(number, "done", "王顾问")
    for status in ("contacted", "in_progress", "done"):
        assert book.transition(number, status, "王顾问").status == status
    with pytest.raises(ValueError, match="finished"):
        book.transition(number, "closed", "王顾问")


@pytest.mark.parametrize("reached", [[], ["contacted"], ["contacted", "in_progress"]])
def test_closed_from_any_open_state_and_final(book, reached):
    number = open_referral(book).number
    for status in reached:
        book.transition(number, status, "王顾问")
    assert book.transition(number, "closed", "王顾问", note="老人已自行办理").status == "closed"
    with pytest.raises(ValueError):
        book.transition(number, "in_progress", "王顾问")


def test_same_status_twice_is_a_no_op(book):
    number = open_referral(book).number
    book.transition(number, "contacted", "王顾问")
    book.transition(number, "contacted", "李顾问")
    assert [e.action for e in book.events(number)] == ["open", "status"]


def test_unknown_status_and_unknown_case(book):
    number = open_referral(book).number
    with pytest.raises(ValueError):
        book.transition(number, "finished", "王顾问")
    with pytest.raises(CaseNotFound):
        book.transition("ZJ-20000101-0001", "contacted", "王顾问")
    assert book.get("ZJ-20000101-0001") is None


def test_assign_note_due_and_the_event_trail(book, clock):
    number = open_referral(book).number
    clock.advance(hours=1)
    book.assign(number, "王顾问", "admin")
    book.add_note(number, "已电话联系家属", "王顾问")
    case = book.set_due(number, "2026-11-30", "王顾问")
    assert (case.assignee, case.due_date, case.updated_at) == ("王顾问", "2026-11-30", "2026-11-20T03:00:00+00:00")
    events = book.events(number)
    assert [(e.action, e.actor, e.note) for e in events] == [
        ("open", "bot", ""), ("assign", "admin", "王顾问"), ("note", "王顾问", "已电话联系家属"),
        ("due", "王顾问", "2026-11-30")]
    assert all(e.status == "new" for e in events)
    with pytest.raises(ValueError):
        book.add_note(number, "  ", "王顾问")


def test_list_filters_newest_first(book):
    a = open_referral(book, user_id="u1")
    b = book.open("handoff", user_id="u2", channel="json", summary="转人工")
    c = open_referral(book, user_id="u2")
    book.assign(c.number, "王顾问", "admin")
    book.transition(a.number, "contacted", "王顾问")
    assert [x.number for x in book.list()] == [c.number, b.number, a.number]
    assert [x.number for x in book.list(kind="referral")] == [c.number, a.number]
    assert [x.number for x in book.list(status="contacted")] == [a.number]
    assert [x.number for x in book.list(assignee="王顾问")] == [c.number]
    assert [x.number for x in book.list(user_id="u2", kind="handoff")] == [b.number]


def test_overdue_is_open_and_past_due(book):
    late = open_referral(book, due_date="2026-11-19")
    due_today = open_referral(book, due_date="2026-11-20")
    finished = open_referral(book, due_date="2026-11-18")
    book.transition(finished.number, "closed", "王顾问")
    assert [c.number for c in book.list(overdue=True)] == [late.number]
    assert [c.number for c in book.list(overdue=True, today=date(2026, 11, 21))] == [due_today.number, late.number]
    assert book.is_overdue(book.get(late.number))
    assert not book.is_overdue(book.get(due_today.number))
    assert not book.is_overdue(book.get(finished.number), today=date(2027, 1, 1))


def test_labels_cover_every_kind_and_status():
    assert STATUS_LABELS == {"new": "新建", "contacted": "已联系", "in_progress": "处理中", "done": "已完成",
                             "closed": "已关闭"}
    assert KIND_LABELS == {"referral": "转介", "handoff": "转人工", "errand": "委托代办"}


def _open_many(data_dir, database_url, start, queue, count):
    from knowledge.cases import CaseBook
    from knowledge.store import Store

    store = Store.in_dir(data_dir, database_url)
    book = CaseBook(store)
    start.wait(60)
    try:
        queue.put([book.open("referral", user_id="u", channel="json", summary="并发").number for _ in range(count)])
    except Exception as error:  # report it: the assertion below shows it
        queue.put(repr(error))
    store.close()


@pytest.mark.slow
def test_two_processes_opening_at_once_get_distinct_numbers(shared_store, data_dir):
    context = multiprocessing.get_context("spawn")
    queue, start = context.Queue(), context.Event()
    url = getattr(shared_store.shared, "url", "")  # two nodes on one PostgreSQL, or two processes on one file
    procs = [context.Process(target=_open_many, args=(str(data_dir), url, start, queue, 15)) for _ in range(2)]
    for proc in procs:
        proc.start()
    start.set()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(30)
    assert all(isinstance(r, list) for r in results), results
    numbers = results[0] + results[1]
    assert len(set(numbers)) == 30
    suffixes = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n.startswith(numbers[0][:12]))
    assert suffixes == list(range(1, len(suffixes) + 1))
    assert len(CaseBook(shared_store).list()) == 30
