"""Why the bot answers what it answers: the reasoning behind the console's hit test (命中测试).

`explain` runs the advisor's own turn logic (`Advisor._respond`) for a brand-new user on a
throwaway Session, so the reply is exactly what a first-time asker would get, and records what
the search saw on the way: the understood query (terms and their weights, synonyms, typo
fixes, place), every record above the threshold with its score and matched words, and the
best records that fell short of it — the "why not" of a not-found answer.

Nothing is kept. The session is never saved and no message is logged; and the turn runs in a
database transaction that is always rolled back, so even a branch that writes (转人工 opens a
case) leaves no trace: only the number it would have had shows in the reply.

Like the advisor itself this must run on the advisor thread (the searcher is not thread-safe).
"""
from __future__ import annotations

import copy
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Iterator

from advisor import intents
from advisor.core import SAFETY, Advisor, clean, remember_slots
from advisor.reply import Message, Reply
from advisor.session import Session
from index.fit import occurrences
from index.search import Hit, Result, Searcher
from index.understand import Query
from knowledge.records import Record
from knowledge.regions import Region, from_code, resolve
from knowledge.store import Store

CHANNEL = "hittest"
USER_PREFIX = "hittest:"  # throwaway user ids: never saved, never in the message log
NEAR_MISSES = 5  # best records below the threshold shown for "why not found"
SNIPPET_CHARS = 120
FULL_TEXT_CHARS = 4000


@dataclass(frozen=True)
class Span:
    """A piece of record text; `marked` pieces are the words the question matched."""

    text: str
    marked: bool = False


@dataclass
class Term:
    """One content word of the understood question, as the searcher weighed it."""

    word: str
    weight: float  # idf: rare words weigh more
    synonyms: tuple[str, ...]  # also searched for, at a slightly lower weight
    known: bool  # some record contains it (an unknown word cannot match anything)
    used: bool  # single characters are dropped when the question has longer words


@dataclass
class HitView:
    record: Record
    score: float
    confidence: float
    matched: tuple[str, ...]  # question terms the record covers
    words: tuple[str, ...]  # what is highlighted: matched terms and the synonyms that occur
    title: list[Span]
    snippet: list[Span]
    full_text: list[Span]
    cited: bool  # the reply rests on this record
    passed: bool  # confidence at or above the threshold


@dataclass
class QueryView:
    query: Query
    terms: list[Term]
    hits: list[HitView]
    near_misses: list[HitView]


@dataclass
class Explanation:
    text: str
    reply: Reply  # what the user sees (the first page of a long answer)
    more_pages: int  # further pages sent on "更多"
    detected: intents.Detected | None  # the pre-search intent, None for an ordinary question
    searched: bool  # False: the reply came before (or without) any knowledge search
    queries: list[QueryView]
    threshold: float
    default_region: Region | None  # the place the test assumed the user lives in
    region: Region | None  # the place the question resolved to
    cited: list[Record] = field(default_factory=list)

    @property
    def safety(self) -> bool:
        """A safety reply came before any answer (neglect, and the rules on abuse and scams, are
        answered from the knowledge when it can)."""
        answered = intents.answered_first(self.detected) and bool(self.cited)
        return bool(self.detected and self.detected.intent in SAFETY) and not answered

    @property
    def opened_case(self) -> bool:
        """The real bot would have opened a case here (the test rolled it back)."""
        return bool(self.reply.case_number)


def explain(advisor: Advisor, text: str, region: str | Region | None = None) -> Explanation:
    """What `advisor` would reply to `text` from a new user (living in `region`), and why."""
    text = clean(text)
    default = parse_region(region)
    session = Session(USER_PREFIX + uuid.uuid4().hex, region=default.code if default else "")
    message = Message(session.user_id, text, CHANNEL, region=session.region)
    recorder = _Recorder(advisor.answers.cache)
    bot = _observed(advisor, recorder)
    advisor.searcher.refresh()  # catch up outside the transaction: a knowledge edit shows at once
    with rolled_back(advisor.store):
        if text:
            session.traditional = intents.is_traditional(text)
            remember_slots(session, text)
        reply = bot._paged(bot._respond(text, session, message), session)
        if session.traditional:
            reply = reply.with_text(intents.to_traditional(reply.reply))
    cited = {r.id for r in reply.records}
    views = [_query_view(advisor.searcher, result, cited) for result in recorder.results]
    asked = next((v.query.region for v in views if v.query.region), None)
    return Explanation(text, reply, len(session.pages), intents.detect(text) if text else None,
                       bool(recorder.results), views, advisor.searcher.threshold, default,
                       asked or parse_region(session.region), list(reply.records))


