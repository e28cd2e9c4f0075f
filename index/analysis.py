"""Chinese analysis for whoosh: our own tokenizer on jieba, used for both index and query.

jieba's stock `ChineseAnalyzer` gives every token position 0, applies English stemming and
imports the TF-IDF table (0.5 s, ~95 MB per process). This tokenizer emits real positions and
character offsets, normalises both sides the same way (NFKC full-width → half-width,
traditional → simplified, lower case) and loads only jieba's dictionary plus ours.

jieba cuts every run of Chinese characters, letters and digits (its "block", between
punctuation and spaces) on its own, so the words of a text are the words of its blocks in
order. Policy texts repeat their blocks (由县民政局负责, the document's title in every clause,
units and headings), so the blocks' words are cached: the same output at a fraction of the cost.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import jieba
import rjieba
import zhconv
from jieba import finalseg
from whoosh.analysis import StopFilter, Token, Tokenizer
from whoosh.fields import TEXT
from whoosh.system import pack_uint as _pack_uint

DATA = Path(__file__).parent / "data"
DEFAULT_FREQ = 1000  # a domain word without a frequency: high enough to win over its parts
CACHE = 4096  # blocks and runs a serving process remembers; an index build raises it (build_caches)
_SKIP = re.compile(r"^[\s\W_]+$")
_BLOCK = jieba.re_han_default  # jieba's own block pattern (0.42.1): what `jieba.cut` segments alone
_HAN = finalseg.re_han  # runs of Chinese characters only (a capturing group: split keeps them)
_jieba_lock = threading.RLock()


def read_word_file(path: Path) -> list[str]:
    """Lines of a data file, comments and blanks dropped."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def parse_dictionary(lines: list[str]) -> tuple[tuple[str, int], ...]:
    """(word, frequency) of jieba user-dictionary lines (`word [frequency [tag]]`)."""
    entries = []
    for line in lines:
        word, *rest = line.split()
        # 0 would mean "force a split" to jieba, which jieba-rs does not know: a domain word is kept whole
        entries.append((word, int(rest[0]) if rest and rest[0].isdigit() and int(rest[0]) else DEFAULT_FREQ))
    return tuple(entries)


class _Jieba:
    """jieba's global dictionary with exactly one domain dictionary on top, switchable.

    jieba has one dictionary per process, and `add_word` cannot be taken back by `del_word`
    (which forces a split). So the values each domain word and its prefixes had before are
    kept, and switching to another data dir's dictionary puts them back before adding the
    new words: the result is the same as a fresh process given only the new dictionary.

    `fast` is jieba-rs (rjieba) holding the same words: jieba's algorithm and dictionary in
    Rust, which cuts a block 5–12× faster (`block_tokens`). A new dictionary gets a new one.
    """

    def __init__(self):
        self.entries: tuple | None = None
        self.fast: rjieba.Jieba | None = None
        self._saved: dict[str, int | None] = {}
        self._total = 0

    def use(self, entries: tuple[tuple[str, int], ...]) -> None:
        if entries is self.entries or entries == self.entries:
            return
        with _jieba_lock:
            if entries == self.entries:
                return
            if self.entries is None:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                self._total = jieba.dt.total
            self._restore()
            for word, freq in entries:
                for end in range(1, len(word) + 1):
                    self._saved.setdefault(word[:end], jieba.dt.FREQ.get(word[:end]))
                jieba.add_word(word, freq=freq)
            self.fast = _fast_jieba(entries)
            self.entries = entries
            BLOCKS.clear()
            terms.cache_clear()  # normalize and RUNS do not depend on jieba

    def _restore(self) -> None:
        frequencies = jieba.dt.FREQ
        for word, value in self._saved.items():
            if value is None:
                frequencies.pop(word, None)
            else:
                frequencies[word] = value
        self._saved.clear()
        jieba.dt.total = self._total


_JIEBA = _Jieba()


