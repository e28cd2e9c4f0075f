"""Two document shapes that are lists of answers rather than numbered clauses.

* A service guide (办事指南): labelled fields — 事项名称, 办理对象, 申请材料, 办理流程, 办理地点,
  办理时限, 收费标准, 咨询电话 … — each written 'label：value', '【label】', or a label line with
  its value below. One record per field, titled with the service's name, so "要不要交钱" finds
  收费标准 and "打哪个电话" finds 咨询电话 instead of one record holding the whole guide.
* A Q&A page (政策问答, 一问一答): '问：…' / '答：…' pairs (also Q/A, 问题/回答), or numbered
  questions ending in '？' with the answer below. One record per pair, the question as title.

Each returns (preamble, clauses), or None when the text is not of that shape.
"""
from __future__ import annotations

import re

from knowledge.importers.clauses import Clause, empty_units, fold, match_heading, squeeze

GUIDE_LABELS = (
    "事项名称", "服务事项", "事项类型", "办理对象", "服务对象", "申请对象", "适用对象", "补贴对象",
    "申请条件", "办理条件", "受理条件", "申报条件", "享受条件", "补贴标准", "发放标准", "服务内容",
    "申请材料", "申报材料", "所需材料", "提交材料", "材料清单", "办理流程", "办理程序", "办事流程",
    "申请流程", "申办流程", "办理方式", "申请方式", "办理地点", "受理地点", "办理地址", "受理窗口",
    "办理时间", "受理时间", "办公时间", "办理时限", "承诺时限", "法定时限", "办结时限", "承诺办结时限",
    "收费标准", "收费依据", "是否收费", "办理结果", "结果送达", "咨询电话", "咨询方式", "联系电话",
    "监督电话", "投诉电话", "监督投诉", "设定依据", "实施依据", "政策依据", "办理机构", "受理机构",
    "实施主体", "实施机构", "责任部门",
)
_LABEL = "|".join(sorted(GUIDE_LABELS, key=len, reverse=True))
_MARKER = r"(?:[一二三四五六七八九十]{1,3}\s*[、.]|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,2}\s*[、.])?"
_FIELD = re.compile(rf"^\s*{_MARKER}\s*[【\[]?\s*({_LABEL})\s*[】\]]?\s*(?:[:：]\s*|$)(.*)$")
_ASK = re.compile(r"^\s*(?:\d{1,3}\s*[、.]\s*)?(?:问|问题|Q|提问)\s*\d{0,3}\s*[:：.、]\s*(.+)$", re.I)
_ANSWER = re.compile(r"^\s*(?:答|回答|A|解答)\s*[:：.、]\s*(.*)$", re.I)
MIN_FIELDS = 3
MIN_PAIRS = 2

Lines = list[tuple[int, str]]


def guide_clauses(lines: Lines, title: str) -> tuple[str, list[Clause]] | None:
    """Fields of a 办事指南, or None when fewer than MIN_FIELDS distinct labels open lines."""
    opened = [(i, m) for i, (_, text) in enumerate(lines) if (m := _FIELD.match(text))]
    if len({m.group(1) for _, m in opened}) < MIN_FIELDS:
        return None
    service = next((m.group(2).strip() for _, m in opened if m.group(1) in ("事项名称", "服务事项") and m.group(2)),
                   "") or title
    clauses = []
    for (start, match), end in zip(opened, [i for i, _ in opened[1:]] + [len(lines)]):
        label = match.group(1)
        body = [match.group(2).strip()] + [text for _, text in lines[start + 1:end]]
        text = "\n".join(part for part in body if part)
        if text:
            text = f"{label}：{text}"
            clauses.append(Clause([label], f"{squeeze(service)}·{label}", text, empty_units(), lines[start][0]))
    preamble = "\n".join(text for _, text in lines[:opened[0][0]])
    return preamble, clauses


def qa_clauses(lines: Lines) -> tuple[str, list[Clause]] | None:
    """Question-and-answer pairs, or None when fewer than MIN_PAIRS are found."""
    starts = [(i, question) for i, (_, text) in enumerate(lines) if (question := _question(text, lines, i))]
    if len(starts) < MIN_PAIRS:
        return None
    clauses = []
    for (start, question), end in zip(starts, [i for i, _ in starts[1:]] + [len(lines)]):
        answer = [_strip_answer(text) for _, text in lines[start + 1:end]]
        text = "\n".join(part for part in answer if part)
        if text:
            clauses.append(Clause(["问答"], squeeze(question), text, empty_units(), lines[start][0]))
    preamble = "\n".join(text for _, text in lines[:starts[0][0]])
    return (preamble, clauses) if len(clauses) >= MIN_PAIRS else None


def _question(text: str, lines: Lines, i: int) -> str:
    """The question a line asks: '问：…', or a numbered line ending in '？' that an answer follows."""
    if asked := _ASK.match(fold(text)):
        return text[len(text) - len(asked.group(1)):].strip()
    heading = match_heading(text)
    ends_asking = fold(text).rstrip().endswith("?")
    if heading and heading.kind in ("cn", "num", "paren_cn") and ends_asking and len(heading.rest) <= 80:
        following = lines[i + 1][1] if i + 1 < len(lines) else ""
        return heading.rest if following and not fold(following).rstrip().endswith("?") else ""
    return ""


def _strip_answer(text: str) -> str:
    answered = _ANSWER.match(fold(text))
    return text[len(text) - len(answered.group(1)):].strip() if answered else text
