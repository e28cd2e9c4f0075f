"""Directories of institutions, services, bases or subsidies from .csv and .json files.

Headers may be Chinese or English (名称/name, 市/city, 地址/address …); columns we do not know
are kept as attributes rather than dropped. Each bad row is reported as `file:line: reason`
and skipped, so one typo does not cost the other rows.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from knowledge.importers.docregion import full_name_counts
from knowledge.records import KINDS, Record, RecordError
from knowledge.regions import Region, resolve

# canonical field → headers people use for it (compared after lower-casing and trimming)
HEADERS = {
    "name": ("名称", "机构名称", "服务名称", "基地名称", "项目名称", "name", "title", "institution"),
    "kind": ("类别", "种类", "记录类型", "kind"),
    "type": ("类型", "服务类型", "机构类型", "性质", "机构性质", "type", "category"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "地市", "所属地市", "city"),
    "district": ("区", "县", "区县", "县区", "县/区", "district", "county"),
    "street": ("街道", "乡镇", "镇街", "street", "town"),
    "region": ("地区", "区域", "region"),
    "address": ("地址", "详细地址", "机构地址", "服务地址", "address"),
    "phone": ("电话", "联系电话", "电话号码", "联系方式", "咨询电话", "phone", "tel", "telephone"),
    "beds": ("床位", "床位数", "床位数量", "核定床位", "beds"),
    "hours": ("开放时间", "服务时间", "营业时间", "hours", "opening_hours"),
    "price": ("价格", "收费", "收费标准", "price", "fee"),
    "eligibility": ("服务对象", "适用对象", "申请条件", "eligibility", "who"),
    "contact": ("联系人", "负责人", "院长", "contact", "manager"),
    "amount": ("金额", "补贴金额", "补贴标准", "amount"),
    "how_to_apply": ("申请方式", "办理流程", "how_to_apply"),
    "deadline": ("截止日期", "截止时间", "deadline"),
    "office": ("负责部门", "经办部门", "主管部门", "office"),
    "text": ("简介", "介绍", "说明", "内容", "description", "text"),
    "tags": ("标签", "关键词", "tags"),
    "source": ("来源", "来源文件", "source"),
    "date": ("日期", "发布日期", "date"),
    "id": ("编号", "id"),
}
_HEADER_INDEX = {alias.lower(): canonical for canonical, aliases in HEADERS.items() for alias in aliases}
_KIND_WORDS = {"政策": "policy", "服务": "service", "机构": "service", "基地": "base", "补贴": "subsidy", "补助": "subsidy"}
_PHONE = re.compile(r"^[0-9+()（）\-\s、/,，转]{5,40}$")
_NO_VALUE = re.compile(r"^(?:未知|不详|暂无|无|[-—–/／]+|n/?a|null)$", re.I)  # a cell saying it has no value
_TEXT_FIELDS = ("type", "street", "address", "phone", "contact", "hours", "beds", "price", "eligibility", "amount",
                "how_to_apply", "deadline", "office")
_LABELS = {"type": "类型", "street": "街道", "contact": "联系人", "address": "地址", "phone": "电话", "hours": "开放时间",
           "beds": "床位", "price": "收费", "eligibility": "服务对象", "amount": "金额", "how_to_apply": "申请方式",
           "deadline": "截止", "office": "负责部门"}


@dataclass
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


@dataclass
class ParsedRows:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


_UNIT = re.compile(r"\s*[(（]([^()（）]{1,12})[)）]\s*$")  # '价格(元/月)': the unit in brackets


def canonical_header(header: str) -> str | None:
    """The field a header names; a unit in brackets does not change it ('床位(张)' is 床位), and
    a program's key is read by its words (institutionName, contact_phone, shopCountryName)."""
    text = (header or "").strip().lstrip("\ufeff").lower()
    return _HEADER_INDEX.get(text) or _HEADER_INDEX.get(_UNIT.sub("", text)) or _program_key(header or "")


_KEY_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_PLACE_LEVELS = {"county": "district", "district": "district", "country": "district", "area": "district",
                 "city": "city", "province": "province", "street": "street", "town": "street"}
_KEY_FIELDS = (({"phone", "tel", "telephone", "mobile"}, "phone"), ({"address", "addr", "location"}, "address"),
               ({"hours", "time"}, "hours"), ({"type", "category"}, "type"),
               ({"introduce", "introduction", "intro", "description"}, "text"), ({"beds"}, "beds"),
               ({"manager", "contact", "principal"}, "contact"))


def _program_key(header: str) -> str | None:
    """institutionName → name, countyName → district, contactPhone → phone, officeHours → hours."""
    if not header.isascii():
        return None
    words = [w.lower() for w in _KEY_WORDS.findall(header)]
    if not words:
        return None
    if words[-1] == "name":
        return next((_PLACE_LEVELS[w] for w in words[:-1] if w in _PLACE_LEVELS), "name")
    return next((field for keys, field in _KEY_FIELDS if keys & set(words)), None)


def header_unit(header: str) -> str:
    """'价格(元/月)' → '元/月', so the unit stays with the value in the text an elder reads."""
    match = _UNIT.search((header or "").strip())
    return match.group(1) if match else ""


