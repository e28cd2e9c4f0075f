"""The four kinds of knowledge record and their provenance.

A Record is what the advisor cites: every one carries its source document (title, issuer,
文号, date, file) so an answer can always say where a fact comes from.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from datetime import date

from knowledge.clock import china_today
from knowledge.regions import Region, resolve, from_code

KINDS = ("policy", "service", "base", "subsidy")
UNIT_LABELS = {"responsible": "责任单位", "lead": "牵头部门", "partners": "配合部门"}
UNIT_ROLES = tuple(UNIT_LABELS)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
# A record no document backs is written by an advisor: the source then names who wrote it and when
# (title = this phrase, issuer = the author), so the elder still reads where the answer comes from.
ADVISOR_WRITTEN = "社区养老顾问编写"


class RecordError(ValueError):
    """A record that cannot be stored; the message says which field and why."""


@dataclass(frozen=True)
class Source:
    title: str = ""
    issuer: str = ""
    doc_no: str = ""  # 文号, exactly as written: 南民发〔2024〕14号
    date: str = ""  # ISO YYYY-MM-DD
    file: str = ""

    @classmethod
    def from_dict(cls, data: dict | None) -> "Source":
        data = data or {}
        return cls(**{f.name: str(data.get(f.name) or "").strip() for f in fields(cls)})

    def citation(self) -> str:
        """《title》文号，date — the line an answer ends with; 社区养老顾问编写（author，date) for
        an advisor's own record."""
        if self.is_advisor_written:
            return f"{ADVISOR_WRITTEN}（{'，'.join(p for p in (self.issuer, self.date) if p)}）"
        parts = [f"《{self.title}》" if self.title else "", self.doc_no]
        head = "".join(p for p in parts if p) or self.issuer
        return "，".join(p for p in (head, self.date) if p)

    @property
    def is_advisor_written(self) -> bool:
        return self.title == ADVISOR_WRITTEN

    @property
    def key(self) -> str:
        """Which document this is, for keeping a conversation inside it: the imported file, else
        its 文号, else its title ('' for a record no document backs)."""
        if self.is_advisor_written:
            return ""
        return self.file or self.doc_no or self.title


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    title: str
    text: str
    region: Region = Region("")
    source: Source = Source()
    heading_path: tuple[str, ...] = ()
    units: dict = field(default_factory=dict)
    valid_from: str = ""
    valid_to: str = ""
    tags: tuple[str, ...] = ()
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        _check(self)

    @cached_property
    def content_hash(self) -> str:
        """Hash of everything a reader sees, so re-importing an unchanged record is a no-op."""
        return hash_content(self.content())

    def content(self) -> dict:
        """The record as plain data (the export format, without store bookkeeping)."""
        return {"id": self.id, "kind": self.kind, "title": self.title, "text": self.text,
                "region": self.region.name, "source": self.source.__dict__.copy(),
                "heading_path": list(self.heading_path), "units": self.units, "valid_from": self.valid_from,
                "valid_to": self.valid_to, "tags": list(self.tags), "attrs": self.attrs,
                "region_code": self.region.code}

    def is_current(self, today: str | None = None) -> bool:
        today = today or china_today().isoformat()
        return (not self.valid_from or self.valid_from <= today) and (not self.valid_to or today <= self.valid_to)

    @classmethod
    def from_dict(cls, data: dict, defaults: dict | None = None) -> "Record":
        """Build from export/curated JSON; `defaults` supplies a file-level source and region."""
        defaults = defaults or {}
        try:
            return cls(
                id=str(data.get("id") or "").strip(),
                kind=str(data.get("kind") or defaults.get("kind") or "").strip(),
                title=str(data.get("title") or "").strip(),
                text=str(data.get("text") or "").strip(),
                region=_region_of(data, defaults),
                source=Source.from_dict({**(defaults.get("source") or {}), **(data.get("source") or {})}),
                heading_path=tuple(str(h) for h in data.get("heading_path") or ()),
                units=_units(data.get("units")),
                valid_from=_iso(data.get("valid_from"), "valid_from"),
                valid_to=_iso(data.get("valid_to"), "valid_to"),
                tags=tuple(dict.fromkeys(str(t).strip() for t in data.get("tags") or () if str(t).strip())),
                attrs=dict(data.get("attrs") or {}),
            )
        except (TypeError, AttributeError) as exc:
            raise RecordError(f"malformed record: {exc}") from None

    def with_changes(self, **changes) -> "Record":
        return replace(self, **changes)


def hash_content(content: dict) -> str:
    """The content hash of a record's plain data (`Record.content()`), also of one kept in the
    version history: comparing it tells whether the store still holds what a version wrote."""
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _region_of(data: dict, defaults: dict) -> Region:
    code = str(data.get("region_code") or "")
    if code and "region" not in data:
        return from_code(code)
    written = data["region"] if "region" in data else defaults.get("region", "")
    return resolve(str(written or ""))


def _units(raw) -> dict:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise RecordError("units must be an object with responsible/lead/partners lists")
    unknown = set(raw) - set(UNIT_ROLES)
    if unknown:
        raise RecordError(f"units: unknown role(s) {sorted(unknown)}; use {list(UNIT_ROLES)}")
    return {role: [str(u) for u in raw.get(role) or ()] for role in UNIT_ROLES if raw.get(role)}


def _iso(value, name: str) -> str:
    text = str(value or "").strip()
    if text:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise RecordError(f"{name}: {text!r} is not a YYYY-MM-DD date") from None
    return text


def _check(record: Record) -> None:
    if not _ID.match(record.id):
        raise RecordError(f"id {record.id!r}: use lower-case letters, digits, '.', '-' or '_' (max 128)")
    if record.kind not in KINDS:
        raise RecordError(f"kind {record.kind!r}: must be one of {', '.join(KINDS)}")
    if not record.title:
        raise RecordError("title is empty")
    if not record.text:
        raise RecordError("text is empty")
    if record.source.date:
        _iso(record.source.date, "source.date")
