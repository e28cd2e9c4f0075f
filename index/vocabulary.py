"""The words the index knows, and the nearest known word for a typo or a homophone.

Homophones are the commonest typo of pinyin input and of voice transcription (适老话 for 适老化,
南凝 for 南宁), so a window of the question is first looked up by its toneless pinyin; longer
windows then fall back to edit similarity (rapidfuzz) against the domain dictionary.
"""
from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz, process


def pinyin_key(text: str) -> str:
    from pypinyin import lazy_pinyin  # 0.4 s to import: only processes that correct typos pay it

    return " ".join(lazy_pinyin(text))


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

    def closest(self, window: str) -> str | None:
        """The known word that sounds the same as `window`, else one spelled almost the same."""
        same_sound = self.same_sound(window)
        if same_sound:
            return same_sound
        if len(window) >= 4:
            best = process.extractOne(window, self.words, scorer=fuzz.ratio, score_cutoff=75)
            return best[0] if best else None
        return None
