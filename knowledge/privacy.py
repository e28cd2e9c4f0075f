"""Masking personal numbers (手机号, 座机, 身份证号) before they reach a screen or a log.

Elders type their numbers the way they say them: full-width digits from a Chinese IME,
spaces or dashes in "138 0000 1234", a +86 in front. The patterns therefore run over a copy
of the text in which full-width digits and separators are folded to ASCII one character for
one character, so every match span is also a span of the original text and nothing outside
a number is ever changed. Amounts (5000元), years (2026年) and 文号 (南府办〔2024〕14号) do not
fit any pattern: each needs a mobile prefix, an area code or eighteen digits, with no digit
directly before or after.
"""
from __future__ import annotations

import re
from typing import Callable

# Full-width digits, spaces and dashes → ASCII, one character each (indices stay valid).
_FOLD = str.maketrans("０１２３４５６７８９\u3000－—–‐﹣＋（）", "0123456789 -----+()")

_SEP = r"[ \-]?"
# 手机号: 1[3-9] + 9 digits, optionally +86, optionally grouped 3-4-4.
_MOBILE = re.compile(rf"(?<![0-9])(?:\+?86{_SEP})?(1[3-9][0-9]){_SEP}([0-9]{{4}}){_SEP}([0-9]{{4}})(?![0-9])")
# 座机: area code 010/02X (three digits) or 0[3-9]XX (four), then a 7–8 digit local number.
_LANDLINE = re.compile(
    rf"(?<![0-9])\(?(0(?:10|2[0-9]|[3-9][0-9]{{2}}))\)?{_SEP}([1-9][0-9]{{2,3}}){_SEP}([0-9]{{4}})(?![0-9])")
# 身份证号: 17 digits and a check digit or X, optionally grouped 6-8-4.
_RESIDENT_ID = re.compile(
    rf"(?<![0-9A-Za-z])([1-9][0-9]{{5}}){_SEP}([0-9]{{8}}){_SEP}([0-9]{{3}}[0-9Xx])(?![0-9A-Za-z])")


# Any character that folds to a digit: the patterns above match nothing in text without one.
_DIGIT = re.compile("[0-9０-９]")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _substitute(text: str, pattern: re.Pattern, render: Callable[[re.Match], str]) -> str:
    """Replace each match found in the folded text at the same span of the original text."""
    pieces, last = [], 0
    for match in pattern.finditer(_fold(text)):
        pieces += [text[last:match.start()], render(match)]
        last = match.end()
    return "".join(pieces) + text[last:]


def _mobile_mask(match: re.Match) -> str:
    return f"{match[1]}****{match[3]}"


def _landline_mask(match: re.Match) -> str:
    return f"{match[1]}-****{match[3]}"


def _id_mask(match: re.Match) -> str:
    digits = (match[1] + match[2] + match[3]).upper()
    return digits[:4] + "*" * 10 + digits[-4:]


def mask_phone(text: str) -> str:
    """138 0000 5678 → 138****5678; 0771-12345678 → 0771-****5678."""
    text = _substitute(text, _MOBILE, _mobile_mask)
    return _substitute(text, _LANDLINE, _landline_mask)


def mask_ids(text: str) -> str:
    """450102195001011234 → 4501**********1234 (first four and last four kept, X upper-cased)."""
    return _substitute(text, _RESIDENT_ID, _id_mask)


def mask(text: str) -> str:
    """Everything personal: ID numbers first, so a phone pattern never bites into one.
    Every pattern needs digits, so text without any (most log fields, most messages) is
    returned as it is without three folded copies and scans."""
    text = text or ""
    if not _DIGIT.search(text):
        return text
    return mask_phone(mask_ids(text))


def find_phone(text: str) -> str | None:
    """The first mobile (13800001234) or landline (0771-12345678) number in a message, or None.

    Resident ID numbers are skipped: their digits must not be mistaken for a contact number.
    """
    folded = _fold(mask_ids(text or ""))
    found = [m for m in (_MOBILE.search(folded), _LANDLINE.search(folded)) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    if first.re is _MOBILE:
        return first[1] + first[2] + first[3]
    return f"{first[1]}-{first[2]}{first[3]}"
