"""Clauses of a Chinese government document: numbering hierarchy, titles, responsible units.

Official documents number their structure 一、 > （一） > 1. > （1） (regulations: 第X章 >
第X条), but real texts skip levels, mix full- and half-width punctuation and contain typos.
So the hierarchy is not a fixed table: a marker kind's level is where it first appears under
its parent, and a heading of a kind already open closes everything below it.

Heading paths use one canonical marker per kind (一、 （一） 1. （1） 第一条) whatever the
document wrote ((一), 1．, 1、), so paths from different documents compare; titles and
texts keep the document's own characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.importers.enumerations import LIST_KINDS, ends_lead_in, fold_enumerations

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CJK = "\u2014\u2026\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e“”‘’"
_GAP = re.compile(rf"(?<=[{_CJK})])[ \t\u3000\xa0]+(?=[{_CJK}0-9(])|(?<=[0-9])[ \t\u3000\xa0]+(?=[{_CJK}])")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = "[一二三四五六七八九十百零〇两]+"
_ORDINALS = "一二三四五六七八九十"
TITLE_MAX = 40
UNMARKED_CHAPTER_MAX = 12  # characters: 规划与设施建设, 法律责任 — a chapter title, not a sentence
LABEL_MAX = 15  # characters: a plan item's title is a few words (扩大老年助餐服务)
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)\s*日?")
_CN_DATE = re.compile(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_TIME = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?")


def fold(text: str) -> str:
    """Full-width ASCII to half-width, one character for one: patterns need one spelling,
    and a span found in the folded text is the same span in the original."""
    return text.translate(_FULLWIDTH)


def squeeze(text: str) -> str:
    """Drop the spaces that PDF/Word exports put between Chinese characters and numbers
    ('泾源县 2023 年', '李  静'); spaces between Latin words stay. Used on names, titles
    and cells only: in running text a space can mean something ('自治区党委 自治区人民政府')."""
    return _GAP.sub("", text).strip()


def cn_to_int(numeral: str) -> int:
    """'十二' → 12, '一百零三' → 103, '7' → 7."""
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, 0
    for char in numeral:
        if char in "十百":
            total += (digit or 1) * (10 if char == "十" else 100)
            digit = 0
        else:
            digit = _CN_DIGITS.get(char, 0)
    return total + digit


def find_date(text: str) -> str:
    """First date in the text as ISO 'YYYY-MM-DD' ('2023年4月4日', '2023.4.4',
    '2021-11-15 13:57:10', '二〇二三年四月四日', full-width digits), or ''."""
    folded = fold(text)
    found = [tuple(map(int, m.groups())) for m in _DATE.finditer(folded)]
    found += [(int("".join(str(cn_to_int(c)) for c in m[1])), cn_to_int(m[2]), cn_to_int(m[3]))
              for m in _CN_DATE.finditer(folded)]
    valid = next((ymd for ymd in found if 1 <= ymd[1] <= 12 and 1 <= ymd[2] <= 31), None)
    return "{:04d}-{:02d}-{:02d}".format(*valid) if valid else ""


def is_date_line(text: str) -> bool:
    """A line that is only a date (a signature), perhaps with a time of day."""
    folded = squeeze(fold(text))
    match = _DATE.match(folded) or _CN_DATE.match(folded)
    return bool(match) and (match.end() == len(folded) or bool(_TIME.fullmatch(folded[match.end():])))


@dataclass
class Clause:
    heading_path: list[str]
    title: str
    text: str
    units: dict[str, list[str]]
    line: int


@dataclass
class Heading:
    kind: str
    number: int
    marker: str
    rest: str


# A digit right after "1." is usually a decimal (2.47万亩, 0.14张): _resolve_ambiguous
# keeps such a heading only when it continues a numbered run.
_HEADINGS = (
    ("chapter", re.compile(rf"第({_CN_NUMERAL}|\d+)章\s*"), "第{}章 "),
    ("section", re.compile(rf"第({_CN_NUMERAL}|\d+)节\s*"), "第{}节 "),
    ("article", re.compile(rf"第({_CN_NUMERAL}|\d+)条\s*"), "第{}条 "),
    ("cn", re.compile(r"([一二三四五六七八九十]{1,3})\s*[、.]\s*"), "{}、"),
    ("paren_cn", re.compile(r"\(\s*([一二三四五六七八九十]{1,3})\s*\)\s*"), "（{}）"),
    ("num", re.compile(r"(\d{1,2})\s*[、.]\s*"), "{}."),
    ("paren_num", re.compile(r"\(\s*(\d{1,2})\s*\)\s*"), "（{}）"),
)


def match_heading(text: str) -> Heading | None:
    """The numbering marker opening a line, or None ('1+3+X', '2024—2026年' are not markers)."""
    folded = fold(text)
    for kind, pattern, template in _HEADINGS:
        if match := pattern.match(folded):
            numeral = match.group(1)
            return Heading(kind, cn_to_int(numeral), template.format(numeral), text[match.end():].strip())
    return None


def _resolve_ambiguous(headings: list[Heading | None]) -> None:
    """Keep '1.80至89周岁…' as a heading only inside a 1., 2., 3. run: a line starting
    '2.47万亩' with no '1.' before it is a decimal, not item 2."""
    found = [(i, h) for i, h in enumerate(headings) if h and h.kind == "num"]
    for pos, (i, heading) in enumerate(found):
        if not heading.rest[:1].isdigit():
            continue
        before = found[pos - 1][1].number if pos else None
        after = found[pos + 1][1].number if pos + 1 < len(found) else None
        if before != heading.number - 1 and not (heading.number == 1 and after == 2):
            headings[i] = None


def _unmarked_chapters(lines: list[tuple[int, str]], headings: list[Heading | None]) -> None:
    """A chapter title copied without its 第X章 ('规划与设施建设' between 第五条 and 第六条) is
    a chapter still: a short line that ends no sentence, standing between articles, opens one
    (otherwise it would end 第五条's text)."""
    seen_article, number = False, 0
    for i, ((_, text), heading) in enumerate(zip(lines, headings)):
        if heading is not None:
            seen_article = seen_article or heading.kind == "article"
            continue
        following = next((h for h in headings[i + 1:i + 3] if h is not None), None)
        if seen_article and following and following.kind == "article" and headings[i + 1] is following \
                and is_title_like(text) and len(fold(text).strip()) <= UNMARKED_CHAPTER_MAX:
            number += 1
            headings[i] = Heading("chapter", number, "", text.strip())


def _fix_misnumbered(headings: list[Heading | None]) -> None:
    """Re-level a （2） typed where （二） was meant: the 泾源 plan has （一）… （2）… （三）
    with tasks 1., 2., 3. between, so taken literally task 3 would nest under task 2.
    Only a （N） whose （一）-level neighbours number N-1 and N+1 is changed."""
    found = [(i, h) for i, h in enumerate(headings) if h]
    for pos, (i, heading) in enumerate(found):
        if heading.kind != "paren_num" or heading.number > len(_ORDINALS):
            continue
        before = _nearest_paren_cn(reversed(found[:pos]))
        after = _nearest_paren_cn(found[pos + 1:])
        if before and after and (before.number, after.number) == (heading.number - 1, heading.number + 1):
            headings[i] = Heading("paren_cn", heading.number, f"（{_ORDINALS[heading.number - 1]}）", heading.rest)


def _nearest_paren_cn(found) -> Heading | None:
    """The closest （一）-kind heading, unless a real （1） item or a new 一、 section comes first."""
    for _, heading in found:
        if heading.kind == "paren_cn":
            return heading
        if heading.kind in ("paren_num", "cn", "chapter"):
            return None
    return None


def _split_title(kind: str, rest: str) -> tuple[str, str]:
    """'完善城乡养老服务设施。加快建设…' → (title, body). The first sentence is a title
    only when short; an article (第X条) has no title, its sentence is the rule itself.

    A first sentence longer than a label (LABEL_MAX) that ends in 。 and goes on says a rule as
    much as it titles one, so it stays in the body too: "（二）申请失能护理补贴的老年人需先进行
    老年人能力综合评估。其中…" — a reply giving only what follows would drop the rule. A plan's
    "2.扩大老年助餐服务。…" or a label before ： is only a title."""
    if kind == "article":
        return "", rest
    end = re.search(r"[。！？；!?;:：]", rest)
    if end and end.start() <= TITLE_MAX:
        title, body = rest[:end.start()].strip(), rest[end.end():].strip()
        says_a_rule = len(title) > LABEL_MAX and end.group() in "。！？!?"
        return title, rest.strip() if body and says_a_rule else body
    if not end and len(rest) <= TITLE_MAX:
        return rest, ""
    return "", rest


def _descend(stack: list[tuple[str, str]], kind: str, element: str) -> list[tuple[str, str]]:
    """The open headings after a new one: a kind already open closes itself and everything
    below it (（二） after 1., 2.), a kind not yet open nests one level deeper."""
    if kind == "chapter":
        return [(kind, element)]  # a chapter is never inside an article, marked or not
    kinds = [open_kind for open_kind, _ in stack]
    return (stack[:kinds.index(kind)] if kind in kinds else stack) + [(kind, element)]


# Responsible units ----------------------------------------------------------------------

_UNIT_LABEL = re.compile(r"(责任单位|责任部门|牵头单位|牵头部门|配合单位|配合部门|协办单位|参与单位)\s*[:：]")
_INLINE_LABEL = re.compile(rf"(?<=[。；;])\s*(?={_UNIT_LABEL.pattern})")
_ROLES = {"责任": "responsible", "牵头": "lead", "配合": "partners", "协办": "partners", "参与": "partners"}
_DUTY_TAIL = re.compile(r"(?:按照?职[责能]分工|分别|共同)负责$")


def empty_units() -> dict[str, list[str]]:
    return {"responsible": [], "lead": [], "partners": []}


def split_units(text: str) -> list[str]:
    """'市民政局、市财政局,各县(市、区)人民政府…按职责分工负责' → names. Splits on 、，, ；
    outside brackets only, so '各县(市、区)人民政府' stays one unit."""
    names, current, depth = [], "", 0
    for char in text:
        depth = max(0, depth + (char in "(（") - (char in ")）"))
        if depth == 0 and char in "、，,；;":
            names, current = names + [current], ""
        else:
            current += char
    cleaned = (_DUTY_TAIL.sub("", squeeze(name).strip("。.． ")) for name in names + [current])
    return [name for name in cleaned if name]


def parse_units(spec: str) -> dict[str, list[str]]:
    """'牵头单位：A；配合单位：B、C' → roles; text before any label counts as responsible
    (南宁 writes '(市卫健委、…按职责分工负责)' with no label at all)."""
    units = empty_units()
    pieces = _UNIT_LABEL.split(spec)
    for label, names in [("责任", pieces[0])] + list(zip(pieces[1::2], pieces[2::2])):
        units[_ROLES[label[:2]]].extend(split_units(names))
    return units


def take_units(line: str) -> tuple[str, dict[str, list[str]]]:
    """Split a units note off a line: a '责任单位：…' line (泾源), a trailing
    '(责任单位:…)' or '(…按职责分工负责)' note (南宁), or '。责任单位：…' after a sentence."""
    if _UNIT_LABEL.match(line):
        return "", parse_units(line)
    start = _trailing_bracket(line)
    if start is not None:
        note = line[start + 1:-1].strip()
        if _UNIT_LABEL.search(note) or _DUTY_TAIL.search(note):
            return line[:start].rstrip(), parse_units(note)
    if inline := _INLINE_LABEL.search(line):
        return line[:inline.start()].rstrip(), parse_units(line[inline.start():])
    return line, empty_units()


def _trailing_bracket(line: str) -> int | None:
    """Index of the bracket opening the group that ends the line, nested groups included."""
    if not line.endswith((")", "）")):
        return None
    depth = 0
    for index in range(len(line) - 1, -1, -1):
        depth += (line[index] in ")）") - (line[index] in "(（")
        if depth == 0:
            return index
    return None


def _merge_units(into: dict[str, list[str]], found: dict[str, list[str]]) -> None:
    for role, names in found.items():
        into[role].extend(name for name in names if name not in into[role])


# Paragraphs -----------------------------------------------------------------------------

_OPEN_END = "。！？；：!?;:…”’」』）)】"


def reflow(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Re-join lines an export wrapped mid-sentence ('…已经县人民政' + '府同意…'): a long
    line without closing punctuation was cut by the page width, not by the author."""
    out: list[tuple[int, str]] = []
    for no, text in lines:
        if out and len(out[-1][1]) >= 20 and out[-1][1][-1] not in _OPEN_END:
            out[-1] = (out[-1][0], out[-1][1] + text)
        else:
            out.append((no, text))
    return out


def _body(lines: list[tuple[int, str]]) -> tuple[str, dict[str, list[str]]]:
    """Clause text with its units notes taken out, and those units."""
    units, kept = empty_units(), []
    for no, text in lines:
        rest, found = take_units(text)
        _merge_units(units, found)
        if rest:
            kept.append((no, rest))
    return "\n".join(text for _, text in reflow(kept)), units


def split_enumeration(paragraph: str) -> tuple[str, list[tuple[str, str]]]:
    """'…合作。一是…。二是…。三是…' → (lead-in, [('一是', '…'), …]). Needs 一是 and 二是
    in order at sentence or clause starts, so a lone '一是' in prose stays where it is."""
    starts: list[int] = []
    for numeral in _ORDINALS:
        marker = re.compile(rf"(?:^|(?<=[。；;，,：:]))\s*({numeral}是)")
        found = marker.search(paragraph, starts[-1] + 2 if starts else 0)
        if not found:
            break
        starts.append(found.start(1))
    if len(starts) < 2:
        return paragraph, []
    ends = starts[1:] + [len(paragraph)]
    items = [(paragraph[s:s + 2], paragraph[s + 2:e].strip()) for s, e in zip(starts, ends)]
    return paragraph[:starts[0]].strip(), items


def _paragraph_clauses(lines: list[tuple[int, str]], root: list[str]) -> list[Clause]:
    """An unnumbered text (a news page): one clause per paragraph, and one per 一是/二是 item."""
    clauses = []
    for no, paragraph in _with_lists(reflow(lines)):
        lead, items = split_enumeration(paragraph)
        for path, text in ([(root, lead)] if lead else []) + [(root + [m], body) for m, body in items]:
            body, units = _body([(no, text)])
            clauses.append(Clause(list(path), "", body, units, no))
    return clauses


def _with_lists(paragraphs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A paragraph ending in a colon keeps the numbered items that follow it ('标准调整如下：'
    + '1、100周岁以上…' + '2、…'): one record for the list, not one per item without its subject."""
    out: list[tuple[int, str]] = []
    in_list = False
    for no, text in paragraphs:
        item = match_heading(text)
        if out and item and item.kind in LIST_KINDS and (in_list or ends_lead_in(out[-1][1])):
            out[-1], in_list = (out[-1][0], out[-1][1] + "\n" + text), True
        else:
            out.append((no, text))
            in_list = False
    return out


# Parts and numbered clauses -------------------------------------------------------------

_PART_MARKER = re.compile(r"(?:相关|政策)?解读:?|【(\S{1,6})】|附件\s*(\d{0,2})\s*:?")
_ATTACHMENT_LIST = re.compile(r"附件\s*:\s*\S")  # '附件：1.…工作方案表' lists attachments, it is no text


@dataclass
class _Part:
    label: str
    line: int
    title: str = ""
    lines: list[tuple[int, str]] = field(default_factory=list)


def is_title_like(text: str) -> bool:
    """A short line that does not end a sentence: a headline, a caption, a part title."""
    folded = fold(text).strip()
    cjk = sum("\u4e00" <= char <= "\u9fff" for char in folded)
    return (cjk >= 4 and len(folded) <= 60 and "。" not in folded and folded[-1] not in ",;:、"
            and match_heading(text) is None)


def part_start(text: str) -> tuple[str, str] | None:
    """(label, title) when a line opens a new part of the text: '相关解读:' (its title is
    the next line), '【又讯】', '附件1', or a '《…》政策解读' headline that titles itself."""
    folded = fold(text).strip()
    if marker := _PART_MARKER.fullmatch(folded):
        if marker.group(1):
            return marker.group(1), ""
        return ("附件" + marker.group(2), "") if folded.startswith("附件") else ("政策解读", "")
    if folded.endswith("解读") and is_title_like(text):
        return "政策解读", text
    return None


def _split_parts(lines: list[tuple[int, str]]) -> list[_Part]:
    """The main text, then each interpretation / follow-up / appendix as its own part, so
    that a second 一、 numbering stays apart (its paths start with the part's label)."""
    parts = [_Part("", 0)]
    for no, text in lines:
        if parts[-1].label and not parts[-1].title and not parts[-1].lines and is_title_like(text):
            parts[-1].title = text
        elif start := part_start(text):
            parts.append(_Part(start[0], no, start[1]))
        elif not _ATTACHMENT_LIST.match(fold(text)):
            parts[-1].lines.append((no, text))
    return parts


def _numbered_clauses(lines: list[tuple[int, str]], headings: list[Heading | None], root: list[str]) -> list[Clause]:
    """One clause per heading, body lines attached to the heading above them."""
    clauses: list[Clause] = []
    bodies: list[list[tuple[int, str]]] = []
    stack: list[tuple[str, str]] = []
    for (no, text), heading in zip(lines, headings):
        if heading is None:
            bodies[-1].append((no, text))
            continue
        rest, units = take_units(heading.rest)
        title, first = _split_title(heading.kind, rest)
        stack = _descend(stack, heading.kind, (heading.marker + squeeze(title)).strip())
        clauses.append(Clause(root + [element for _, element in stack], squeeze(title), "", units, no))
        bodies.append([(no, first)] if first else [])
    for clause, body in zip(clauses, bodies):
        clause.text, units = _body(body)
        _merge_units(clause.units, units)
    return clauses


def build_clauses(lines: list[tuple[int, str]]) -> tuple[str, list[Clause]]:
    """(preamble, clauses) for the cleaned, metadata-free lines of a document.

    Every heading yields a clause, also one with no text of its own ('二、工作措施'), so the
    outline stays complete. A part (政策解读, 又讯, 附件N) yields a clause whose path is just
    its label, holding the part's title and introduction. A part without numbering is split
    into paragraphs instead.
    """
    preamble, clauses = "", []
    for part in _split_parts(lines):
        root = [part.label] if part.label else []
        headings = [match_heading(text) for _, text in part.lines]
        _resolve_ambiguous(headings)
        _fix_misnumbered(headings)
        _unmarked_chapters(part.lines, headings)
        fold_enumerations(part.lines, headings)
        first = next((i for i, h in enumerate(headings) if h), len(headings))
        intro, units = _body(part.lines[:first]) if first < len(headings) else ("", empty_units())
        if part.label:
            clauses.append(Clause(root, squeeze(part.title), intro, units, part.line))
        else:
            preamble = intro
        if first < len(headings):
            clauses.extend(_numbered_clauses(part.lines[first:], headings[first:], root))
        else:
            clauses.extend(_paragraph_clauses(part.lines, root))
    return preamble, clauses
