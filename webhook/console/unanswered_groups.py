"""Grouping unanswered questions by similarity, so an advisor fixes a gap once, not once per phrasing.

"南宁的长者饭堂在哪" and "南宁长者饭堂在哪里" are one gap in the knowledge; "明天股票会涨吗"
is another. Each question is reduced to its search terms (the index's own analysis: jieba,
traditional → simplified, filler words dropped) sorted into a signature, so word order and
particles do not matter; rapidfuzz then compares signatures (token_sort_ratio), the plain
normalised text (ratio) and its characters sorted (ratio: "能涨" vs "会涨" in a reordered
sentence), and the best of the three decides. Two questions about different places ("南宁…"
and "泾源…") are never one group: each place needs its own record.

Single-linkage clustering: questions newest first, each joins every group holding an earlier
phrasing that scores at least THRESHOLD (merging them when it links several), else it starts a
group; so the groups do not depend on the order questions arrived in. At most
MAX_ITEMS questions and PHRASINGS distinct phrasings per group are compared, so the work stays
bounded (≤ MAX_ITEMS² comparisons).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from index.analysis import normalize, terms
from knowledge.privacy import mask
from knowledge.regions import Region, resolve

THRESHOLD = 70
MAX_ITEMS = 500
PHRASINGS = 20
_NOT_WORD = re.compile(r"[\s\W_]+")
_NUMBERS = re.compile(r"[0-9*]+")  # masked phone and ID numbers are not what a question is about


@dataclass(frozen=True)
class Item:
    """One unanswered question, or the question of an answer marked unhelpful."""

    message_id: int  # what `mark_handled` marks: the question, or the unhelpful answer
    question: str  # already masked: groups are shown, and phone numbers must not group questions
    user_id: str
    at: str
    kind: str  # unanswered | unhelpful (the person said 没用) | wrong (an advisor marked 答错了)
    handled: bool = False
    cited: tuple[str, ...] = ()  # the records the reply rested on: what to correct


@dataclass
class Group:
    items: list[Item] = field(default_factory=list)
    region: Region = Region("")  # where the first question asked about, if anywhere
    phrasings: dict[str, str] = field(default_factory=dict)  # signature → plain text, what is compared

    def add(self, item: Item, key: str, text: str) -> None:
        self.items.append(item)
        if len(self.phrasings) < PHRASINGS:
            self.phrasings.setdefault(key, text)

    def merge(self, other: "Group") -> None:
        self.region = self.region if self.region.code else other.region
        self.items = sorted(self.items + other.items, key=lambda item: item.at, reverse=True)
        for key, text in other.phrasings.items():
            if len(self.phrasings) < PHRASINGS:
                self.phrasings.setdefault(key, text)

    def score(self, key: str, text: str) -> float:
        return max((similarity(key, text, k, t) for k, t in self.phrasings.items()), default=0.0)

    @property
    def representative(self) -> str:
        """The most frequent phrasing; on a tie the newest (items are newest first)."""
        counts = Counter(item.question for item in self.items)
        return max(self.items, key=lambda item: counts[item.question]).question

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def users(self) -> int:
        return len({item.user_id for item in self.items})

    @property
    def last_at(self) -> str:
        return max(item.at for item in self.items)

    @property
    def ids(self) -> list[int]:
        return [item.message_id for item in self.items]

    @property
    def handled(self) -> bool:
        return all(item.handled for item in self.items)

    @property
    def unhelpful(self) -> int:
        return sum(item.kind == "unhelpful" for item in self.items)

    @property
    def wrong(self) -> int:
        return sum(item.kind == "wrong" for item in self.items)

    def cited(self) -> list[str]:
        """Records the group's rejected answers cited: correcting one may be the whole fix."""
        return list(dict.fromkeys(record_id for item in self.items for record_id in item.cited))

    def examples(self, limit: int = 5) -> list[str]:
        """Distinct phrasings, most recent first."""
        return list(dict.fromkeys(item.question for item in self.items))[:limit]


def plain(text: str) -> str:
    """Normalised text without spaces, punctuation or numbers."""
    return _NOT_WORD.sub("", _NUMBERS.sub("", normalize(text)))


def signature(text: str) -> str:
    """The question's search terms, deduplicated and sorted; the plain text when it has none."""
    words = sorted(set(terms(_NUMBERS.sub(" ", normalize(text)))))
    return " ".join(words) if words else plain(text)


def similarity(key_a: str, plain_a: str, key_b: str, plain_b: str) -> float:
    return max(fuzz.token_sort_ratio(key_a, key_b), fuzz.ratio(plain_a, plain_b),
               fuzz.ratio("".join(sorted(plain_a)), "".join(sorted(plain_b))))


def _same_place(a: Region, b: Region) -> bool:
    """No place named on one side, or one place inside the other (南宁 and 南宁市青秀区)."""
    return not a.code or not b.code or a.contains(b) or b.contains(a)


def group(items: list[Item], threshold: float = THRESHOLD, limit: int = MAX_ITEMS) -> list[Group]:
    """Items (newest first) in groups; the largest groups first, then the most recent."""
    groups: list[Group] = []
    for item in items[:limit]:
        key, text = signature(item.question), plain(item.question)
        region = resolve(text)
        close = [g for g in groups if _same_place(region, g.region) and g.score(key, text) >= threshold]
        if not close:
            close = [Group(region=region)]
            groups.append(close[0])
        for other in close[1:]:  # the question links groups that are one topic: merge them
            close[0].merge(other)
            groups.remove(other)
        close[0].add(item, key, text)
    return sorted(groups, key=lambda g: (g.count, g.last_at), reverse=True)


def to_item(message, question=None) -> Item | None:
    """An Item from MessageLog.unanswered()'s messages: an unhelpful answer carries its question."""
    if message.direction == "out":
        if question is None or not question.text.strip():
            return None
        kind = "wrong" if message.feedback == "wrong" else "unhelpful"
        return Item(message.id, mask(question.text), message.user_id, message.at, kind, message.handled,
                    tuple(message.sources))
    return Item(message.id, mask(message.text), message.user_id, message.at, "unanswered", message.handled)
