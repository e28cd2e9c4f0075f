"""The metadata block of a government disclosure page (政府信息公开): labelled fields above the text.

Sites print it as a table or a list — '[发文机构] 北京市民政局', '发文字号：京民养老发〔2019〕160号',
'索引号：…  成文日期：2019-09-30  发布日期：2019-10-25' — and it states title, issuer, 文号 and
date more reliably than anything guessed from the text. Left in, its first line ('[主题分类]
民政、扶贫、救灾/社会福利') looks like a headline and became the document's title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.importers.clauses import find_date, fold, squeeze

# label → the field it fills ("" for labels we recognise only to drop)
_LABELS = {
    "标题": "title", "名称": "title", "文件名称": "title", "信息名称": "title",
    "发文机构": "issuer", "发文机关": "issuer", "发布机构": "issuer", "发文单位": "issuer", "制发机关": "issuer",
    "发文字号": "doc_no", "文号": "doc_no", "发文文号": "doc_no",
    "成文日期": "date", "印发日期": "date", "发文日期": "date",
    "发布日期": "published", "公开日期": "published", "发布时间": "published",
    "主题分类": "", "主题词": "", "索引号": "", "联合发文单位": "", "实施日期": "", "废止日期": "",
    "有效性": "", "文件来源": "", "信息来源": "", "公开方式": "", "公开范围": "", "体裁分类": "",
    "组配分类": "", "服务对象": "", "信息分类": "", "所属机构": "", "关键词": "", "时效": "",
}
_LABEL = "|".join(sorted(_LABELS, key=len, reverse=True))
_FIELD = re.compile(rf"(?:^|\s)[-*·]?\s*(?:\[({_LABEL})\]|【({_LABEL})】|({_LABEL})\s*[:：])\s*")


@dataclass
class Disclosure:
    title: str = ""
    issuer: str = ""
    doc_no: str = ""
    date: str = ""
    published: str = ""
    lines: set[int] = field(default_factory=set)  # line numbers of the block


def read_disclosure(lines: list[tuple[int, str]]) -> Disclosure:
    """The labelled fields among `lines` (the header's; a block needs at least two labels)."""
    found, block, previous = Disclosure(), set(), False
    for no, text in lines:
        pairs = _pairs(fold(text))
        if not pairs:
            if previous and _continues(text):
                block.add(no)  # a long field wrapped onto the next line ('…社会保障局;' + '北京市…')
            previous = False
            continue
        block.add(no)
        previous = True
        for name, value in pairs:
            if name and value and not getattr(found, name):
                setattr(found, name, _clean(name, value))
    if len(block) >= 2 or sum(bool(getattr(found, f)) for f in ("issuer", "doc_no", "date")) >= 2:
        found.lines = block
        return found
    return Disclosure()


def _continues(text: str) -> bool:
    folded = fold(text).strip()
    return "。" not in folded and (";" in folded or "；" in text) and len(folded) <= 80


def _pairs(text: str) -> list[tuple[str, str]]:
    """(field, value) for each label on the line; a line must start with a label."""
    matches = list(_FIELD.finditer(text))
    if not matches or matches[0].start() > 2:
        return []
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return [(_LABELS[next(g for g in m.groups() if g)], text[m.end():end].strip()) for m, end in zip(matches, ends)]


def _clean(name: str, value: str) -> str:
    if name in ("date", "published"):
        return find_date(value)
    if name == "issuer":
        return re.split(r"[;；、,，]", value)[0].strip()
    return squeeze(value) if name == "doc_no" else value.strip()
