"""Markdown → the plain lines the document parser reads.

Advisors get Markdown from law collections and wikis: '# 标题' headings, '| a | b |' tables,
**emphasis**, [links](…) and HTML comments. Kept as they are, the '#' ends up in a title and a
table is one unreadable line; so headings lose their markers, tables become tab-separated
rows (the form the parser knows from Word exports), and markup goes.
"""
from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_QUOTE = re.compile(r"^\s*>\s?")
_TAG = re.compile(r"</?(?:br|p|div|span|font|b|strong|em|u|center)\b[^>]*>", re.I)


def markdown_text(text: str) -> str:
    """The text of a Markdown document, one line per paragraph, heading or table row."""
    lines = []
    for line in _COMMENT.sub("", text).split("\n"):
        if _RULE.match(line) or _TABLE_SEPARATOR.match(line):
            continue
        if heading := _HEADING.match(line):
            line = heading.group(1)
        elif line.lstrip().startswith("|"):
            line = _table_row(line)
        lines.append(_inline(_QUOTE.sub("", line)))
    return "\n".join(lines)


def _table_row(line: str) -> str:
    """'| 80—89周岁 | 100元 |' → '80—89周岁\\t100元'; an escaped '\\|' stays in its cell."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return "\t".join(cell.strip().replace("\\|", "|") for cell in cells)


def _inline(line: str) -> str:
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    return _TAG.sub("", line)
