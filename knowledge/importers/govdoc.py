"""Plain text of a Chinese government document or news page → title, issuer, 文号, date,
clauses, named institutions and table rows; pure Python, so every reader (.txt, .html,
.docx, .pdf) feeds the same parser. Rules, fixed here so importers can rely on them:

* Title: a notice wrapping a document (关于印发《X》的通知) is titled X as X's own title line
  spells it ('…行动方案' + '(2024—2026年)'): the plan is what readers look for. Another
  notice keeps its own title; anything else takes its first headline-like line.
* Issuer: the 发文机关 line ('…办公室文件' minus 文件), the prefix of '…关于…', the signature
  above the closing date, or the page's 来源 (for '本网原创稿', the site's own name).
  Date: the signature date, else the page byline's.
* Page debris goes, and so does the caption under a picture (图片7.jpg), which repeats the
  article. A table with a 名称 column yields Institutions, any other table TableRows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.importers.disclosure import read_disclosure
from knowledge.importers.guides import guide_clauses, qa_clauses
from knowledge.importers.chrome import Lines, clean_lines, page_lines
from knowledge.importers.clauses import (
    Clause, build_clauses, find_date, fold, is_date_line, is_title_like, match_heading, part_start, squeeze,
)

__all__ = ["Clause", "Institution", "TableRow", "ParsedDocument", "clean_lines", "parse_document"]


@dataclass
class Institution:
    name: str
    city: str
    number: int | None
    line: int
    caption: str


@dataclass
class TableRow:
    cells: dict[str, str]
    line: int
    caption: str


@dataclass
class ParsedDocument:
    title: str
    issuer: str
    doc_no: str
    date: str
    preamble: str
    clauses: list[Clause]
    institutions: list[Institution]
    table_rows: list[TableRow]
    title_basis: str = "header"  # header | text (a guess from the opening sentence) | file


# Dates, 文号, names -----------------------------------------------------------------------

_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔【\[(﹝]\s*\d{4}\s*[〕】\])﹞]\s*第?\s*\d{1,4}\s*号"
                     r"|[\u4e00-\u9fff]{2,30}?(?:令|公告)\s*第\s*\d{1,4}\s*号")  # 国务院令第456号, …常委会公告第28号
_ORG = re.compile(r"(?!关于)[\u4e00-\u9fff()]{2,30}?(?:办公室|办公厅|人民政府|委员会|协会|学会|商会|联合会|中心|局|厅|委|办|部|院)(?:文件)?")
_DOC_TYPE = re.compile(r"(?:通知|决定|意见|批复|通报|公告|函|报告|方案|办法|规定|细则|计划|规划|总结)》?$")
# 关于印发《X》的通知, and …办公厅印发关于X的通知 (the notice names what it issues after 印发)
_WRAPPER = re.compile(r"(?:关于(?:印发|转发|下发|公布)《?(.+?)》?|(?:印发|转发|下发|公布)《?(关于.+?)》?)的(?:通知|决定)$")
_PAREN_TAIL = re.compile(r"\([^()]{1,20}\)")
_SITE_SUFFIX = re.compile(r"\s*[_|｜]\s*[^_|｜]{2,30}$")  # an HTML <title>: '标题_南宁市民政局网站'
# '标题-其他文件-北京市发展和改革委员会': a column and the site after dashes, the site an organisation or 网
_SITE_TRAIL = re.compile(r"(?:\s*[-—_|｜]\s*[^-—_|｜]{2,12}){0,2}\s*[-—_|｜]\s*[^-—_|｜]{2,30}"
                         r"(?:网|网站|门户|政府|局|委员会|委|厅|办公室|中心)$")
# The disclosure block stands in the header, or within the first lines when a page's menus push
# the body's first heading far down; never past DISCLOSURE_UNTIL lines (a long page's body).
DISCLOSURE_FROM, DISCLOSURE_UNTIL = 40, 400
SITE_PREFIX_MAX = 20  # characters of site and column names a breadcrumb puts before the title
_BYLINE = re.compile(r"(?:来源|发布时间|发布日期|阅读次数)\s*:|^(?:时间|日期)\s*:\s*\d")  # 时间：2022-07-04


def _org_name(text: str) -> str:
    """'泾源县人民政府办公室文件' → '泾源县人民政府办公室'; '' when the line is not an organisation."""
    compact = squeeze(text)
    return re.sub("文件$", "", compact) if _ORG.fullmatch(fold(compact)) else ""


def _page_meta(text: str) -> tuple[str, str]:
    """(date, source) from a web page's byline ('2021-11-15 13:57:10 来源:本网原创稿 阅读次数:1038')."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    byline = next((line for line in lines if _BYLINE.search(fold(line))), "")
    source = re.search(r"来源\s*[:：]\s*(\S+)", byline)
    if source and not source.group(1).startswith(("本网", "本站")):
        return find_date(byline), source.group(1)
    widget = [lines[i + 1] for i, line in enumerate(lines[:-1]) if line.startswith("扫描关注")]
    return find_date(byline), _org_name(widget[0]) if widget else ""


