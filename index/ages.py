"""Ages asked and age bands written: "我妈今年85了" fits "80-89周岁" and "年满80周岁以上".

A question's age is a number no document writes as such (85 matches nothing), while documents
write bands (80—89周岁, 九十周岁以上, 百岁老人). So each record is indexed with one token per
whole year its bands cover (a80 … a89), and a question's age becomes the term for its year.
The patterns are shapes of Chinese text, never topics or places.
"""
from __future__ import annotations

import re

OLDEST = 120  # an open band (80周岁以上) runs to here
YOUNGEST = 50  # a number below this in a question is no elder's age (交了25年, 3天了)
_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))
_NUMERAL = r"[零〇一二两三四五六七八九十百]{1,5}"
_YEARS = rf"(\d{{2,3}}|{_NUMERAL})"
_DASH = r"\s*(?:[-—–~～至到]|周岁至|岁至|岁到|周岁到)\s*"
_BANDS = (
    (re.compile(rf"{_YEARS}{_DASH}{_YEARS}\s*周?岁"), "range"),
    (re.compile(rf"(?:年满|满|年龄在)?{_YEARS}\s*周?岁(?:（含）|\(含\))?(?:及|或|和)?以上"), "from"),
    (re.compile(rf"年满{_YEARS}\s*周?岁"), "from"),
    (re.compile(rf"(?:不满|未满){_YEARS}\s*周?岁"), "below"),
    (re.compile(r"百岁(?:老人|及以上|以上)?"), "hundred"),
)
_ASKED = re.compile(rf"{_YEARS}\s*(?:周岁|岁|了|多岁|多了)")
_HUNDRED = re.compile(r"百岁")


def number(text: str) -> int | None:
    """85, 八十五, 一百零二, 九十 → the number; None when it is no number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total, current = total + (current or 1) * 100, 0
        elif ch == "十":
            total, current = total + (current or 1) * 10, 0
        else:
            current = _DIGITS[ch]
    return total + current


def bands(text: str) -> list[tuple[int, int]]:
    """Every age band the text writes, as (youngest, oldest) whole years."""
    found = []
    for pattern, shape in _BANDS:
        for match in pattern.finditer(text):
            band = _band(shape, [number(g) for g in match.groups()])
            if band and band[0] <= band[1]:
                found.append(band)
    return found


def _band(shape: str, numbers: list[int | None]) -> tuple[int, int] | None:
    if shape == "hundred":
        return 100, OLDEST
    if any(n is None or not 0 < n <= OLDEST for n in numbers):
        return None
    if shape == "range":
        return numbers[0], numbers[1]
    return (numbers[0], OLDEST) if shape == "from" else (0, numbers[0] - 1)


def tokens(text: str) -> list[str]:
    """The index tokens of the elder years the text's bands cover (a60 … a120)."""
    years = {year for low, high in bands(text) for year in range(max(low, YOUNGEST), high + 1)}
    return [token(year) for year in sorted(years)]


def token(year: int) -> str:
    return f"a{year}"


def asked_age(text: str) -> tuple[int, str] | None:
    """(age, the words saying it) of a question naming an elder's age: 85了, 八十岁以上, 过了一百岁."""
    for match in _ASKED.finditer(text):
        age = number(match.group(1))
        if age is not None and YOUNGEST <= age <= OLDEST:
            return age, match.group(0)
    match = _HUNDRED.search(text)
    return (100, match.group(0)) if match else None
