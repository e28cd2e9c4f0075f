"""Finding records and reading their past: the list filters, validity, paging, and a
field-by-field diff between versions — so an advisor can tell at a glance what is in force and
who changed what.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from knowledge.clock import china_today
from knowledge.records import UNIT_LABELS, UNIT_ROLES
from knowledge.regions import NATIONAL, Region, resolve
from knowledge.store import StoredRecord, Version
from webhook.console.records_form import KIND_LABELS, NATIONAL_WORDS

PAGE_SIZE = 50
VALIDITY = {"current": ("有效", "ok"), "pending": ("未生效", "warn"), "expired": ("已过期", "warn"),
            "retired": ("已停用", "bad")}
VALIDITY_CHOICES = {"": "在用（不含已停用）", "current": "有效", "pending": "未生效", "expired": "已过期",
                    "retired": "已停用", "all": "全部（含已停用）"}
ACTION_LABELS = {"insert": "新建", "update": "修改", "retire": "停用", "restore": "恢复"}
FIELD_LABELS = {"kind": "类别", "title": "标题", "text": "正文", "region": "地区", "source.title": "来源标题",
                "source.issuer": "发文机关", "source.doc_no": "文号", "source.date": "发文日期",
                "source.file": "文件", "heading_path": "条款层级", "valid_from": "生效日期", "valid_to": "失效日期",
                "tags": "标签", **{f"units.{role}": UNIT_LABELS[role] for role in UNIT_ROLES}}
SHORT_FIELD = 40  # shorter values are shown whole (old → new); longer ones as a character diff
CONTEXT = 14  # characters of unchanged text kept on each side of a change


def validity(stored: StoredRecord, today: str | None = None) -> str:
    """current / pending / expired / retired — what the badge and the filter show."""
    if stored.status == "retired":
        return "retired"
    today = today or china_today().isoformat()
    record = stored.record
    if record.valid_from and record.valid_from > today:
        return "pending"
    if record.valid_to and record.valid_to < today:
        return "expired"
    return "current"


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    region: str = ""
    source: str = ""
    validity: str = ""
    region_found: Region | None = None  # what `region` resolved to; None when not given
    problem: str = ""
    understood: tuple[str, ...] = ()  # ids the bot's own search finds for `q`, best first

    @classmethod
    def from_args(cls, args) -> "Filters":
        filters = cls(**{name: (args.get(name) or "").strip() for name in ("q", "kind", "region", "source", "validity")})
        if filters.kind not in KIND_LABELS:
            filters.kind = ""
        if filters.validity not in VALIDITY_CHOICES:
            filters.validity = ""
        if filters.region:
            filters.region_found = NATIONAL if filters.region in NATIONAL_WORDS else resolve(filters.region)
            if filters.region_found == NATIONAL and filters.region not in NATIONAL_WORDS:
                filters.problem = f"不认识的地区「{filters.region}」，已忽略这个条件。"
                filters.region_found = None
        return filters

    def args(self) -> dict:
        return {k: v for k, v in (("q", self.q), ("kind", self.kind), ("region", self.region),
                                  ("source", self.source), ("validity", self.validity)) if v}

    def keep(self, stored: StoredRecord, today: str) -> bool:
        record = stored.record
        state = validity(stored, today)
        if (self.validity == "" and state == "retired") or self.validity not in ("", "all", state):
            return False
        if self.kind and record.kind != self.kind:
            return False
        if self.region_found is not None and not _in_region(self.region_found, record.region):
            return False
        if self.source and not _mentions(self.source, record.source.title, record.source.doc_no,
                                         record.source.issuer, record.source.file, stored.origin):
            return False
        return (not self.q or record.id in self.understood
                or _mentions(self.q, record.id, record.title, record.text, " ".join(record.tags)))

    def ranked(self, found: list[StoredRecord]) -> list[StoredRecord]:
        """What the bot's search found first, in its order; the word matches after."""
        rank = {record_id: n for n, record_id in enumerate(self.understood)}
        return sorted(found, key=lambda stored: rank.get(stored.record.id, len(rank)))


def _in_region(wanted: Region, region: Region) -> bool:
    """全国 means records for no particular place; a place means it and everything inside it."""
    return not region.code if not wanted.code else wanted.contains(region)


def _mentions(needle: str, *haystacks: str) -> bool:
    needle = needle.lower()
    return any(needle in (h or "").lower() for h in haystacks)


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int


def paginate(items: list, number: int, size: int = PAGE_SIZE) -> Page:
    pages = max((len(items) + size - 1) // size, 1)
    number = min(max(number, 1), pages)
    return Page(items[(number - 1) * size: number * size], number, pages, len(items))


# -- history -------------------------------------------------------------------------------
@dataclass
class Change:
    label: str
    old: str
    new: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # (equal|del|ins, text) for long values


@dataclass
class Entry:
    version: Version
    label: str
    changes: list[Change]


def history(versions: list[Version]) -> list[Entry]:
    """Newest first; each version with what changed since the one before it."""
    entries, before = [], {}
    for version in versions:
        after = flatten(version.data)
        changes = [] if version.action in ("retire", "restore") or not before else diff(before, after)
        entries.append(Entry(version, ACTION_LABELS.get(version.action, version.action), changes))
        before = after
    return entries[::-1]


def flatten(data: dict) -> dict[str, str]:
    """A version's content as label-able strings: source.title, units.lead, attrs.beds, …"""
    flat = {key: str(data.get(key) or "") for key in ("kind", "title", "text", "region", "valid_from", "valid_to")}
    flat["kind"] = KIND_LABELS.get(flat["kind"], flat["kind"])
    flat["region"] = flat["region"] or "全国"
    flat |= {f"source.{k}": str(v or "") for k, v in (data.get("source") or {}).items()}
    flat["heading_path"] = " › ".join(data.get("heading_path") or ())
    flat["tags"] = "、".join(data.get("tags") or ())
    flat |= {f"units.{role}": "、".join(names) for role, names in (data.get("units") or {}).items()}
    flat |= {f"attrs.{k}": str(v) for k, v in (data.get("attrs") or {}).items()}
    return flat


def diff(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    changes = []
    for key in dict.fromkeys([*after, *before]):
        old, new = before.get(key, ""), after.get(key, "")
        if old == new:
            continue
        label = FIELD_LABELS.get(key) or (f"属性 {key[6:]}" if key.startswith("attrs.") else key)
        long = max(len(old), len(new)) > SHORT_FIELD and old and new
        changes.append(Change(label, old, new, segments(old, new) if long else []))
    return changes


def segments(old: str, new: str) -> list[tuple[str, str]]:
    """A character diff, unchanged stretches shortened to a little context around each change."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(("equal", _shorten(old[i1:i2], first=i1 == 0, last=i2 == len(old))))
            continue
        if i2 > i1:
            parts.append(("del", old[i1:i2]))
        if j2 > j1:
            parts.append(("ins", new[j1:j2]))
    return parts


def _shorten(text: str, first: bool, last: bool) -> str:
    if len(text) <= 2 * CONTEXT + 1:
        return text
    head = "" if first else text[:CONTEXT]
    tail = "" if last else text[-CONTEXT:]
    return f"{head}…{tail}"