def _fast_jieba(entries: tuple[tuple[str, int], ...]) -> rjieba.Jieba:
    """jieba-rs with jieba's own dict.txt (bundled) and the domain words on top, added as
    jieba adds them (each frequency added to the total): 0.1 s."""
    fast = rjieba.Jieba()
    for word, freq in entries:
        fast.add_word(word, freq, None)
    return fast


@lru_cache(maxsize=1)
def shipped_dictionary() -> tuple[tuple[str, int], ...]:
    return parse_dictionary(read_word_file(DATA / "dictionary.txt"))


def use_dictionary(entries: tuple[tuple[str, int], ...]) -> None:
    """Make jieba cut with these domain words (a data dir's dictionary); cheap when already so."""
    _JIEBA.use(entries)


def is_word(word: str) -> bool:
    """Whether jieba's dictionary holds `word` (褪黑素 is rare, but a word). A question word
    neither it nor the index knows (省签 from 那几个省签了个) is jieba's HMM guessing at
    characters, not a topic."""
    ensure_jieba()
    return bool(jieba.dt.FREQ.get(word))  # 0 marks a prefix of a word, not a word


def ensure_jieba() -> None:
    """Load jieba's dictionary once per process, with the shipped domain words (适老化改造,
    长者饭堂 …) unless a data dir's dictionary was put in force (`use_dictionary`)."""
    if _JIEBA.entries is None:
        _JIEBA.use(shipped_dictionary())


class BoundedCache(dict):
    """A dict emptied when full: cheap, and a build's repeated pieces come back quickly."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def get_or(self, key: str, make):
        found = self.get(key)
        if found is None:
            if len(self) >= self.limit:
                self.clear()
            found = self[key] = make(key)
        return found


BLOCKS = BoundedCache(CACHE)  # block → its terms (jieba search mode, punctuation and filler dropped)
RUNS = BoundedCache(CACHE)  # run of characters zhconv may convert → converted


@contextmanager
def build_caches(limit: int):
    """Remember up to `limit` blocks and runs while indexing (processes forked meanwhile
    inherit the limit); afterwards this process goes back to the small caches."""
    try:
        BLOCKS.limit = RUNS.limit = limit
        yield
    finally:
        BLOCKS.limit = RUNS.limit = CACHE
        BLOCKS.clear()
        RUNS.clear()


def _block_terms(block: str) -> tuple[str, ...]:
    stop = stopwords()
    return tuple(word for word, _, _ in block_tokens(block) if not _SKIP.match(word) and word not in stop)


def block_tokens(block: str) -> list[tuple[str, int, int]]:
    """jieba search mode on one block (a run `jieba.cut` segments on its own): each word after
    the dictionary words inside it, as (word, start, end) — cut by jieba-rs.

    jieba-rs keeps a run of letters, digits and signs that no dictionary holds whole
    (0117-77666403, 1-2) where Python jieba's HMM splits it into letters-and-digits (a decimal
    and % kept) and single signs, which finds more: those runs are split jieba's way, and
    their sub-words looked up here as jieba's search mode does."""
    fast = _JIEBA.fast
    if _HAN.fullmatch(block):
        return fast.tokenize(block, "search", True)
    tokens: list[tuple[str, int, int]] = []
    frequencies, start = jieba.dt.FREQ, 0
    for word in fast.cut(block, True):
        for piece in (word,) if frequencies.get(word) else _hmm_pieces(word):
            end = start + len(piece)
            tokens += _search_subwords(piece, start, frequencies)
            tokens.append((piece, start, end))
            start = end
    return tokens


def _hmm_pieces(word: str):
    """A word jieba's dictionary lacks, split as jieba's HMM (finalseg.cut) splits its text."""
    for part in _HAN.split(word):
        if _HAN.fullmatch(part):
            yield part
        else:
            yield from (x for x in finalseg.re_skip.split(part) if x)


def _search_subwords(word: str, start: int, frequencies: dict) -> list[tuple[str, int, int]]:
    """jieba's search mode: the dictionary's 2- then 3-character words inside a longer word."""
    size = len(word)
    spans = [(i, i + 2) for i in range(size - 1)] if size > 2 else []
    spans += [(i, i + 3) for i in range(size - 2)] if size > 3 else []
    return [(word[i:j], start + i, start + j) for i, j in spans if frequencies.get(word[i:j])]


