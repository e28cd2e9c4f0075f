"""Synonym groups (长者饭堂 ↔ 老年食堂 ↔ 助餐点 …), expanded at query time.

Expansion happens only when searching, so editing the groups (`index/data/synonyms.txt`, or a
data dir's override saved by the console through index/lexicon.py) takes effect at the next
search without rebuilding the index. Members are normalised as the index's text is
(simplified, half-width, lower case), so 養老院 in a group matches 养老院 in a question.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.analysis import DATA, normalize, read_word_file, terms

SYNONYM_WEIGHT = 0.8  # a synonym counts a little less than the word the user typed
SPOKEN_WEIGHT = 0.6  # a written form of a spoken phrase: looser than a synonym (瘫在床上 → 失能)
MIN_PHRASE = 2  # characters: a one-character spoken word (啥, 咋) is looked up as a term, not found in text


@dataclass(eq=False)  # compared by identity: a reload makes a new table (advisor/answer_cache.py)
class Synonyms:
    groups: dict[str, tuple[str, ...]]
    # how people say it → the index terms documents write it with (交钱 → 缴费, 收费), one way only:
    # a document's 收费 does not make every question about 收费 a question about 交钱
    spoken: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the spoken phrases a question keeps whole: those jieba cuts into single characters (交钱 →
    # 交 + 钱), which are no terms of their own (the searcher drops single characters), so standing
    # whole loses nothing. A phrase kept as one term (养老院) is expanded as that term; one cut into
    # words (老年证 → 老年 + 证) keeps its words: measured on both seed sets, standing whole there
    # lost more than it found. Decided once, with the dictionary in force, not per question.
    phrases: frozenset[str] = frozenset()
    # written forms the analyzer cuts apart (低保 → 最低生活保障: 最低 + 生活 + 保障), which no one
    # index term stands for: a record holding one word for word covers the term in its confidence
    literal: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _sayings: frozenset[str] | None = field(default=None, repr=False)
    _cut: list | None = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path = DATA / "synonyms.txt") -> "Synonyms":
        return cls.from_groups(line.split() for line in read_word_file(path))

    @classmethod
    def from_groups(cls, groups, spoken=()) -> "Synonyms":
        table: dict[str, tuple[str, ...]] = {}
        for group in groups:
            members = tuple(dict.fromkeys(normalize(w) for w in group))
            for member in members:
                table[member] = tuple(dict.fromkeys(table.get(member, ()) + members))
        written: dict[str, tuple[str, ...]] = {}
        literal: dict[str, tuple[str, ...]] = {}
        for phrase, words in spoken:
            key, forms = normalize(phrase), [normalize(word) for word in words]
            found = tuple(term for form in forms if (term := _index_term(form)))
            written[key] = tuple(dict.fromkeys(written.get(key, ()) + found))
            cut = tuple(form for form in forms if not _index_term(form) and len(form) > 2)
            literal[key] = tuple(dict.fromkeys(literal.get(key, ()) + cut))
        for member, others in table.items():  # 居家适老化改造 of a group, cut apart by the analyzer
            cut = tuple(o for o in others if o != member and len(o) > 2 and not _index_term(o))
            literal[member] = tuple(dict.fromkeys(literal.get(member, ()) + cut))
        return cls(table, written, frozenset(p for p in written if _cut_to_characters(p)),
                   {key: forms for key, forms in literal.items() if forms})

    @property
    def cut_sayings(self) -> list[tuple[str, tuple[str, ...]]]:
        """Spoken phrases jieba cuts into words (做不了饭 → 做不了 + 饭), with their written forms:
        a question holding one has its longest word stand for it (index.search)."""
        if self._cut is None:
            self._cut = [(p, w) for p, w in self.spoken.items() if len(p) > MIN_PHRASE and p not in self.phrases]
        return self._cut

    @property
    def sayings(self) -> frozenset[str]:
        """Every way of saying things the lexicon lists (交钱, 长护险, 老年食堂): never a typo."""
        if self._sayings is None:
            self._sayings = frozenset(self.spoken) | frozenset(self.groups)
        return self._sayings

    def expand(self, term: str) -> list[tuple[str, float]]:
        """The term itself (weight 1), its synonyms and, for a spoken phrase, the words documents
        use for it (less)."""
        others = [(s, SYNONYM_WEIGHT) for s in self.groups.get(term, ()) if s != term]
        written = [(w, SPOKEN_WEIGHT) for w in self.spoken.get(term, ()) if w != term]
        return [(term, 1.0)] + others + written


def idle_words(spoken: str, written: tuple[str, ...]) -> list[str]:
    """The words of a colloquial pair that no search uses with the dictionary in force, for the
    console to say: a spoken phrase of two characters cut into single ones that are no term of
    a question (longer ones stand whole, or through their longest word: `cut_sayings`), and a
    written form of two characters cut apart, no index term and too short to be looked for word
    for word (longer ones are: `literal`)."""
    phrase = normalize(spoken)
    used = phrase in terms(phrase) or _cut_to_characters(phrase) or len(phrase) > MIN_PHRASE
    return ([] if used else [phrase]) + [word for word in written
                                         if not _index_term(normalize(word)) and len(normalize(word)) <= 2]


def _cut_to_characters(phrase: str) -> bool:
    pieces = terms(phrase)
    return len(phrase) >= MIN_PHRASE and len(pieces) >= 2 and all(len(piece) == 1 for piece in pieces)


def _index_term(word: str) -> str:
    """The word, when the analyzer keeps it as one term; '' otherwise. A word cut into pieces
    (老年人优待证 → 老年人 + 优待证) has no one term to stand for it: its longest piece can be the
    commonest word of all, and would make every question match everything."""
    return word if word in terms(word) else ""
