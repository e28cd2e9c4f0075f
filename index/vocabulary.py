"""The words the index knows, and the nearest known word for a typo or a homophone.

Homophones are the commonest typo of pinyin input and of voice transcription (适老话 for 适老化,
南凝 for 南宁), so a window of the question is first looked up by its toneless pinyin; longer
windows then fall back to edit similarity (rapidfuzz) against the domain dictionary.
"""
from __future__ import annotations

import re
from typing import Iterable

from rapidfuzz import fuzz, process

from index.analysis import normalize


def pinyin_key(text: str) -> str:
    from pypinyin import lazy_pinyin  # 0.4 s to import: only processes that correct typos pay it

    return " ".join(lazy_pinyin(text))


# What pinyin input and southern speech confuse (模糊音): zh/z, ch/c, sh/s, n/l, -ng/-n.
_FUZZY = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^l"), "n"), (re.compile(r"([aei])ng$"), r"\1n"))
_INITIAL = re.compile(r"^(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?")


def near_syllables(a: str, b: str) -> bool:
    """Two toneless syllables an IME or a listener mixes up: the fuzzy pairs above (shi/si,
    lao/nao, jing/jin), or one letter apart in the final (li/lie, tiao/tao): 条列 for 条例.
    Initials differ only by the fuzzy pairs: zhu/shu, ya/yi are other words (人住 is no 人数)."""
    fa, fb = _fuzzy(a), _fuzzy(b)
    if fa == fb:
        return True
    (ia, ra), (ib, rb) = _split(fa), _split(fb)
    return ia == ib and max(len(ra), len(rb)) >= 2 and _one_edit(ra, rb)


def _fuzzy(syllable: str) -> str:
    for pattern, replacement in _FUZZY:
        syllable = pattern.sub(replacement, syllable)
    return syllable


def _split(syllable: str) -> tuple[str, str]:
    """(initial, final): 'shu' → ('sh', 'u')."""
    initial = _INITIAL.match(syllable).group()
    return initial, syllable[len(initial):]


def _one_edit(a: str, b: str) -> bool:
    """Exactly one letter inserted, deleted or replaced."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


INSTITUTION_KINDS = ("service", "base")
NAME_LENGTHS = (4, 24)  # characters of an institution's name a question may write whole
_NAME_PREFIX = re.compile(r"^[^：:]{1,12}[：:]")
NAME_NOTE = re.compile(r"[（(][^（）()]*[）)]")  # a bracketed note after a name: （公办）


def institution_name(title: str) -> str:
    """'海口：海口颐养院（公办）' → '海口颐养院'."""
    return NAME_NOTE.sub("", _NAME_PREFIX.sub("", title)).strip()


def institution_names(records: Iterable) -> set[str]:
    """The names of the institutions among `records`, as the index normalises text."""
    low, high = NAME_LENGTHS
    return {name for record in records if record.kind in INSTITUTION_KINDS
            for name in [normalize(institution_name(record.title))] if low <= len(name) <= high}


class Vocabulary:
    def __init__(self, lexicon: Iterable[str], correction_words: Iterable[str], covered: Iterable[str] = (),
                 concepts: Iterable[str] = (), names: Iterable[str] = ()):
        self.lexicon = set(lexicon)
        self.names = set(names)  # words of record titles: 福海 of 福海老年公寓 names an institution there
        self.covered = set(covered)  # city and province codes the knowledge has records for
        self.concepts = frozenset(concepts)  # domain words (养老金, 失独): asked but absent = not answerable
        self.words = list(dict.fromkeys(w for w in correction_words if 2 <= len(w) <= 8))
        self._known = set(self.words)
        self._by_pinyin: dict[str, str] | None = None
        self._by_mask: dict[str, list[str]] | None = None  # word with one character masked → words
        self.institutions: set[str] = set()  # names of homes and bases: never "corrected" (中颐颐养园)

    def learn_institutions(self, records: Iterable) -> None:
        self.institutions.update(institution_names(records))

    def institution_spans(self, text: str) -> list[tuple[int, int]]:
        """Where `text` writes an institution's name whole (start, end): jieba may cut one into
        characters (中|颐|颐养|园), which typo correction would take for a typo of a known word (中医)."""
        low, high = NAME_LENGTHS
        return [(i, j) for i in range(len(text)) for j in range(i + low, min(len(text), i + high) + 1)
                if text[i:j] in self.institutions]

    def add(self, lexicon: Iterable[str], correction_words: Iterable[str], covered: Iterable[str],
            names: Iterable[str] = ()) -> None:
        """Learn the words of new or edited records. Words of retired records stay: a stale
        word can only fail to match, while rebuilding the whole vocabulary costs seconds."""
        self.lexicon.update(lexicon)
        self.names.update(names)
        self.covered.update(covered)
        new = [w for w in dict.fromkeys(correction_words) if 2 <= len(w) <= 8 and w not in self._known]
        self.words += new
        self._known.update(new)
        if self._by_pinyin is not None:
            for word in new:
                self._by_pinyin.setdefault(pinyin_key(word), word)
        if self._by_mask is not None:
            self._add_masks(new)

    def knows(self, word: str) -> bool:
        return word in self.lexicon

    def covers(self, code: str) -> bool:
        """Whether the knowledge has records for this division's city (or the division itself)."""
        return code in self.covered or code[:4] + "00" in self.covered

    def same_sound(self, window: str) -> str | None:
        if self._by_pinyin is None:
            self._by_pinyin = {}
            for word in self.words:  # earlier words (the domain dictionary) win ties
                self._by_pinyin.setdefault(pinyin_key(word), word)
        return self._by_pinyin.get(pinyin_key(window))

    def near_sound(self, window: str) -> str | None:
        """The one known word that differs from `window` in one character, sounding near it
        (near_syllables): None when no word or several words do."""
        from pypinyin import lazy_pinyin

        if self._by_mask is None:
            self._by_mask = {}
            self._add_masks(self.words)
        found = {word for i in range(len(window)) for word in self._by_mask.get(_masked(window, i), ())
                 if word != window and near_syllables(*lazy_pinyin(window[i] + word[i]))}
        return found.pop() if len(found) == 1 else None

    def _add_masks(self, words: list[str]) -> None:
        for word in words:
            for i in range(len(word)):
                self._by_mask.setdefault(_masked(word, i), []).append(word)

    def closest(self, window: str, near: bool = True) -> str | None:
        """The known word that sounds the same as `window`, else (when `near`) one sounding near
        it, else (four characters or more) one spelled almost the same."""
        sounding = self.same_sound(window) or (near and self.near_sound(window))
        if sounding:
            return sounding
        if len(window) >= 4:
            best = process.extractOne(window, self.words, scorer=fuzz.ratio, score_cutoff=75)
            return best[0] if best else None
        return None


def _masked(word: str, i: int) -> str:
    return word[:i] + "?" + word[i + 1:]
