"""Chinese analysis for whoosh: our own tokenizer on jieba, used for both index and query.

jieba's stock `ChineseAnalyzer` gives every token position 0, applies English stemming and
imports the TF-IDF table (0.5 s, ~95 MB per process). This tokenizer emits real positions and
character offsets, normalises both sides the same way (NFKC full-width → half-width,
traditional → simplified, lower case) and loads only jieba's dictionary plus ours.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import zhconv
from whoosh.analysis import StopFilter, Token, Tokenizer

DATA = Path(__file__).parent / "data"
_SKIP = re.compile(r"^[\s\W_]+$")
_jieba_lock = threading.Lock()
_jieba_ready = False


def read_word_file(path: Path) -> list[str]:
    """Lines of a data file, comments and blanks dropped."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def dictionary_words(path: Path = DATA / "dictionary.txt") -> list[str]:
    return [line.split()[0] for line in read_word_file(path)]


def ensure_jieba(path: Path = DATA / "dictionary.txt") -> None:
    """Load jieba's dictionary once per process, then the domain words (适老化改造, 长者饭堂 …)."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            for line in read_word_file(path):
                word, *rest = line.split()
                jieba.add_word(word, freq=int(rest[0]) if rest else 1000)
            _jieba_ready = True


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case: the same on both sides."""
    return zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn").lower()


class ChineseTokenizer(Tokenizer):
    """jieba search-mode segmentation (words and their sub-words) with real positions and offsets."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        ensure_jieba()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for word, start, end in jieba.tokenize(normalize(value), mode="search"):
            if _SKIP.match(word):
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = position
                position += 1
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(word for line in read_word_file(DATA / "stopwords.txt") for word in line.split())


def ChineseAnalyzer():  # noqa: N802 — named like whoosh's analyzers, which are factories too
    """The one analyzer of the schema and of every query: tokenizer | filler-word filter."""
    return ChineseTokenizer() | StopFilter(stoplist=stopwords(), minsize=1, renumber=True)


@lru_cache(maxsize=1)
def shared_analyzer():
    return ChineseAnalyzer()


@lru_cache(maxsize=8192)
def terms(text: str) -> tuple[str, ...]:
    """The analysed terms of a text, in order (duplicates kept): what a query searches for."""
    return tuple(token.text for token in shared_analyzer()(text))
