"""Government documents → records: one policy record per clause, one base or service record
per named institution in a list, one record per table row, and one for the document itself.

Record ids are derived from the document (its 文号, else its title) and the clause's numbering
(二、→（一）→1. gives `-2-1-1`), so a revised edition of the same document updates the same
records in place instead of duplicating them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.importers import crossrefs
from knowledge.importers.directories import ParsedRows, Problem
from knowledge.importers.docregion import BASIS_LABELS, GUESSED, infer_region
from knowledge.importers.clauses import fold
from knowledge.importers.govdoc import Clause, Institution, ParsedDocument, TableRow, parse_document
from knowledge.importers.readers import read_document
from knowledge.records import Record, RecordError, Source
from knowledge.regions import Region, resolve

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"^\s*(?:第)?[（(]?([一二三四五六七八九十〇零两]+|\d+)[)）]?")


@dataclass
class DocumentInfo:
    """One imported document as the import summary lists it, with what was guessed or missing."""

    file: str
    title: str
    region: Region
    region_basis: str
    doc_no: str
    date: str
    clauses: int
    records: int = 0
    known: int = 0  # records the knowledge already held (knowledge.importers.dedupe)
    title_basis: str = "header"

    def warnings(self) -> list[str]:
        found = []
        if not self.region.code:
            found.append("地区未识别：请用 --region 指定，或在工作台修改")
        elif self.region_basis in GUESSED:
            found.append(f"地区由{BASIS_LABELS[self.region_basis]}得出（{self.region.name}），请核对")
        if self.title_basis == "file":
            found.append("标题未识别，用了文件名：请在工作台修改")
        elif self.title_basis == "text":
            found.append("文中没有标题行，标题取自正文开头：请核对")
        if not self.date:
            found.append("日期未识别")
        return found


def parse_document_file(path: Path, data: bytes, kind: str | None, region: Region) -> tuple[ParsedRows, DocumentInfo]:
    """Read and parse one document; returns its records and what the summary says of it."""
    document = parse_document(read_document(path, data), path.name)
    guess = infer_region(document.title, document.issuer, _body_text(document), path.parent.name, region)
    info = DocumentInfo(path.name, document.title, guess.region, guess.basis, document.doc_no, document.date,
                        len(document.clauses), title_basis=document.title_basis)
    if not document.title:
        return ParsedRows(problems=[Problem(path.name, 1, "no title found; is this a document?")]), info
    source = Source(document.title, document.issuer, document.doc_no, document.date, path.name)
    subject = _subject(document.title) if document.title_basis == "header" else ""
    rows = _Converter(_doc_key(document), source, guess.region, kind, path.name, subject).convert(document)
    info.records = len(rows.records)
    return rows, info


def _body_text(document: ParsedDocument) -> str:
    return "\n".join([document.preamble] + [clause.text for clause in document.clauses])


def _doc_key(document: ParsedDocument) -> str:
    identity = document.doc_no or document.title
    return "doc-" + hashlib.sha1(identity.encode()).hexdigest()[:8]


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 18 → 18 (for heading numbers, up to 99)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    return _DIGITS.get(text) if len(text) == 1 else None


def clause_key(heading_path: tuple[str, ...] | list[str], fallback: str) -> str:
    """Numbering of the heading path, e.g. ('二、…', '（一）…', '1.…') → '2-1-1'."""
    numbers = []
    for heading in heading_path:
        match = _NUMBER.match(heading)
        number = chinese_number(match.group(1)) if match else None
        if number is None:
            return "p" + hashlib.sha1(("/".join(heading_path) + fallback).encode()).hexdigest()[:8]
        numbers.append(str(number))
    return "-".join(numbers) or "p" + hashlib.sha1(fallback.encode()).hexdigest()[:8]


class _Converter:
    def __init__(self, key: str, source: Source, region: Region, kind: str | None, file: str, subject: str = ""):
        self.key, self.source, self.region, self.kind, self.file = key, source, region, kind, file
        self.subject = subject  # what the document is about, for titles of paragraphs that have none
        self.rows, self.ids = ParsedRows(), set()

    def convert(self, document: ParsedDocument) -> ParsedRows:
        if document.preamble.strip():
            self._add(1, f"{self.key}-doc", document.title, document.preamble, ())
        by_number = crossrefs.articles(document.clauses)
        lead = _lead_paragraph(document.clauses)
        for clause, following in zip(document.clauses, document.clauses[1:] + [None]):
            if not _is_bare_section(clause, following) and not _is_empty_heading(clause):
                context = {"cites": crossrefs.cited_text(clause, by_number),
                           "lead": lead if _is_paragraph(clause) and clause.text != lead else ""}
                self._clause(clause, {k: v for k, v in context.items() if v})
        for institution in document.institutions:
            self._institution(institution)
        for table in _tables(document.table_rows):
            if len(table) <= SHORT_TABLE:
                self._short_table([row for _, row in table])
            else:
                for number, row in table:
                    self._table_row(number, row)
        return self.rows

    def _clause(self, clause: Clause, context: dict[str, str] | None = None) -> None:
        """A clause's record; `context` holds what the index reads with it: the articles it cites
        by number (cites, knowledge/importers/crossrefs.py) and its report's lead paragraph (lead)."""
        path = tuple(clause.heading_path)
        title = clause.title or _first_words(clause.text) or (path[-1] if path else "")
        if not path and not clause.title and self.subject:  # a paragraph of an article keeps its subject
            title = f"{self.subject}｜{title}"
        ident = f"{self.key}-{clause_key(path, clause.text[:40])}"
        text = clause.text.strip() or title
        self._add(clause.line, ident, f"{self.region.short}：{title}" if self.region.short else title, text, path,
                  units=clause.units, attrs=context or None)

    def _institution(self, inst: Institution) -> None:
        kind = self.kind or ("base" if "基地" in inst.caption else "service")
        region = resolve(self.region.province + inst.city) if inst.city else self.region
        where = f"位于{inst.city}，" if inst.city else ""
        text = f"{inst.name}，{where}列入《{inst.caption}》（{self.source.issuer}，{self.source.date}）。"
        attrs = {"city": inst.city, "designated_by": self.source.issuer, "designated_on": self.source.date,
                 "list": inst.caption, "number": inst.number}
        ident = f"{self.key}-inst-{inst.number or hashlib.sha1(inst.name.encode()).hexdigest()[:8]}"
        self._add(inst.line, ident, inst.name, text, (inst.caption,), kind=kind, region=region,
                  attrs={k: v for k, v in attrs.items() if v})

    def _short_table(self, rows: list[TableRow]) -> None:
        """A short table (an amount table by age band) as one record: one line per row, its first
        cell then the others with their headers — '80—89周岁：标准：每人每月100元'."""
        lines = [_row_line(row.cells) for row in rows]
        caption = rows[0].caption or _first_words(lines[0])
        title = f"{self.region.short}：{caption}" if self.region.short else caption
        self._add(rows[0].line, f"{self.key}-table-{rows[0].line}", title, "\n".join(lines), (rows[0].caption,),
                  units=_row_units({k: "、".join(r.cells.get(k, "") for r in rows) for k in ("牵头部门", "配合部门")}))

    def _table_row(self, number: int, row: TableRow) -> None:
        text = "\n".join(f"{header}：{value}" for header, value in row.cells.items() if value)
        title = next((v for v in row.cells.values() if v), f"{row.caption} 第{number}行")
        self._add(row.line, f"{self.key}-row-{number}", f"{row.caption}：{title[:30]}", text, (row.caption,),
                  units=_row_units(row.cells))

    def _add(self, line: int, ident: str, title: str, text: str, path: tuple, *, kind: str | None = None,
             region: Region | None = None, units: dict | None = None, attrs: dict | None = None) -> None:
        ident = self._unique(ident)
        region = region or self.region
        try:
            self.rows.records.append(Record.from_dict({
                "id": ident, "kind": kind or self.kind or "policy", "title": title, "text": text,
                "region": region.name, "source": self.source.__dict__, "heading_path": list(path),
                "units": units or {}, "valid_from": self.source.date, "attrs": attrs or {}}))
        except RecordError as error:
            self.rows.problems.append(Problem(self.file, line, str(error)))

    def _unique(self, ident: str) -> str:
        candidate, n = ident, 2
        while candidate in self.ids:
            candidate, n = f"{ident}-{n}", n + 1
        self.ids.add(candidate)
        return candidate


