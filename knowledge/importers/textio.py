"""Turning the bytes of a file into clean text: encodings, line ends, full-width forms.

Chinese files arrive as UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK from
older Windows tools. We try them in that order and refuse bytes that are none of them,
naming the line of the first undecodable byte.
"""
from __future__ import annotations

import codecs
import re

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_FULL_WIDTH |= {code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)}  # Ａ-Ｚ
_FULL_WIDTH |= {code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)}  # ａ-ｚ
_FULL_WIDTH |= {0x3000: 0x20, 0xFF0E: 0x2E, 0xFF05: 0x25, 0xFF0D: 0x2D, 0xFF0B: 0x2B, 0x00A0: 0x20}  # 全角空格 ． ％ － ＋ nbsp
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


class DecodeError(ValueError):
    """Bytes that are not text in any encoding we accept; `line` is 1-based."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def decode(data: bytes) -> str:
    """Decode and normalise: BOMs honoured, UTF-8 first, then GB18030 (a superset of GBK)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return normalise(_strict(data, encoding))
    if b"\x00" in data[:4096]:
        raise DecodeError(_line_of(data, data.index(b"\x00")), "binary data (NUL byte), not a text file")
    try:
        return normalise(data.decode("utf-8"))
    except UnicodeDecodeError as utf8_error:
        try:
            return normalise(data.decode("gb18030"))
        except UnicodeDecodeError:
            line = _line_of(data, utf8_error.start)
            raise DecodeError(line, "neither UTF-8 nor GB18030/GBK text") from None


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DecodeError(_line_of(data, error.start), f"invalid {encoding} byte") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def normalise(text: str) -> str:
    """CRLF/CR → LF, BOM and control characters dropped, full-width digits and letters → ASCII.

    Chinese punctuation (，、（）〔〕) is kept: it carries meaning in headings and 文号.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).translate(_FULL_WIDTH)


TRADITIONAL_SHARE = 0.02  # of the Chinese characters: above it a text is written in traditional script


def simplified(text: str) -> str:
    """A text written in traditional script (a 香港/台湾 copy, an old 繁体 export), in simplified:
    headings (第一條), labels ([主題分類]) and every rule of the parser are written in simplified,
    and so are the questions once normalised. A simplified text is returned as it is."""
    import zhconv

    converted = zhconv.convert(text, "zh-hans")
    cjk = sum("\u4e00" <= char <= "\u9fff" for char in text) or 1
    changed = sum(a != b for a, b in zip(text, converted)) if len(converted) == len(text) else cjk
    return converted if changed / cjk > TRADITIONAL_SHARE else text