def _text_tokens(text: str):
    """(word, start, end) of a whole normalised text: its blocks' tokens in order."""
    offset = 0
    for part in _BLOCK.split(text):
        tokens = block_tokens(part) if _BLOCK.match(part) else _outside_blocks(part)
        yield from ((word, offset + start, offset + end) for word, start, end in tokens)
        offset += len(part)


def _outside_blocks(part: str) -> list[tuple[str, int, int]]:
    """What jieba yields between blocks: a line break or a space whole, any other character alone."""
    tokens, at = [], 0
    for unit in jieba.re_skip_default.split(part):
        for piece in (unit,) if jieba.re_skip_default.match(unit) else unit:
            tokens.append((piece, at, at + len(piece)))
            at += len(piece)
    return tokens


def analyse(text: str) -> list[str]:
    """The terms of a text in order, exactly as `ChineseAnalyzer()` yields them, blocks cached.
    Outside jieba's blocks, jieba yields spaces whole and every other character alone."""
    ensure_jieba()
    found: list[str] = []
    stop = stopwords()
    for block in _BLOCK.split(_normalize(text)):
        if _BLOCK.match(block):
            found.extend(BLOCKS.get_or(block, _block_terms))
        elif block:
            found.extend(char for char in block if not _SKIP.match(char) and char not in stop)
    return found


def _normalize(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case: the same on both sides."""
    return _simplified(unicodedata.normalize("NFKC", text)).lower()


# Questions repeat, record texts do not: only the query side goes through the cache, so an index
# build (whole record bodies) never evicts the questions a serving process keeps asking.
normalize = lru_cache(maxsize=4096)(_normalize)


def _convertible() -> re.Pattern | None:
    """Runs of characters that occur in zhconv's zh-cn table; None if its internals differ.

    zhconv converts by longest match against that table, so a character in none of its
    entries (的, 院, spaces, line breaks …) can neither be converted nor be part of a match:
    converting the runs between such characters, each cached, gives exactly the same text."""
    getdict = getattr(getattr(zhconv, "zhconv", None), "getdict", None)
    try:
        table = getdict("zh-cn")
    except Exception:  # another zhconv: convert whole texts
        return None
    characters = sorted(c for c in set("".join(table)) if ord(c) <= 0xFFFF)
    # Every character beyond the BMP counts as convertible (never a boundary: always safe);
    # listing the table's 1,400 of them one by one makes `re` test each in turn, 50× slower.
    return re.compile("[" + "".join(re.escape(c) for c in characters) + "\U00010000-\U0010FFFF]+")


_RUN = _convertible()


def _simplified(text: str) -> str:
    if _RUN is None:
        return zhconv.convert(text, "zh-cn")
    return _RUN.sub(lambda run: RUNS.get_or(run.group(), _convert), text)


def _convert(run: str) -> str:
    return zhconv.convert(run, "zh-cn")


class ChineseTokenizer(Tokenizer):
    """jieba search-mode segmentation (words and their sub-words) with real positions and offsets:
    the same cut as `analyse`, which skips this pipeline when indexing."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        ensure_jieba()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for word, start, end in _text_tokens(normalize(value)):
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


@lru_cache(maxsize=8192)
def terms(text: str) -> tuple[str, ...]:
    """The analysed terms of a text, in order (duplicates kept): what a query searches for."""
    return tuple(analyse(text))


class ChineseText(TEXT):
    """A TEXT field that indexes `analyse(text)`'s counts: the postings the analyzer would give
    (frequency, weight = frequency × field boost), without a whoosh Token per word — a third
    of the build's time went into that pipeline. Indexes record this class in their schema:
    keep it importable here (a renamed class makes old indexes unreadable before the
    fingerprint check can rebuild them)."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return ((word.encode("utf-8"), count, count * boost, _pack_uint(count))
                for word, count in Counter(analyse(value)).items())
