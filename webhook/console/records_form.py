"""The record form: a record as the strings an HTML form holds, and back, with every mistake
reported against its field in Chinese — so a bad date or an unknown place never reaches the
store and the advisor keeps what they typed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from knowledge import attr_labels
from knowledge.clock import china_today
from knowledge.records import ADVISOR_WRITTEN, KINDS, UNIT_ROLES, Record, RecordError, Source
from knowledge.regions import NATIONAL, Region, resolve
from knowledge.store import Store

KIND_LABELS = {"policy": "政策", "service": "服务", "base": "基地", "subsidy": "补贴"}
NATIONAL_WORDS = ("", "全国", "全国通用", "national")
AMOUNT_KEYS = ("amount", "amount_yuan", "beds")  # attrs with their own inputs, checked as numbers
OWN_INPUTS = AMOUNT_KEYS + tuple(attr_labels.COMMON)  # attrs with an input of their own
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ATTR_LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$")

# Words of the answer prompt the unanswered list once put into the text: a record still holding
# them is a draft nobody finished, and the bot would read it out as the answer.
PLACEHOLDER_MARKS = ("请在这里写答案", "请在这里填写", "用户的问法：")
SOURCE_KINDS = {"document": "有文件依据", "advisor": ADVISOR_WRITTEN}

FIELDS = ("id", "kind", "title", "text", "region", "source_kind", "source_title", "source_issuer", "doc_no",
          "source_date", "source_file", "author", "written_on", "valid_from", "valid_to", "tags", "heading_path", "units_responsible", "units_lead",
          "units_partners", "amount", "amount_yuan", "beds", *(f"attr_{key}" for key in attr_labels.COMMON), "attrs")


@dataclass
class Parsed:
    """What a submitted form became: a record, or the errors by field name."""

    values: dict
    record: Record | None = None
    errors: dict = field(default_factory=dict)
    region: Region = NATIONAL


def blank(kind: str = "service", author: str = "") -> dict:
    """An empty form; an advisor-written source is signed by whoever opens it, dated today."""
    return {name: "" for name in FIELDS} | {"kind": kind if kind in KINDS else "service", "source_kind": "document",
                                            "author": author, "written_on": china_today().isoformat()}


def values_of(record: Record) -> dict:
    """The form's strings for an existing record."""
    attrs = record.attrs
    src = record.source
    return {
        "id": record.id, "kind": record.kind, "title": record.title, "text": record.text,
        "region": record.region.name or "全国", **_source_values(src),
        "valid_from": record.valid_from, "valid_to": record.valid_to, "tags": "、".join(record.tags),
        "heading_path": " › ".join(record.heading_path),
        **{f"units_{role}": "、".join(record.units.get(role, ())) for role in UNIT_ROLES},
        **{key: _plain(attrs[key]) if key in attrs else "" for key in AMOUNT_KEYS},
        **{f"attr_{key}": _plain(attrs[key]) if key in attrs else "" for key in attr_labels.COMMON},
        "attrs": "\n".join(f"{attr_labels.label(k)}: {_plain(v)}" for k, v in attrs.items() if k not in OWN_INPUTS),
    }


def _source_values(src: Source) -> dict:
    if src.is_advisor_written:
        return {"source_kind": "advisor", "author": src.issuer, "written_on": src.date} | dict.fromkeys(
            ("source_title", "source_issuer", "doc_no", "source_date", "source_file"), "")
    return {"source_kind": "document", "source_title": src.title, "source_issuer": src.issuer, "doc_no": src.doc_no,
            "source_date": src.date, "source_file": src.file, "author": "", "written_on": ""}


def parse(form, store: Store, existing: Record | None = None) -> Parsed:
    """Validate a submitted form; `existing` is the record being edited (its id is fixed)."""
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["text"] = str(form.get("text", "")).strip().replace("\r\n", "\n")
    values["source_kind"] = values["source_kind"] or "document"  # a form without the choice names a document
    parsed, errors = Parsed(values), {}
    kind = values["kind"]
    if kind not in KINDS:
        errors["kind"] = "请选择记录类别。"
    record_id = existing.id if existing else _new_id(values, store, errors)
    for name, label in (("title", "标题"), ("text", "正文")):
        if not values[name]:
            errors[name] = f"{label}不能为空。"
    if any(mark in values["text"] for mark in PLACEHOLDER_MARKS):
        errors["text"] = "正文里还有提示文字（如“请在这里写答案”“用户的问法”）：请换成给老人的答案再保存。"
    parsed.region = _region(values["region"], errors)
    dates = {name: _date(values, name, errors) for name in ("valid_from", "valid_to", "source_date", "written_on")}
    source = _source(values, dates, errors)
    if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
        errors["valid_to"] = "失效日期不能早于生效日期。"
    attrs = _attrs(values, errors, existing.attrs if existing else {})
    if errors:
        parsed.errors = errors
        return parsed
    try:
        parsed.record = Record(
            id=record_id, kind=kind, title=values["title"], text=values["text"], region=parsed.region,
            source=source,
            heading_path=tuple(p.strip() for p in re.split(r"[›>]", values["heading_path"]) if p.strip()),
            units={role: items for role in UNIT_ROLES if (items := split_units(values[f"units_{role}"]))},
            valid_from=dates["valid_from"], valid_to=dates["valid_to"],
            tags=tuple(dict.fromkeys(t for t in _TAG_SPLIT.split(values["tags"]) if t)), attrs=attrs)
    except RecordError as exc:  # a rule of the record itself that the checks above missed
        parsed.errors = {"_": f"记录无法保存：{exc}"}
    return parsed


