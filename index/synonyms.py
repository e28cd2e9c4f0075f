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
    phrases: frozenset[str] = frozenset()  # the spoken phrases, found in a question before it is cut

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
        for phrase, words in spoken:
            found = tuple(term for word in words if (term := _index_term(word)))
            written[normalize(phrase)] = tuple(dict.fromkeys(written.get(normalize(phrase), ()) + found))
        return cls(table, written, frozenset(p for p in written if len(p) >= MIN_PHRASE))

    def expand(self, term: str, spoken: bool = True) -> list[tuple[str, float]]:
        """The term itself (weight 1), its synonyms and, for a spoken phrase, the words documents
        use for it (slightly less). `spoken=False` for a word the documents use themselves
        (养老院, 医院): then it is no colloquialism to translate, and its own matches say more."""
        others = [(s, SYNONYM_WEIGHT) for s in self.groups.get(term, ()) if s != term]
        written = [(w, SPOKEN_WEIGHT) for w in self.spoken.get(term, ()) if w != term] if spoken else []
        return [(term, 1.0)] + others + written


def _index_term(word: str) -> str:
    """The word, when the analyzer keeps it as one term; '' otherwise. A word cut into pieces
    (老年人优待证 → 老年人 + 优待证) has no one term to stand for it: its longest piece can be the
    commonest word of all, and would make every question match everything."""
    return word if word in terms(word) else ""
