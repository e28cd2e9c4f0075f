"""How common a word is in general Chinese: jieba's bundled dictionary counts, never a domain one.

Two places need to tell everyday words from telling ones: the importer (新建, 长安 are words long
before they are place names) and the confidence of an answer (每个, 现在, 一个月 in an elder's
question say little about which record fits; 优待证, 敬老院 say a lot).
"""
from __future__ import annotations

from functools import lru_cache

COMMON = 1_000  # jieba's count from which a word is common in general text (户口 1072, 新建 1000)
EVERYDAY = 5_000  # … and an everyday word (每个 6618, 现在 34145)


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    import jieba

    tokenizer = jieba.Tokenizer()  # its own instance: the index's tokenizer carries domain words
    tokenizer.initialize()
    return tokenizer.FREQ


def general_frequency(word: str) -> int:
    return _frequencies().get(word) or 0