LEAD_CHARS = 300  # of a report's first paragraph: where it names what the report is about


def _is_paragraph(clause: Clause) -> bool:
    """A paragraph of a text without numbering (a news report), not a numbered clause."""
    path = clause.heading_path
    return len(path) <= 1 and not clause.title and not (path and _NUMBER.match(path[-1]))


def _lead_paragraph(clauses: list[Clause]) -> str:
    """A report's first paragraph, which names its subject (迎泽区南官坊社区养老服务中心) that
    the later paragraphs only call 该中心 or 活动: they are indexed with it, so a question naming
    the subject finds the paragraph holding the asked fact. '' for a numbered document."""
    paragraphs = [c for c in clauses if c.text.strip() and _is_paragraph(c)]
    if len(paragraphs) < 2 or len(paragraphs) < len(clauses) // 2:
        return ""
    return paragraphs[0].text.strip()[:LEAD_CHARS]


def _is_bare_section(clause: Clause, following: Clause | None) -> bool:
    """A heading with no text of its own whose sub-clauses follow: its path lives on in theirs."""
    return (not clause.text.strip() and following is not None
            and following.heading_path[:len(clause.heading_path)] == clause.heading_path
            and len(following.heading_path) > len(clause.heading_path))


_DIVISION = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节编]")
_OMITTED = re.compile(r".{0,60}\((?:略|此处略|从略)\)")  # '附件2：…审核表(略)': the attachment is left out
_SECTION_MARK = re.compile(r"^[(（]?[一二三四五六七八九十]{1,3}[)）、.]?$")


