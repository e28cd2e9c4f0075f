"""Synonym groups (长者饭堂 ↔ 老年食堂 ↔ 助餐点 …), expanded at query time.

Expansion happens only when searching, so editing `index/data/synonyms.txt` (or the console's
editor later) takes effect without rebuilding the index. Each group member is analysed with the
same analyzer as the index, so a multi-word synonym matches what the index holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.analysis import DATA, normalize, read_word_file

SYNONYM_WEIGHT = 0.8  # a synonym counts a little less than the word the user typed


@dataclass
class Synonyms:
    groups: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = DATA / "synonyms.txt") -> "Synonyms":
        groups: dict[str, tuple[str, ...]] = {}
        for line in read_word_file(path):
            members = tuple(dict.fromkeys(normalize(w) for w in line.split()))
            for member in members:
                groups[member] = tuple(dict.fromkeys(groups.get(member, ()) + members))
        return cls(groups)

    def expand(self, term: str) -> list[tuple[str, float]]:
        """The term itself (weight 1) and its synonyms (slightly less)."""
        others = [(s, SYNONYM_WEIGHT) for s in self.groups.get(term, ()) if s != term]
        return [(term, 1.0)] + others
