"""Numbered lists that belong to the sentence leading into them.

'第三条 居家养老服务主要包括以下内容：（一）用餐服务；（二）医疗卫生服务；…' is one rule, and
'高龄津贴标准如下：1.80—89周岁每人每月100元；2.90—99周岁…' one table of amounts: split into a
record per item, each item loses what it is a list of, and a question about the rule finds a
fragment. So an enumeration stays in the clause that introduces it when that clause is an
article (第X条: its items are always a list), or when the line before the list ends with a
colon and the list is short. Longer runs under a colon are sections, and stay clauses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # clauses.py calls this module; it only reads a heading's kind
    from knowledge.importers.clauses import Heading

ITEM_KINDS = frozenset({"paren_cn", "num", "paren_num"})
LIST_KINDS = ITEM_KINDS | {"cn"}  # where no clause is open (a news text), 一、二、 number a list too
LIST_MAX = 800  # characters a colon-led list may hold and still be one record


def fold_enumerations(lines: list[tuple[int, str]], headings: list["Heading | None"]) -> None:
    """Turn the headings of lead-in lists into plain body lines (headings[i] = None), in place."""
    stack: list[str] = []  # kinds of the open headings, outermost first
    i = 0
    while i < len(headings):
        heading = headings[i]
        if heading is None:
            i += 1
            continue
        opens_list = i and heading.kind in LIST_KINDS and _leads_in(stack[-1] if stack else "", lines[i - 1][1])
        if opens_list and (stack or _only_lists(headings[i:])) and heading.kind not in stack:
            end = _list_end(headings, i, stack)
            if (stack and stack[-1] == "article") or sum(len(text) for _, text in lines[i:end]) <= LIST_MAX:
                headings[i:end] = [None] * (end - i)
                i = end
                continue
        stack = (stack[:stack.index(heading.kind)] if heading.kind in stack else stack) + [heading.kind]
        i += 1


def _only_lists(headings: list["Heading | None"]) -> bool:
    """No heading outside the list follows (a news text's '如下：1、… 2、…'): with no clause to
    hold it, the list stays with the paragraph leading into it (clauses._with_lists)."""
    first = next(h for h in headings if h is not None)
    return all(h is None or h.kind == first.kind for h in headings)


def _leads_in(parent_kind: str, previous: str) -> bool:
    return parent_kind == "article" or ends_lead_in(previous)


def ends_lead_in(text: str) -> bool:
    """'…标准调整如下：' — a sentence that announces the list after it."""
    return text.rstrip().endswith((":", "："))


def _list_end(headings: list["Heading | None"], start: int, open_kinds: list[str]) -> int:
    """The first heading after start of a kind already open (it closes the list), or the end."""
    return next((k for k in range(start + 1, len(headings))
                 if headings[k] is not None and headings[k].kind in open_kinds), len(headings))
