"""Cases the advisors follow up: referrals (转介), handoffs to a person (转人工) and errands (委托代办).

A case has a human-readable number ("ZJ-20261122-0007") that an elder can read out on the
phone, a status that only moves forward (新建 → 已联系 → 处理中 → 已完成, or 已关闭 at any
point), and a trail of events saying who did what. Business dates — the date inside the
number, the due date, "overdue" — are China Standard Time dates, because that is the
calendar the advisors and elders live by, whatever clock the server runs on.

Cases live in the store's shared database (Store.shared): with ADVISOR_DATABASE_URL a case
opened on one node is followed up on any other, and the day's numbers are one sequence.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from knowledge.privacy import find_phone, mask
from knowledge.clock import CHINA_TZ
from knowledge.database import dict_rows
from knowledge.store import Store


KIND_PREFIXES = {"referral": "ZJ", "handoff": "RG", "errand": "DB"}  # 转介 / 转人工 / 代办
KIND_LABELS = {"referral": "转介", "handoff": "转人工", "errand": "委托代办"}
STATUS_LABELS = {"new": "新建", "contacted": "已联系", "in_progress": "处理中", "done": "已完成",
                 "closed": "已关闭"}
OPEN_STATUSES = ("new", "contacted", "in_progress")
FINAL_STATUSES = ("done", "closed")
# The one step forward each open status may take; 已关闭 is reachable from every open status.
_NEXT = {"new": "contacted", "contacted": "in_progress", "in_progress": "done"}
# Working days until a case is due: a handoff means someone is waiting on the line today.
_DUE_WORKING_DAYS = {"referral": 2, "errand": 2, "handoff": 0}


class CaseNotFound(KeyError):
    """No case has this number."""


@dataclass(frozen=True)
class Case:
    id: int
    number: str
    kind: str
    user_id: str
    channel: str
    need: str
    region: str
    region_code: str
    contact_phone: str
    consent: bool
    summary: str
    status: str
    assignee: str
    due_date: str
    created_at: str
    updated_at: str

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_dict(self, reveal: bool = False) -> dict:
        """JSON form for the console; personal numbers stay masked unless the viewer asks to reveal."""
        data = asdict(self) | {"kind_label": KIND_LABELS.get(self.kind, self.kind),
                               "status_label": STATUS_LABELS.get(self.status, self.status)}
        if not reveal:
            for key in ("contact_phone", "summary", "need"):
                data[key] = mask(data[key])
        return data


@dataclass(frozen=True)
class CaseEvent:
    id: int
    case_id: int
    at: str
    actor: str
    action: str  # open | status | assign | note | due
    status: str
    note: str


def next_statuses(status: str) -> tuple[str, ...]:
    """Where a case in `status` may go next: one step forward or 已关闭; nothing once finished."""
    return (_NEXT[status], "closed") if status in OPEN_STATUSES else ()


def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start`, skipping Saturdays and Sundays (public holidays are not known)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _iso_date(value: date | str | None) -> str:
    """YYYY-MM-DD, or '' for no date; anything else is refused rather than stored half-valid."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value).strip()).isoformat()