# Header: title, issuer, 文号, date -------------------------------------------------------

@dataclass
class _Header:
    title: str = ""
    issuer: str = ""
    doc_no: str = ""
    date: str = ""
    meta: set[int] = field(default_factory=set)  # line numbers that are metadata, not text


def _read_header(stream: Lines, page_date: str, page_source: str) -> _Header:
    """Metadata from the lines before the body (the first heading or second part), plus a
    closing signature."""
    body = next((i for i, (_, text) in enumerate(stream) if match_heading(text) or _opens_part(text, stream)),
                len(stream))
    disclosure = read_disclosure(stream[:min(max(body, DISCLOSURE_FROM), DISCLOSURE_UNTIL)])
    prelude = [(no, text) for no, text in stream[:body] if no not in disclosure.lines]
    header = _Header(meta=set(disclosure.lines))
    _find_doc_no(prelude, header)
    _find_title(prelude, header)
    _find_signature(prelude + stream[max(body, len(stream) - 3):], header)
    header.title = header.title or disclosure.title
    header.doc_no = disclosure.doc_no or header.doc_no
    header.issuer = disclosure.issuer or header.issuer or page_source
    header.date = disclosure.date or header.date or page_date or disclosure.published or _first_date(prelude)
    return header


def _opens_part(text: str, stream: Lines) -> bool:
    """A '《…》政策解读' headline opens a part of a notice — unless it is the document's own first
    line (or that line again, as a page's <h1> repeats its metadata title): then the whole page
    is the 解读, and the line its title."""
    return bool(part_start(text)) and _key(text) != _key(stream[0][1])


def _cites(text: str, start: int) -> bool:
    return bool(re.search(r"》\s*[(（]?\s*$", text[:start])) or "。" in text[:start]


_HISTORY = re.compile(r"通过|修正|修订|公布|发布")
# one header line may hold several dated statements: '2015年5月1日 施行根据2018年9月7日…修正'
_DATED = re.compile(r"(?=\d{4}\s*年\s*\d{1,2}\s*月)")


def _first_date(prelude: Lines) -> str:
    """When nothing signs the text: a regulation's history lines ('2006年12月29日…会议通过',
    '2017年7月21日…决定修正', '…国务院令第456号公布') date it by its latest adoption, amendment
    or promulgation (not its 施行 date; see _history_date); anything else by the first date of
    its header."""
    following = [text for _, text in prelude[1:]] + [""]  # a PDF may wrap '…会议通过' onto the next line
    history = [found for (_, text), after in zip(prelude, following) if (found := _history_date(text, after))]
    return history[-1] if history else next((found for _, text in prelude if (found := find_date(text))), "")


def _history_date(text: str, after: str) -> str:
    """The date of a line's first statement of adoption or amendment: '2015年5月1日 施行根据
    2018年9月7日…决定修正' is dated by its 修正; '2019年12月27日…通过并经2020年1月15日…批准的
    …决定修正' by the 通过 that comes first."""
    statements = [statement for statement in _DATED.split(text) if statement]
    return next((found for n, statement in enumerate(statements) if (found := find_date(statement))
                 and _HISTORY.search(statement + (after[:30] if n == len(statements) - 1 else ""))), "")


def _find_doc_no(prelude: Lines, header: _Header) -> None:
    """The 文号 exactly as written; a line of its own wins over one in a header line. One that
    follows a quoted title ('根据《…意见》（赣府厅发〔2021〕16号）') cites another document."""
    found = [(no, text, m) for no, text in prelude
             if (m := _DOC_NO.search(fold(text))) and not _cites(fold(text), m.start())]
    alone = [(no, text, m) for no, text, m in found if m.group(0) == fold(text).strip()]
    for no, text, match in (alone or found)[:1]:
        header.doc_no = text[match.start():match.end()]
        header.meta.update([no] if alone else [])


