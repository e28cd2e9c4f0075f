"""Two advisors on one record: when a save arrives for a version that is no longer current, the
advisor sees, field by field, what the colleague saved next to what they typed, and picks — so
neither change is lost without someone deciding it. Old versions come back the same audited way.
"""
from __future__ import annotations

from dataclasses import dataclass

from knowledge.attr_labels import COMMON
from knowledge.records import UNIT_LABELS, Record, RecordError
from knowledge.store import StoredRecord, Version
from webhook.console.records_form import FIELDS, KIND_LABELS, SOURCE_KINDS, values_of

FORM_LABELS = {"kind": "类别", "title": "标题", "text": "正文", "region": "地区", "source_kind": "出处",
               "source_title": "来源文件标题", "source_issuer": "发文机关", "doc_no": "文号", "source_date": "发文日期",
               "source_file": "文件名", "author": "编写人", "written_on": "编写日期", "valid_from": "生效日期",
               "valid_to": "失效日期", "tags": "标签", "heading_path": "条款层级", "amount": "金额（原文）",
               "amount_yuan": "金额（元）", "beds": "床位数", "attrs": "其他信息",
               **{f"units_{role}": label for role, label in UNIT_LABELS.items()},
               **{f"attr_{key}": label for key, label in COMMON.items()}}
SHOWN_AS = {"kind": KIND_LABELS, "source_kind": SOURCE_KINDS}  # values shown by their Chinese name


@dataclass
class Choice:
    """One field the two versions disagree on; `take_mine` is the preselected side."""

    name: str
    label: str
    theirs: str
    mine: str
    take_mine: bool

    def shown(self, value: str) -> str:
        return SHOWN_AS.get(self.name, {}).get(value, value) or "（空）"


@dataclass
class Conflict:
    current: StoredRecord
    by: Version | None  # who saved the version the advisor did not see
    agreed: dict  # fields both sides hold the same way (or only the colleague changed)
    choices: list[Choice]


def conflict(current: StoredRecord, mine: dict, base: Version | None, history: list[Version]) -> Conflict:
    """Compare the advisor's form with the current record, field by field. Where they differ,
    a field the advisor changed since opening the form is preselected as theirs to keep, one
    only the colleague changed as the colleague's; either way both are shown."""
    theirs = values_of(current.record)
    started = _values(base) if base else {}
    agreed, choices = {}, []
    for name in FIELDS:
        if name == "id":
            continue
        if mine.get(name, "") == theirs.get(name, ""):
            agreed[name] = theirs.get(name, "")
            continue
        take_mine = not started or mine.get(name, "") != started.get(name, "")
        choices.append(Choice(name, FORM_LABELS.get(name, name), theirs.get(name, ""), mine.get(name, ""), take_mine))
    return Conflict(current, history[-1] if history else None, agreed, choices)


def version_record(version: Version) -> Record | None:
    """A stored version's content as a record again (None if it no longer passes today's rules)."""
    try:
        return Record.from_dict(version.data)
    except RecordError:
        return None


def _values(version: Version) -> dict:
    record = version_record(version)
    return values_of(record) if record else {}