def _validated_phone(kind: str, phone: str, consent: bool) -> str:
    """The phone as it will be stored (13800001234, 0771-12345678), refused without consent."""
    if kind not in KIND_PREFIXES:
        raise ValueError(f"unknown case kind {kind!r}; expected one of {', '.join(KIND_PREFIXES)}")
    phone = (phone or "").strip()
    if phone and not consent:
        raise ValueError("a contact phone is stored only with the person's consent (consent=True)")
    return find_phone(phone) or phone


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class CaseBook:
    """Opens and follows cases in the store; every change is one transaction with its event."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None):
        self.db = store.shared
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def today(self) -> date:
        return self._clock().astimezone(CHINA_TZ).date()

    # -- opening -----------------------------------------------------------------------------
    def open(self, kind: str, *, user_id: str, channel: str, summary: str, need: str = "", region: str = "",
             region_code: str = "", contact_phone: str = "", consent: bool = False,
             due_date: date | str | None = None, actor: str = "bot") -> Case:
        """Open a case with the next number of the day.

        A phone number is personal data: it is stored only with the person's consent (同意), and
        refused otherwise so a caller cannot keep one by mistake.
        """
        phone = _validated_phone(kind, contact_phone, consent)
        moment = self._clock()
        day = moment.astimezone(CHINA_TZ).date()
        due = _iso_date(due_date) or add_working_days(day, _DUE_WORKING_DAYS[kind]).isoformat()
        row = {"kind": kind, "user_id": user_id, "channel": channel, "need": need, "region": region,
               "region_code": region_code, "contact_phone": phone, "consent": int(bool(consent)),
               "summary": summary, "status": "new", "assignee": "", "due_date": due,
               "created_at": _utc(moment), "updated_at": _utc(moment)}
        with self.db.transaction():
            row["number"] = self._next_number(kind, day)
            case_id = self._insert("cases", row)
            self._event(case_id, actor, "open", "new", "", row["created_at"])
        return self._by_id(case_id)

    def _next_number(self, kind: str, day: date) -> str:
        """Per-day counter; openers take turns (SQLite's BEGIN IMMEDIATE, an advisory lock on
        PostgreSQL), and the unique index on `number` would refuse a duplicate even if they did
        not. The longest number is the latest: the counter is zero-padded to four digits."""
        prefix = f"{KIND_PREFIXES[kind]}-{day:%Y%m%d}-"
        self.db.serialize("case numbers")
        row = self._execute("SELECT number FROM cases WHERE number LIKE ? ORDER BY length(number) DESC, number DESC "
                            "LIMIT 1", [prefix + "%"]).fetchone()
        return f"{prefix}{(int(row[0][len(prefix):]) if row else 0) + 1:04d}"

    # -- reading -----------------------------------------------------------------------------
    def get(self, number: str) -> Case | None:
        rows = self._cases("SELECT * FROM cases WHERE number = ?", [number])
        return rows[0] if rows else None

    def list(self, status: str | None = None, kind: str | None = None, assignee: str | None = None,
             user_id: str | None = None, overdue: bool = False, today: date | None = None) -> list[Case]:
        """Cases matching every given filter, newest first; `overdue` keeps open cases past due."""
        where, params = ["1=1"], []
        for column, value in (("status", status), ("kind", kind), ("assignee", assignee), ("user_id", user_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if overdue:
            where.append(f"status IN ({', '.join('?' * len(OPEN_STATUSES))}) AND due_date != '' AND due_date < ?")
            params += [*OPEN_STATUSES, _iso_date(today or self.today())]
        sql = f"SELECT * FROM cases WHERE {' AND '.join(where)} ORDER BY id DESC"
        return self._cases(sql, params)

    def counts(self) -> dict[str, int]:
        """Cases per status, every status present (zeros included), for a summary line."""
        rows = self._execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall()
        return {status: 0 for status in STATUS_LABELS} | {status: n for status, n in rows}

    def overdue_count(self, today: date | None = None) -> int:
        return len(self.list(overdue=True, today=today))

    def events(self, number: str) -> list[CaseEvent]:
        case = self._require(number)
        rows = self._execute("SELECT id, case_id, at, actor, action, status, note FROM case_events "
                             "WHERE case_id = ? ORDER BY id", [case.id]).fetchall()
        return [CaseEvent(*row) for row in rows]

    def is_overdue(self, case: Case, today: date | None = None) -> bool:
        """Open and past its due date (a case due today is not yet overdue)."""
        return case.is_open and bool(case.due_date) and case.due_date < _iso_date(today or self.today())

    # -- changing ----------------------------------------------------------------------------
    def transition(self, number: str, status: str, actor: str, note: str = "") -> Case:
        """Move a case forward one step, or close it; the same status again changes nothing."""
        if status not in STATUS_LABELS:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUS_LABELS)}")
        with self.db.transaction():
            case = self._require(number, lock=True)
            if case.status == status:
                return case
            _check_transition(case.status, status)
            return self._change(case, {"status": status}, actor, "status", note)

    def reopen(self, number: str, actor: str, note: str = "") -> Case:
        """A finished case taken up again (closed by mistake, or the elder calls back): 处理中,
        with the reopening in the trail; an open case stays as it is."""
        with self.db.transaction():
            case = self._require(number, lock=True)
            if case.is_open:
                return case
            return self._change(case, {"status": "in_progress"}, actor, "reopen", note)

    def describe(self, number: str, need: str, summary: str, actor: str) -> Case:
        """Correct what the case is about (the bot may have stored a place as the need); the trail
        keeps the wording it replaces."""
        with self.db.transaction():
            case = self._require(number, lock=True)
            fields = (("需求", case.need, need), ("情况说明", case.summary, summary))
            before = [f"{label}原为：{old or '（空）'}" for label, old, new in fields if old != new]
            if not before:
                return case
            return self._change(case, {"need": need, "summary": summary}, actor, "edit", "\n".join(before))

    def assign(self, number: str, assignee: str, actor: str) -> Case:
        with self.db.transaction():
            case = self._require(number, lock=True)
            return self._change(case, {"assignee": assignee.strip()}, actor, "assign", assignee.strip())

    def add_note(self, number: str, note: str, actor: str) -> Case:
        if not note.strip():
            raise ValueError("an empty note says nothing")
        with self.db.transaction():
            return self._change(self._require(number, lock=True), {}, actor, "note", note.strip())

    def set_due(self, number: str, due: date | str, actor: str) -> Case:
        value = _iso_date(due)
        with self.db.transaction():
            return self._change(self._require(number, lock=True), {"due_date": value}, actor, "due", value)

    # -- internals ---------------------------------------------------------------------------
    def _change(self, case: Case, changes: dict, actor: str, action: str, note: str) -> Case:
        """Apply `changes` and record the event, inside the caller's transaction."""
        stamp = _utc(self._clock())
        changes = changes | {"updated_at": stamp}
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self._execute(f"UPDATE cases SET {assignments} WHERE id = ?", [*changes.values(), case.id])
        self._event(case.id, actor, action, changes.get("status", case.status), note, stamp)
        return self._by_id(case.id)

    def _event(self, case_id: int, actor: str, action: str, status: str, note: str, stamp: str) -> None:
        self._insert("case_events", {"case_id": case_id, "at": stamp, "actor": actor, "action": action,
                                     "status": status, "note": note})

    def _insert(self, table: str, row: dict) -> int:
        """Plain SQL inside the caller's transaction; returns the new row id."""
        sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) RETURNING id"
        return self._execute(sql, row.values()).fetchone()[0]

    def _execute(self, sql: str, params=()):
        return self.db.connection().execute(sql, list(params))

    def _cases(self, sql: str, params=()) -> list[Case]:
        return [_case_from(row) for row in dict_rows(self._execute(sql, params))]

    def _require(self, number: str, lock: bool = False) -> Case:
        """The case, or CaseNotFound; `lock` inside a change's transaction keeps another node
        from changing it before this change commits (FOR UPDATE on PostgreSQL)."""
        rows = self._cases(f"SELECT * FROM cases WHERE number = ?{self.db.for_update if lock else ''}", [number])
        if not rows:
            raise CaseNotFound(number)
        return rows[0]

    def _by_id(self, case_id: int) -> Case:
        return self._cases("SELECT * FROM cases WHERE id = ?", [case_id])[0]


def _check_transition(current: str, wanted: str) -> None:
    if current in FINAL_STATUSES:
        raise ValueError(f"case is {STATUS_LABELS[current]} ({current}); a finished case cannot change status")
    if wanted != "closed" and _NEXT.get(current) != wanted:
        raise ValueError(f"a case goes {current} → {_NEXT[current]} or closed, not → {wanted}")


_COLUMNS = tuple(field.name for field in fields(Case))


def _case_from(values: dict) -> Case:
    """A row as a Case: NULL text columns read as '' so callers never test for None."""
    data = {name: values.get(name) for name in _COLUMNS}
    text = {name: data[name] or "" for name in _COLUMNS if name not in ("id", "consent")}
    return Case(**(data | text | {"consent": bool(data["consent"])}))