def parse_region(value: str | Region | None) -> Region | None:
    """A division code or a written place (南宁, 泾源县); None when empty or not recognised."""
    if isinstance(value, Region):
        return value if value.code else None
    value = (value or "").strip()
    if not value:
        return None
    found = from_code(value) if value.isdigit() else resolve(value)
    return found if found.code else None


@contextmanager
def rolled_back(store: Store) -> Iterator[None]:
    """Everything written inside is undone: the hit test must leave the database as it was.

    One transaction of the database everything is written to (knowledge.db, or PostgreSQL with
    ADVISOR_DATABASE_URL): on SQLite BEGIN IMMEDIATE, like the store's own transactions, so a
    case number read inside is the one the next real case would get; nested transactions
    become savepoints."""
    with suppress(_Undone), store.shared.transaction():
        yield
        raise _Undone


class _Undone(Exception):
    """Ends the hit test's shared transaction the one way both backends roll back: an exception."""


class _Recorder:
    """Stands in for the answer cache: same results, and a note of every search made; anything
    else the cache offers (understand, …) is passed straight through."""

    def __init__(self, cache):
        self.cache, self.results = cache, []

    def __getattr__(self, name: str):
        if name == "cache":  # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(self.cache, name)

    def search(self, searcher: Searcher, text: str, region: Region | None, limit: int) -> list[Result]:
        results = self.cache.search(searcher, text, region, limit)
        self.results.extend(results)
        return results


def _observed(advisor: Advisor, recorder: _Recorder) -> Advisor:
    """A shallow copy of the advisor whose searches go through the recorder; the original's
    state (cache, sessions, searcher) is shared, never replaced."""
    bot = copy.copy(advisor)
    bot.answers = copy.copy(advisor.answers)
    bot.answers.cache = recorder
    return bot


def _query_view(searcher: Searcher, result: Result, cited: set[str]) -> QueryView:
    query = result.query
    expand = searcher.expander(query)  # the searcher's own expansion and weighing, not a copy of its rule
    weights = searcher.weights_of(query)
    terms = [Term(t, round(weights.get(t, 0.0), 2), tuple(s for s, _ in expand(t)[1:]),
                  weights.get(t, 0.0) < searcher.unknown_weight, t in weights)
             for t in dict.fromkeys(query.terms)]
    shown = {h.record.id for h in result.hits}
    near = [h for h in _below_threshold(searcher, query) if h.record.id not in shown][:NEAR_MISSES]
    return QueryView(query, terms, [_hit_view(searcher, h, cited, True) for h in result.hits],
                     [_hit_view(searcher, h, cited, False) for h in near])


def _below_threshold(searcher: Searcher, query: Query) -> list[Hit]:
    """The best-scored records whose confidence fell short: a copy of the searcher with no
    threshold runs the same query (the shared searcher's own threshold is left alone)."""
    probe = copy.copy(searcher)
    probe.threshold = 0.0
    with searcher._lock:
        hits = probe.run(query, limit=40).hits
    return [h for h in hits if h.confidence < searcher.threshold]


def _hit_view(searcher: Searcher, hit: Hit, cited: set[str], passed: bool) -> HitView:
    record = hit.record
    variants = [w for term in hit.matched for w, _ in searcher.synonyms.expand(term)]
    words = tuple(w for w in dict.fromkeys(variants) if w and (w in record.text.lower() or w in record.title.lower()))
    return HitView(record, round(hit.score, 2), hit.confidence, hit.matched, words, highlight(record.title, words),
                   highlight(window(record.text, words, SNIPPET_CHARS), words),
                   highlight(record.text[:FULL_TEXT_CHARS], words), record.id in cited, passed)


def window(text: str, words: tuple[str, ...], width: int) -> str:
    """About `width` characters of `text` around the first matched word, … where cut."""
    lowered = text.lower()
    positions = [lowered.find(w) for w in words if w and w in lowered]
    start = max(min(positions, default=0) - width // 4, 0)
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def highlight(text: str, words: tuple[str, ...]) -> list[Span]:
    """`text` cut into plain and marked spans (overlapping matches merged, case ignored).

    Spans hold plain text: the template escapes it, so record content can never inject markup."""
    lowered = text.lower()
    found = sorted((at, at + len(w)) for w in words if w for at in occurrences(lowered, w.lower()))
    merged: list[list[int]] = []
    for begin, end in found:
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(end, merged[-1][1])
        else:
            merged.append([begin, end])
    spans, last = [], 0
    for begin, end in merged:
        spans += [Span(text[last:begin]), Span(text[begin:end], True)]
        last = end
    spans.append(Span(text[last:]))
    return [s for s in spans if s.text]

