"""Ages asked and age bands written: "我妈今年85了" fits "80-89周岁" and "年满80周岁以上".

A question's age is a number no document writes as such (85 matches nothing), while documents
write bands (80—89周岁, 九十周岁以上, 百岁老人). So each record is indexed with one token per
whole year its bands cover (a80 … a89), and a question's age becomes the term for its year.
The patterns are shapes of Chinese text, never topics or places.
"""
from __future__ import annotations

import re

from knowledge.importers.clauses import cn_to_int

OLDEST = 120  # an open band (80周岁以上) runs to here
YOUNGEST = 50  # band years below this are indexed for no one: 不满60周岁 covers 50–59
_NUMERAL_CHARS = "零〇一二两三四五六七八九十百"
_NUMERAL = rf"[{_NUMERAL_CHARS}]{{1,5}}"
_YEARS = rf"(\d{{2,3}}|{_NUMERAL})"
_DASH = r"\s*(?:[-—–~～至到]|周岁至|岁至|岁到|周岁到)\s*"
_BANDS = (
    (re.compile(rf"{_YEARS}{_DASH}{_YEARS}\s*周?岁"), "range"),
    (re.compile(rf"(?:年满|满|年龄在)?{_YEARS}\s*周?岁(?:（含）|\(含\))?(?:及|或|和)?以上"), "from"),
    (re.compile(rf"年满{_YEARS}\s*周?岁"), "from"),
    (re.compile(rf"(?:不满|未满){_YEARS}\s*周?岁"), "below"),
    (re.compile(r"百岁(?:老人|及以上|以上)?"), "hundred"),
)
# An asked age needs an age word after it (岁, 周岁, 旬) or a "今年…了" shape: 2026年, 5000元,
# 交了25年 and 60张床位 have neither. Used by the search (index) and the session's slots (advisor).
_ASKED = (
    re.compile(rf"(?<!\d){_YEARS}(?:多|来|好几)?(?:周岁|岁)"),
    re.compile(rf"(?<!\d){_YEARS}多?旬"),
    re.compile(rf"(?:今年|已经|都|快|满|有|刚|虚岁|年纪)(?:有)?{_YEARS}(?:多|好几)?(?:了|啦|出头)"),
    re.compile(rf"(?:我|俺)?(?:妈|爸|母亲|父亲|老伴|爷爷|奶奶|外公|外婆|姥姥|姥爷|老头|老太|老人|婆婆|公公){_YEARS}多?(?:了|啦)"),
)
ASKED_RANGE = (40, OLDEST)  # children's and grandchildren's ages are not the elder's


def number(text: str) -> int | None:
    """85, 八十五, 一百零二, 九十 → the number; None when it is no number."""
    if not text or not (text.isdigit() or all(ch in _NUMERAL_CHARS for ch in text)):
        return None
    return cn_to_int(text)


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
    """(age, the words saying it) of the first plausible elder age a text names: 85了, 八十多岁
    (the lower bound, which rules test), 八旬, 过了一百岁."""
    for pattern in _ASKED:
        for match in pattern.finditer(text):
            age = number(match.group(1))
            if match.group(0).endswith("旬") and age and age < 20:
                age *= 10  # 八旬 → 80
            if age and ASKED_RANGE[0] <= age <= ASKED_RANGE[1]:
                return age, match.group(0)
    return None