def rows_from_csv(text: str) -> list[tuple[int, dict[str, str], list[str]]]:
    """(first line of the row, header → value, extra cells) for each data row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    rows, start = [], reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((start, dict(zip(header, cells)), cells[len(header):]))
        start = reader.line_num + 1
    return rows


def row_to_record(file: str, line: int, row: dict, kind: str | None, region: Region) -> Record:
    """One directory row → a Record; raises RecordError with a reason an operator can act on."""
    known, extra = _split_columns(row)
    name = (known.get("name") or "").strip()
    if not name:
        raise RecordError("no name (名称/name column is empty)")
    record_kind = _kind_of(known, kind)
    attrs = _attrs(known) | extra
    return Record.from_dict({
        "id": _given_id(known.get("id", "")) or _row_id(file, name, known.get("address", "")),
        "kind": record_kind, "title": name, "text": _describe(name, known, extra),
        "region": _region_text(known, region), "source": _source(file, known),
        "tags": [t for t in re.split(r"[,，、;；\s]+", known.get("tags", "")) if t], "attrs": attrs,
    })


def _split_columns(row: dict) -> tuple[dict[str, str], dict[str, str]]:
    known, extra = {}, {}
    for header, value in row.items():
        value = _stated(value)
        canonical = canonical_header(str(header))
        if canonical == "phone" and known.get("phone") and value:
            known["phone"] += f"、{value}"  # a second phone column (shopTelephone, servicePhone): both are numbers to call
            continue
        if canonical and canonical in known:
            canonical = None  # a second column for the same field (shopName, then subShopName) is kept as is
        if canonical:
            value = str(value) if value is not None else ""
            unit = header_unit(str(header))
            priced = unit and canonical != "beds" and re.search(r"\d", value)
            known[canonical] = f"{value}（{unit}）" if priced else value
        elif header and value not in (None, ""):
            extra[str(header).strip()] = value
    return known, extra


def _stated(value):
    """A cell's value; '未知', '不详' or '—' says the value is not known, which is an empty cell
    (a home whose bed count is unknown is still a home), not a bad row."""
    value = (value or "").strip() if isinstance(value, str) else value
    return "" if isinstance(value, str) and _NO_VALUE.match(value) else value


def _kind_of(known: dict, kind: str | None) -> str:
    written = (known.get("kind") or "").strip()
    if written:
        mapped = written.lower() if written.lower() in KINDS else next(
            (k for word, k in _KIND_WORDS.items() if word in written), None)
        if not mapped:
            raise RecordError(f"kind {written!r}: must be one of {', '.join(KINDS)} (or 政策/服务/基地/补贴)")
        return mapped
    if kind:
        return kind
    type_text = known.get("type", "")
    return next((k for word, k in _KIND_WORDS.items() if word in type_text), "service")


def _attrs(known: dict) -> dict:
    attrs = {key: known[key] for key in _TEXT_FIELDS if known.get(key)}
    if "beds" in attrs:
        beds = re.fullmatch(r"约?\s*(\d{1,6})\s*(?:张|床|个)?", attrs["beds"])
        if not beds:
            raise RecordError(f"beds {attrs['beds']!r}: not a whole number")
        attrs["beds"] = int(beds.group(1))
    if "phone" in attrs and not _PHONE.match(attrs["phone"]):
        raise RecordError(f"phone {attrs['phone']!r}: not a phone number")
    return attrs


def _describe(name: str, known: dict, extra: dict) -> str:
    """A readable sentence from the row's columns, so the bot can quote it to an elder;
    columns we have no name for are read out under their own headers (特色服务：…)."""
    facts = [f"{_LABELS[key]}：{_beds_text(known[key]) if key == 'beds' else known[key]}"
             for key in _TEXT_FIELDS if known.get(key)]
    facts += [f"{header}：{value}" for header, value in extra.items()
              if isinstance(value, str) and value and not header.isascii()]  # longitude, zipCode stay attributes
    body = known.get("text", "").strip()
    return "。".join(part for part in (f"{name}", "；".join(facts), body) if part) + "。"


def _beds_text(beds: str) -> str:
    return beds if re.search(r"[张床个]$", beds) else beds + "张"


def _region_text(known: dict, fallback: Region) -> str:
    """The row's region columns; a district named in the address narrows a city column
    ('西安' + '未央区三桥…' → 陕西省西安市未央区) when it lies in that city."""
    written = "".join(known.get(k, "") for k in ("province", "city", "district", "region"))
    if not written:
        return fallback.name
    region = resolve(fallback.name + written) if fallback.code else resolve(written)
    if not region.code:
        raise RecordError(f"region {written!r}: not a known 省/市/县/区 name")
    return _narrowed_by_address(region, known.get("address", "") + " " + known.get("name", "")).name


def _narrowed_by_address(region: Region, text: str) -> Region:
    if region.county or not region.code:
        return region
    inside = [Region(code) for code in full_name_counts(text) if Region(code).county]
    return next((place for place in inside if region.contains(place)), region)


def _source(file: str, known: dict) -> dict:
    return {"title": known.get("source") or file, "file": file, "date": _iso_date(known.get("date", ""))}


def _iso_date(text: str) -> str:
    match = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text.strip())
    if not text.strip():
        return ""
    if not match:
        raise RecordError(f"date {text!r}: expected e.g. 2024-12-26 or 2024年12月26日")
    return "{}-{:02d}-{:02d}".format(*map(int, match.groups()))


def _given_id(value: str) -> str:
    """A row's own id when it names a record ('doc-5ab06aa8-1', from `advisor export`); a bare
    row number ('1', '2') is no id: it would collide with every other file's row 1."""
    value = str(value or "").strip()
    return "" if value.isdigit() else value


def _row_id(file: str, name: str, address: str) -> str:
    """Stable across row order and re-imports: derived from the file, the name and the address."""
    digest = hashlib.sha1(f"{file}\n{name}\n{address}".encode()).hexdigest()[:12]
    return f"dir-{digest}"