def _is_empty_heading(clause: Clause) -> bool:
    """A chapter heading with nothing under it (a table of contents: 第一章 总则, 第二章 …) or a
    bare section mark in a news text ('二'), or an attachment the text leaves out ('…审核表(略)'):
    no fact to answer from, so no record."""
    if _OMITTED.fullmatch(fold(clause.text.strip() or clause.title)):
        return True
    if clause.text.strip():
        return _SECTION_MARK.fullmatch(fold(clause.text.strip())) is not None
    return bool(clause.heading_path) and bool(_DIVISION.match(clause.heading_path[-1]))


SHORT_TABLE = 12  # rows: a table this short is read as one answer, not row by row


def _tables(rows: list[TableRow]) -> list[list[tuple[int, TableRow]]]:
    """(number in the document, row) grouped into their tables: consecutive rows under one
    caption and one set of headers."""
    tables: list[list[tuple[int, TableRow]]] = []
    for number, row in enumerate(rows, 1):
        last = tables[-1][-1][1] if tables else None
        if last is not None and last.caption == row.caption and list(last.cells) == list(row.cells):
            tables[-1].append((number, row))
        else:
            tables.append([(number, row)])
    return tables


def _row_line(cells: dict[str, str]) -> str:
    values = [(header, value) for header, value in cells.items() if value]
    if not values:
        return ""
    first, rest = values[0][1], values[1:]
    return first + ("：" + "；".join(f"{h}：{v}" for h, v in rest) if rest else "")


def _row_units(cells: dict[str, str]) -> dict:
    lead = [u for u in re.split(r"[\s、，,]+", cells.get("牵头部门", "")) if u]
    partners = [u for u in re.split(r"[\s、，,]+", cells.get("配合部门", "")) if u]
    return {k: v for k, v in (("lead", lead), ("partners", partners)) if v}


def _subject(title: str) -> str:
    """A document title short enough to lead a record title (《…》 and a trailing 的通知 go)."""
    title = re.sub(r"^关于|的通知$|[《》]", "", title)
    return title[:24]


def _first_words(text: str) -> str:
    return re.split(r"[。；;,，\n]", text.strip(), maxsplit=1)[0][:30]
