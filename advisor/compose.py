"""Reply text an elder reads on a phone: the fact first, one citation line, at most two next steps.

Everything factual comes from the records; this module only arranges it. Replies longer than
one WeChat message are cut into pages at sentence ends, the rest kept for "更多".
"""
from __future__ import annotations

import re

from knowledge.clock import china_today
from knowledge.records import Record

PAGE_CHARS = 600  # one WeChat message, comfortably under its 2,048-byte limit
MORE_HINT = "（回复“更多”看下一页）"
NEXT_STEPS = "回复1查看怎么办理，回复2转人工"
MENU = ("我可以帮您：\n1. 查政策和补贴（例：高龄津贴怎么领）\n2. 找养老服务和机构（例：附近有哪些养老院）\n"
        "3. 登记需求，请顾问联系您（发“帮我登记”）\n4. 转人工（发“转人工”）")
KEY_FACTS = (("amount", "金额"), ("deadline", "截止"), ("office", "办理部门"), ("address", "地址"), ("phone", "电话"))


def citation(records: list[Record]) -> str:
    """One line naming each distinct source document: 《title》文号，date."""
    lines = list(dict.fromkeys(r.source.citation() for r in records if r.source.citation()))
    return "来源：" + "；".join(lines[:2]) if lines else ""


def validity_note(record: Record, today: str | None = None) -> str:
    """Expired or not yet valid records are shown with the period they covered, never as current."""
    today = today or china_today().isoformat()
    if record.valid_to and record.valid_to < today:
        return f"（注意：这是{_period(record)}的规定，已过期，现行政策请咨询当地民政部门）"
    if record.valid_from and record.valid_from > today:
        return f"（注意：这项规定从{record.valid_from}起施行）"
    return ""


def _period(record: Record) -> str:
    return f"{record.valid_from or '发布'}至{record.valid_to}"


def key_facts(record: Record) -> str:
    """Amount, deadline, office, address, phone the record states but its text does not repeat."""
    facts = [f"{label}：{record.attrs[key]}" for key, label in KEY_FACTS
             if isinstance(record.attrs.get(key), str) and record.attrs[key] and record.attrs[key] not in record.text]
    return "；".join(facts)


def answer(record: Record, region_label: str = "", today: str | None = None, lead: str = "") -> str:
    """A single record's answer: place, the record's own words, key facts, validity. `lead` is
    the sentence holding the asked fact (advisor/facts.py), put first when the record is long."""
    head = f"【{region_label}】" if region_label else ""
    body = f"{lead}\n原文：{record.text}" if lead else record.text
    lines = [head + body, key_facts(record), validity_note(record, today)]
    return "\n".join(line for line in lines if line)


def how_to_apply(record: Record) -> str:
    """What the record says about applying: how, who qualifies, where, by when."""
    parts = [("办理方式", record.attrs.get("how_to_apply")), ("申请条件", record.attrs.get("eligibility")),
             ("办理部门", record.attrs.get("office")), ("截止时间", record.attrs.get("deadline"))]
    found = [f"{label}：{value}" for label, value in parts if isinstance(value, str) and value]
    units = [u for group in record.units.values() for u in group]
    if not found and units:
        found.append(f"文件写明由{'、'.join(dict.fromkeys(units))}负责，可向他们咨询办理。")
    return "\n".join(found)


def _name_key(name: str) -> str:
    """An institution's name compared without brackets' width, spaces or a leading 'XX市'."""
    return re.sub(r"[\s()（）·•.。]", "", name)


def numbered_list(records: list[Record]) -> tuple[str, list[str]]:
    """Institutions numbered 1…n and grouped by place; returns the text and the ids in order."""
    groups: dict[str, list[Record]] = {}
    named: set[str] = set()
    for record in sorted(records, key=_list_position):
        if (key := _name_key(_institution_name(record))) in named:
            continue  # two sources naming one institution (a list in a notice and a directory): listed once
        named.add(key)
        groups.setdefault(record.region.short or record.region.name or "全国", []).append(record)
    lines, ids = [], []
    for place, members in groups.items():
        lines.append(f"{place}：")
        for record in members:
            ids.append(record.id)
            lines.append(f"{len(ids)}. {_institution_name(record)}")
    return "\n".join(lines), ids


def _list_position(record: Record) -> int:
    """The number a record has in its source's list (名单第3号), else last."""
    number = record.attrs.get("list_no")
    return number if isinstance(number, int) else 10_000


def _institution_name(record: Record) -> str:
    name = record.attrs.get("name")
    if isinstance(name, str) and name:
        return name
    title = re.sub(r"^[^：:]{1,12}[：:]", "", record.title)  # 广州：XX养老院（…） → XX养老院（…）
    return re.sub(r"（[^）]*）$", "", title) or record.title


def paginate(text: str, limit: int = PAGE_CHARS) -> list[str]:
    """Cut at sentence or line ends into pages of at most `limit` characters (hint included)."""
    room = limit - len(MORE_HINT)
    pages, rest = [], text
    while len(rest) > limit:
        cut = max(rest.rfind(mark, 0, room) for mark in ("\n", "。", "；", "！", "？"))
        cut = cut + 1 if cut > room // 3 else room
        pages.append(rest[:cut].rstrip() + MORE_HINT)
        rest = rest[cut:].lstrip()
    return pages + [rest] if rest else pages


def join_parts(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p)
