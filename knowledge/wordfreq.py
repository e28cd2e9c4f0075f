"""How common a word is in general Chinese: jieba's dictionary counts.

Two places need to tell everyday words from telling ones: the importer (新建, 长安 are words long
before they are place names) and the confidence of an answer (每个, 现在, 一个月 in an elder's
question say little about which record fits; 优待证, 敬老院 say a lot).

The counts are read from jieba's own process-wide dictionary, which every process that cuts
text has loaded anyway (a second copy cost 0.7 s and tens of MB per worker). A data dir's domain
words carry the count their dictionary line gives them (index.analysis.DEFAULT_FREQ, 1000, when
none): they are common for this purpose, which none of the callers minds — domain words are in
the index's own vocabulary, so they are never typos nor unknown place names.
"""
from __future__ import annotations

import jieba

COMMON = 1_000  # jieba's count from which a word is common in general text (户口 1072, 新建 1000)
EVERYDAY = 5_000  # … and an everyday word (每个 6618, 现在 34145)


def general_frequency(word: str) -> int:
    if not jieba.dt.initialized:
        jieba.initialize()
    return jieba.dt.FREQ.get(word) or 0