def _source(values: dict, dates: dict, errors: dict) -> Source:
    """Every record says where it comes from: a document (its title or 文号), or the advisor who
    wrote it and when — an answer with no 来源 line is one an elder cannot check."""
    if values["source_kind"] == "advisor":
        if not values["author"]:
            errors["author"] = "请写上编写人的姓名。"
        if not values["written_on"]:
            errors.setdefault("written_on", "请写上编写日期，如 2026-12-03。")
        return Source(ADVISOR_WRITTEN, values["author"], "", dates["written_on"], "")
    if values["source_kind"] != "document":
        errors["source_kind"] = "请选择出处：有文件依据，或社区养老顾问编写。"
    elif not (values["source_title"] or values["doc_no"]):
        errors["source_title"] = ("请写明来源文件的标题或文号；没有文件依据的，请选“社区养老顾问编写”，"
                                  "写上编写人和日期。")
    return Source(values["source_title"], values["source_issuer"], values["doc_no"], dates["source_date"],
                  values["source_file"])


def new_id(kind: str, store: Store, today: str | None = None) -> str:
    """kind-YYYYMMDD-n, the first n not taken: readable, sortable, and never a collision."""
    stamp = (today or china_today().isoformat()).replace("-", "")
    counter = 1
    while store.get(f"{kind}-{stamp}-{counter}") is not None:
        counter += 1
    return f"{kind}-{stamp}-{counter}"


def _new_id(values: dict, store: Store, errors: dict) -> str:
    typed = values["id"]
    if not typed:
        return new_id(values["kind"] if values["kind"] in KINDS else "record", store)
    if not _ID.match(typed) or typed == "new":
        errors["id"] = "编号只能用小写字母、数字和 . - _，最长 128 个字符；留空则自动生成。"
    elif store.get(typed) is not None:
        errors["id"] = f"编号 {typed} 已被使用，请换一个或留空自动生成。"
    return typed


def _region(text: str, errors: dict) -> Region:
    if text in NATIONAL_WORDS:
        return NATIONAL
    region = resolve(text)
    if not region.code:
        errors["region"] = f"不认识的地区「{text}」：请写省、市或县/区的名称，如“南宁市”“天河区”，全国通用请写“全国”。"
    return region


def _date(values: dict, name: str, errors: dict) -> str:
    text = values[name]
    if not text:
        return ""
    match = _DATE.match(text)
    try:
        if not match:
            raise ValueError
        return date(*map(int, match.groups())).isoformat()
    except ValueError:
        errors[name] = f"「{text}」不是有效日期，请写成 2024-01-31。"
        return ""


def split_units(text: str) -> list[str]:
    """Split on 、，; and new lines, but not inside brackets: 各县（市、区）人民政府 stays whole."""
    items, depth, current = [], 0, ""
    for char in text:
        if char in "（(【[":
            depth += 1
        elif char in "）)】]":
            depth = max(depth - 1, 0)
        if depth == 0 and char in "、,，;；\n":
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item.strip() for item in items if item.strip()]


def _attrs(values: dict, errors: dict, before: dict) -> dict:
    attrs = _other_attrs(values["attrs"], errors, before)
    attrs |= {key: values[f"attr_{key}"] for key in attr_labels.COMMON if values[f"attr_{key}"]}
    if values["amount"]:
        attrs["amount"] = values["amount"]
    yuan = _number(values["amount_yuan"].replace(",", "").replace("，", ""), integer=False)
    if yuan is None:
        errors["amount_yuan"] = "金额（元）只能填数字，如 3180000 或 1500.5（不写“万元”等单位）。"
    elif yuan != "":
        attrs["amount_yuan"] = yuan
    beds = _number(values["beds"], integer=True)
    if beds is None:
        errors["beds"] = "床位数只能填不小于 0 的整数。"
    elif beds != "":
        attrs["beds"] = beds
    return attrs


def _number(text: str, integer: bool):
    """'' for empty, the number when valid, None when not a non-negative number."""
    if not text:
        return ""
    if not _NUMBER.match(text) or text.startswith("-") or (integer and "." in text):
        return None
    number = float(text)
    return int(number) if number.is_integer() else number


def _other_attrs(text: str, errors: dict, before: dict) -> dict:
    """`key: value` lines; numbers and JSON lists stay typed, everything else is text — and a
    value that was text before (a phone number, 0771…) stays text."""
    attrs, problems = {}, []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _ATTR_LINE.match(line)
        if not match:
            problems.append(f"第 {line_no} 行应写成“名称: 值”")
            continue
        written, raw = match.groups()
        key = attr_labels.key_of(written)
        value = _typed(raw)
        if (isinstance(before.get(key), str) or "phone" in key) and not isinstance(value, str):
            value = raw
        if key.endswith("_yuan") and not isinstance(value, (int, float)):
            problems.append(f"第 {line_no} 行“{written}”是金额（元），只能填数字")
            continue
        attrs[key] = value
    if problems:
        errors["attrs"] = "；".join(problems) + "。"
    return attrs


def _typed(raw: str):
    if _NUMBER.match(raw) and not re.match(r"^-?0\d", raw):
        number = float(raw)
        return int(number) if number.is_integer() and "." not in raw else number
    if raw[:1] in "[{\"":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _plain(value) -> str:
    if isinstance(value, (list, dict)) or (isinstance(value, str) and "\n" in value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