def _without_site(text: str) -> str:
    """A page title without the column and site names a browser's saved title carries."""
    text = squeeze(text)
    trimmed = _SITE_TRAIL.sub("", text)
    return trimmed if len(trimmed) >= 6 else _SITE_SUFFIX.sub("", text)


def _is_headline(text: str) -> bool:
    text = _without_site(text)
    return ((is_title_like(text) or _is_long_notice_title(text)) and not _org_name(text)
            and not _DOC_NO.search(fold(text)) and not is_date_line(text))


def _is_long_notice_title(text: str) -> bool:
    """'北京市民政局 北京市财政局 …（七个单位）关于印发《…实施办法》的通知': joint issuers make a
    notice's title longer than any headline, but it still reads '…关于…的通知'."""
    folded = fold(text).strip()
    return len(folded) <= 200 and "。" not in folded and "关于" in folded and bool(_DOC_TYPE.search(folded))


def _find_title(prelude: Lines, header: _Header) -> None:
    """Title per the module rule; organisation lines above it name the issuer."""
    first = next((i for i, (_, text) in enumerate(prelude) if _is_headline(text)), None)
    if first is None:
        return
    for no, text in prelude[:first]:
        if name := _org_name(text):
            header.issuer = header.issuer or name
            header.meta.add(no)
    text, numbers = _title_block(prelude, first)
    text = _without_site(text)
    header.meta.update(numbers)
    header.title = text
    prefix = text.partition("关于")[0]
    header.issuer = header.issuer or (_org_name(prefix) if prefix else "")
    if wrapped := _WRAPPER.search(text):
        header.title = _wrapped_title(prelude[first + 1:], wrapped.group(1) or wrapped.group(2), header)
    titles = (_key(text), _key(header.title))
    # the title again, or after the site and column names ('成都市政务服务网 通知公告 <title>')
    header.meta.update(no for no, line in prelude if _key(line) in titles
                       or any(_key(line).endswith(t) and len(_key(line)) - len(t) <= SITE_PREFIX_MAX for t in titles))


def _wrapped_title(rest: Lines, name: str, header: _Header) -> str:
    """The wrapped document's own title line when it repeats the name, else the name."""
    for i, (_, text) in enumerate(rest):
        if _is_headline(text):
            block, numbers = _title_block(rest, i)
            if _key(block) == _key(name):
                header.meta.update(numbers)
                return squeeze(block)
    return squeeze(name)


def _key(title: str) -> str:
    """A title compared without spaces, 《》 or the width of its brackets."""
    return re.sub(r"[\s《》]", "", fold(title))


def _title_block(lines: Lines, start: int) -> tuple[str, list[int]]:
    """A title wrapped over lines: '关于印发《泾源县 2023 年健康养老产业专班' + '工作方案》的通知',
    or '南宁市养老产业发展三年行动方案' + '(2024—2026年)'."""
    text, numbers = _without_site(lines[start][1]), [lines[start][0]]
    for no, following in lines[start + 1:start + 3]:
        if _PAREN_TAIL.fullmatch(fold(following).strip()) or (
                not _DOC_TYPE.search(text) and is_title_like(following) and _DOC_TYPE.search(text + following)):
            text, numbers = text + following, numbers + [no]
        else:
            break
    return text, numbers


def _find_signature(lines: Lines, header: _Header) -> None:
    """A date alone on its line closes the notice; an organisation right above it signed."""
    for i, (no, text) in enumerate(lines):
        if not is_date_line(text):
            continue
        header.meta.add(no)
        header.date = header.date or find_date(text)
        if i and (name := _org_name(lines[i - 1][1])):
            header.meta.add(lines[i - 1][0])
            header.issuer = header.issuer or name


# Tables and flattened lists -------------------------------------------------------------

@dataclass
class _Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line where the row starts, cell values)
    caption: str
    lines: set[int]  # every line the table, its caption and its 附件 label took


def _records(tables: list[_Table]) -> tuple[list[Institution], list[TableRow]]:
    """Institutions from tables that name institutions (a 名称 column), TableRows from the rest."""
    named = [table for table in tables if any("名称" in header for header in table.headers)]
    rows = [TableRow(dict(zip(table.headers, values)), line, table.caption)
            for table in tables if table not in named for line, values in table.rows]
    return [institution for table in named for institution in _institutions(table)], rows


