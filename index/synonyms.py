"""Synonym groups (长者饭堂 ↔ 老年食堂 ↔ 助餐点 …), expanded at query time.

Expansion happens only when searching, so editing the groups (`index/data/synonyms.txt`, or a
data dir's override saved by the console through index/lexicon.py) takes effect at the next
search without rebuilding the index. Members are normalised as the index's text is
(simplified, half-width, lower case), so 養老院 in a group matches 养老院 in a question.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.analysis import DATA, normalize, read_word_file

SYNONYM_WEIGHT = 0.8  # a synonym counts a little less than the word the user typed


@dataclass(eq=False)  # compared by identity: a reload makes a new table (advisor/answer_cache.py)
class Synonyms:
    groups: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = DATA / "synonyms.txt") -> "Synonyms":
        return cls.from_groups(line.split() for line in read_word_file(path))

    @classmethod
    def from_groups(cls, groups) -> "Synonyms":
        table: dict[str, tuple[str, ...]] = {}
        for group in groups:
            members = tuple(dict.fromkeys(normalize(w) for w in group))
            for member in members:
                table[member] = tuple(dict.fromkeys(table.get(member, ()) + members))
        return cls(table)

    def expand(self, term: str) -> list[tuple[str, float]]:
        """The term itself (weight 1) and its synonyms (slightly less)."""
        others = [(s, SYNONYM_WEIGHT) for s in self.groups.get(term, ()) if s != term]
        return [(term, 1.0)] + others
