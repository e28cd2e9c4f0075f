"""Search results for repeated questions, per process, dropped whenever the knowledge changes.

Elders ask the same things ("南宁长者饭堂有补贴吗" from hundreds of people), and the search —
understanding, typo correction, scoring every record — is most of what an answer costs. Its
result is a pure function of the question text, the region it is searched in and the knowledge
as it stands, so that is exactly what is cached, and nothing of the conversation. The same
holds for `Searcher.understand`, which the follow-up checks ask of nearly every message
("is this a bare place name?", "a new topic?"), so it is kept too:

* the key is the question after `index.analysis.normalize` (full-width, traditional and case
  folded: `understand` applies the same folding first, so both spellings search identically)
  and the region the search defaults to (the session's remembered place, or none). The channel
  and the user are not in it because the search never sees them.
* the whole cache belongs to one *knowledge generation*: the store's change-log sequence, the
  index generation and the synonym table the searcher holds. An edit, import, retire or
  rebuild in any process moves the sequence; the next lookup sees it and empties the cache.
* composition still runs for every turn (`advisor.answers.Answers`), so the session gets its
  last question, last records, numbered list and pending question exactly as without the cache,
  and `Advisor.handle` still logs both lines: follow-ups ("怎么申请", "第二个呢") cannot tell.

It lives in `advisor/` rather than `index/` because the question of *what may be reused for
whom* belongs to the conversation layer; the searcher only has to expose its generation.
Bounded (LRU over both kinds of entry) and guarded by a lock, though in the server only the
advisor thread calls it. Entries hand out fresh lists; the Query and Hit objects inside are
shared and treated as read-only, as the advisor already does.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import Callable

from index.analysis import normalize
from index.search import Result, Searcher
from index.understand import Query
from knowledge.regions import Region

DEFAULT_SIZE = 1000  # entries: searches (question, region) and understood messages


class AnswerCache:
    """`searcher.search` and `searcher.understand`, remembered per knowledge generation."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self.hits: Counter[str] = Counter()  # by kind: "search", "understand"
        self.misses: Counter[str] = Counter()
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._generation: tuple | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, searcher: Searcher, text: str, region: Region | None, limit: int,
               within: tuple[str, ...] = ()) -> list[Result]:
        """`searcher.search(text, region=region, limit=limit, within=within)`, from the cache when
        this generation of the knowledge saw the same question in the same region (and documents)."""
        key = ("search", normalize(text), region.code if region else "", limit, within)
        searcher.refresh()  # once, here: the generation the key belongs to must be the caught-up one
        return self._remembered(
            searcher, key, lambda: searcher.search(text, region=region, limit=limit, refresh=False, within=within), fresh)

    def understand(self, searcher: Searcher, text: str) -> list[Query]:
        """`searcher.understand(text)`: the follow-up checks ask it of nearly every message. It
        does not catch up with edits by itself, so neither does this (same answer, no extra query)."""
        return self._remembered(searcher, ("understand", normalize(text)), lambda: searcher.understand(text), list)

    def _remembered(self, searcher: Searcher, key: tuple, compute: Callable[[], list], copy: Callable) -> list:
        if self.size <= 0:
            return compute()
        before = generation(searcher)
        cached = self._get(before, key)
        if cached is not None:
            return copy(cached)
        value = compute()  # catches up with nothing itself: its result belongs to `before`
        self._put(before, key, tuple(copy(value)))
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation = None

    def _get(self, current: tuple, key: tuple) -> tuple | None:
        with self._lock:
            if current != self._generation:
                self._entries.clear()
                self._generation = current
            entry = self._entries.get(key)
            if entry is None:
                self.misses[key[0]] += 1
                return None
            self._entries.move_to_end(key)
            self.hits[key[0]] += 1
        return entry

    def _put(self, current: tuple, key: tuple, value: tuple) -> None:
        with self._lock:
            if current != self._generation:
                return
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def generation(searcher: Searcher) -> tuple:
    """What the searcher's answers depend on besides the question: the records (change-log
    sequence), the index (its sequence and the count of generations opened: a rebuild or a new
    dictionary), the synonym table (an edit swaps in a new object; kept alive by the tuple, so
    compared by identity safely) and the threshold."""
    return (searcher.records_seq, searcher.seq, searcher.generation, searcher.synonyms, searcher.threshold)


def fresh(results) -> list[Result]:
    """New Result objects and hit lists around the shared hits: a caller that reorders or trims
    a result's hits cannot change what the next caller gets. Hits themselves are read-only."""
    return [Result(result.query, list(result.hits)) for result in results]