def _institutions(table: _Table) -> list[Institution]:
    """One per named row; an empty city cell repeats the city above, as merged or omitted cells mean."""
    name_col = next(header for header in table.headers if "名称" in header)
    city_col = next((h for h in table.headers if re.search("地市|城市|所在地|地区|市县|区县", h)), None)
    found, city = [], ""
    for line, values in table.rows:
        cells = dict(zip(table.headers, values))
        city = cells.get(city_col, "") or city
        number = next((int(fold(v)) for h, v in cells.items() if "序号" in h and fold(v).isdigit()), None)
        if cells.get(name_col):
            found.append(Institution(cells[name_col], city, number, line, table.caption))
    return found


def _caption(lines: Lines, start: int) -> tuple[str, list[int]]:
    """The title line just above a table or list; an '附件1' label above that goes with it."""
    above = [(no, text.strip()) for no, text in lines[:start] if text.strip()][-2:]
    if not above or not is_title_like(above[-1][1]):
        return "", []
    no, text = above[-1]
    numbers = [no] + [n for n, t in above[:-1] if re.fullmatch(r"附件\s*\d*\s*:?", fold(t))]
    return squeeze(re.sub(r"^附件\s*\d*\s*[:：]\s*", "", text)), numbers


def _tab_tables(lines: Lines) -> list[_Table]:
    """Tables exported with tabs: one row per line ('序号\\t所属地市\\t机构名称'), or, as Word
    exports merged layouts, one cell per tab-led line whose text wraps onto the lines below."""
    tables, i = [], 0
    while i < len(lines):
        if not lines[i][1].strip() or "\t" not in lines[i][1]:
            i += 1
            continue
        end = _table_end(lines, i)
        headers, rows = _row_per_line(lines[i:end]) or _cell_per_line(lines[i:end])
        if len(headers) >= 2 and rows:
            caption, numbers = _caption(lines, i)
            tables.append(_Table(headers, rows, caption, {no for no, _ in lines[i:end]} | set(numbers)))
        i = end
    return tables


def _is_blank(text: str) -> bool:
    """Empty, but not a lone tab: that is an empty table cell."""
    return not text.strip() and "\t" not in text


def _table_end(lines: Lines, start: int) -> int:
    """Word pads cells with single blank lines, so only two blank lines in a row end a table."""
    blanks = 0
    for k in range(start, len(lines)):
        blanks = blanks + 1 if _is_blank(lines[k][1]) else 0
        if blanks == 2:
            return k - 1
    return len(lines)


def _row_per_line(region: Lines) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Every line a row of tab-separated cells, the first line the header; None otherwise."""
    filled = [(no, text) for no, text in region if text.strip()]
    if not all("\t" in text and not text.startswith("\t") for _, text in filled):
        return None
    grid = [(no, [squeeze(cell) for cell in text.split("\t")]) for no, text in filled]
    return grid[0][1], grid[1:]


def _cell_per_line(region: Lines) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells up to the first blank line, data cells after it. A data row wider than
    the header has cells under a merged header cell: the first header takes the extras."""
    split = next((k for k, (_, text) in enumerate(region) if _is_blank(text)), len(region))
    headers = ["".join(squeeze(p) for p in pieces) for _, pieces in _cells(region[:split])]
    cells = _cells(region[split:])
    if len(headers) < 2 or any(len(h) > 20 for h in headers):
        return [], []
    width = next((w for w in range(len(headers), len(headers) + 4) if len(cells) % w == 0), len(headers))
    rows = []
    for k in range(0, len(cells), width):
        values = [_join_cell(pieces) for _, pieces in cells[k:k + width]]
        extra = len(values) - len(headers) + 1
        if extra > 1:
            values = [" ".join(v for v in values[:extra] if v)] + values[extra:]
        rows.append((cells[k][0], values))
    return headers, rows


def _cells(region: Lines) -> list[tuple[int, list[str]]]:
    """(first line, text pieces) per cell: a tab opens a cell, text before any tab continues one."""
    cells: list[tuple[int, list[str]]] = []
    for no, text in region:
        first, *opened = text.split("\t")
        if first.strip() and cells:
            cells[-1][1].append(first.strip())
        elif first.strip():
            cells.append((no, [first.strip()]))
        cells.extend((no, [piece.strip()]) for piece in opened)
    return cells


def _join_cell(pieces: list[str]) -> str:
    """One cell's lines: a wrapped word closes up ('健康'+'养老'), a list keeps its 、 ('发改局、'
    +'科技局、'), numbered items and sentences keep their lines, names get a space ('民政局 卫健局')."""
    text, previous = "", ""
    for piece in (squeeze(p) for p in pieces if p.strip()):
        if not text:
            text = piece
        elif previous[-1] in "、，,：:" or len(previous) <= 2:
            text += piece
        elif previous[-1] in "。；;" or re.match(r"\d{1,2}[.、]", fold(piece)):
            text += "\n" + piece
        else:
            text += " " + piece
        previous = piece
    return text


def _read_list(stream: Lines, start: int) -> _Table | None:
    """A table flattened to one cell per line: '序号', the other header lines, then per row
    its number and its cells; a row may omit leading cells (the 广东 list writes a city once)."""
    k = start + 1
    while k < len(stream) and k - start <= 6 and fold(stream[k][1]) != "1" and len(stream[k][1]) <= 12:
        k += 1
    headers = [squeeze(text) for _, text in stream[start:k]]
    rows, previous = [], headers[1:]
    while len(headers) > 1 and k < len(stream) and fold(stream[k][1]) == str(len(rows) + 1):
        values, end = _list_cells(stream, k + 1, len(rows) + 2, len(headers) - 1)
        if not values:
            break
        previous = previous[:len(previous) - len(values)] + values
        rows.append((stream[k][0], [str(len(rows) + 1)] + previous))
        k = end
    if not rows:
        return None
    caption, numbers = _caption(stream, start)
    return _Table(headers, rows, caption, {no for no, _ in stream[start:k]} | set(numbers))


def _list_cells(stream: Lines, k: int, next_number: int, most: int) -> tuple[list[str], int]:
    """A row's cell lines, up to the next row number or a line that reads as prose."""
    values = []
    while (k < len(stream) and len(values) < most and fold(stream[k][1]) != str(next_number)
           and len(stream[k][1]) <= 60 and not stream[k][1].endswith("。")):
        values.append(squeeze(stream[k][1]))
        k += 1
    return values, k


# Entry point ----------------------------------------------------------------------------

def _without(lines: Lines, tables: list[_Table]) -> Lines:
    used = set().union(*(table.lines for table in tables))
    return [(no, text.strip()) for no, text in lines if text.strip() and no not in used]


def parse_document(text: str, source_name: str = "") -> ParsedDocument:
    """Parse a document; source_name (a file name) is the title of last resort."""
    page = page_lines(text)
    tables = _tab_tables(page)
    stream = _without(page, tables)
    lists = [t for i, (_, line) in enumerate(stream) if fold(line) == "序号" and (t := _read_list(stream, i))]
    stream = _without(stream, lists)
    header = _read_header(stream, *_page_meta(text))
    body = [(no, line) for no, line in stream if no not in header.meta]
    title, basis = _title_and_basis(header.title, stream, source_name)
    preamble, clauses = qa_clauses(body) or guide_clauses(body, title) or build_clauses(body)
    institutions, table_rows = _records(tables + lists)
    return ParsedDocument(title, header.issuer, header.doc_no, header.date, preamble, clauses, institutions,
                          table_rows, basis)


_QUOTED_TITLE = re.compile(r"(?:印发|发布|出台|公布|下发|制定|调整)了?《([^《》]{6,60})》")


def _addressee(text: str) -> bool:
    """'各县（区）人民政府、市政府各部门：' — whom a notice is sent to, not what it is about."""
    folded = fold(text).strip()
    return (folded.endswith(":") and len(folded) <= 60 and "。" not in folded
            and bool(re.match(r"各|.*(?:人民政府|政府|部门|单位|委员会|管委会|局|厅|办)[,，、)）]?.{0,12}:$", folded)))


def _title_and_basis(found: str, stream: Lines, source_name: str) -> tuple[str, str]:
    """The header's title; for a text with no title line (a news fragment), the document its
    opening sentence says was issued ('印发《…》'), else that sentence's first clause (the
    addressee line '各县（区）人民政府：' is skipped); the file name last."""
    if found:
        return found, "header"
    opening = next((text for _, text in stream if not _addressee(text)), "")
    if quoted := _QUOTED_TITLE.search(opening[:200]):
        return squeeze(quoted.group(1)), "text"
    opening = re.sub(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*[,，]?", "", opening)  # '2023年7月5日，…'
    first = re.split(r"[。！？!?；;，,…]", opening.strip("“”\"' "), maxsplit=1)[0].strip("“”\"' ")
    if 6 <= len(first) <= 40:
        return squeeze(first), "text"
    return Path(source_name).stem, "file"
