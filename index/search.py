"""Ranked, region-aware search over the knowledge records, with a calibrated confidence.

BM25F from whoosh ranks candidates; the confidence is how much of the question's content
(weighted by rarity, synonyms counted) the record covers — a number that means the same for
every question, so one threshold separates "found it" from "nothing good enough".
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as Q
from whoosh.scoring import BM25F

from index import engine
from index.analysis import dictionary_words, terms
from index.synonyms import Synonyms
from index.understand import Query, understand
from index.vocabulary import Vocabulary
from knowledge.records import Record
from knowledge.regions import Region, all_place_names, resolve
from knowledge.store import Store

THRESHOLD = 0.5
FIELDS = ("title", "tags", "body")
SEARCHED_TERMS = 4  # the rarest known words of a question drive the posting walk
CANDIDATES = 40  # hits whoosh ranks before the confidence decides which are good enough
NATIONAL_DISCOUNT = 0.75
MISSING_CONCEPT = 0.8
UNKNOWN_SHARE = 0.25  # a word no record contains says little about which record fits: it counts a quarter


@dataclass
class Hit:
    record: Record
    score: float
    confidence: float
    matched: tuple[str, ...]
    snippet: str


@dataclass
class Result:
    query: Query
    hits: list[Hit] = field(default_factory=list)


class Searcher:
    """One per process (whoosh searchers are not thread-safe: a lock guards this one)."""

    def __init__(self, store: Store, data_dir: Path | str, threshold: float = THRESHOLD):
        self.store, self.files, self.threshold = store, engine.IndexFiles(data_dir), threshold
        self.synonyms = Synonyms.load()
        self._lock = threading.RLock()
        engine.ensure_current(store, self.files)
        self._open()

    def _open(self) -> None:
        self.index = self.files.open()
        self.searcher = self.index.searcher(weighting=BM25F())
        self.seq = self.files.meta()["seq"]
        self.records = {s.record.id: s.record for s in self.store.list()}
        self.vocabulary = self._vocabulary()
        self._conditions: dict = {}

    @property
    def unknown_weight(self) -> float:
        """The idf of a word no record contains (df = 0)."""
        total = max(self.searcher.doc_count(), 1)
        return math.log(1 + (total + 0.5) / 0.5)

    def _vocabulary(self) -> Vocabulary:
        words = {name: [_text(w) for w in self.searcher.reader().lexicon(name)] for name in FIELDS}
        lexicon = {w for name in FIELDS for w in words[name]}
        titles = [t for t in words["title"] if len(t) >= 3]
        tags = [t for t in words["tags"] if len(t) >= 2]
        places = sorted({alias for rec in self.records.values() for alias in _place_names(rec.region)})
        covered = {r.code for rec in self.records.values() for r in rec.region.ancestors()}
        return Vocabulary(lexicon | all_place_names(), dictionary_words() + places + tags + titles, covered,
                          concepts=dictionary_words())

    def refresh(self) -> None:
        """Catch up with store changes (any process may have made them)."""
        with self._lock:
            if self.store.last_seq() == self.seq:
                return
            engine.catch_up(self.store, self.files)
            self._open()

    def rebuild(self) -> int:
        with self._lock:
            count = engine.rebuild(self.store, self.files)
            self._open()
            return count

    def understand(self, text: str, region: Region | None = None) -> list[Query]:
        return understand(text, self.vocabulary, region)

    def search(self, text: str, kind: str | None = None, region: str | Region | None = None,
               limit: int = 5) -> list[Result]:
        """Results for each question in `text`; a result with no hits means nothing good enough."""
        self.refresh()
        default = resolve(region) if isinstance(region, str) else region
        with self._lock:
            return [self.run(query, kind, limit) for query in self.understand(text, default)]

    def run(self, query: Query, kind: str | None = None, limit: int = 5) -> Result:
        weights = self._weights(query.terms)
        if not weights:
            return Result(query)
        searched = self._searched_terms(weights)
        whoosh_query = Q.Or([Q.Term(f, t, boost=b) for term in searched for t, b in self.synonyms.expand(term)
                             for f in FIELDS])
        condition, empty = self._condition(query, kind)
        if empty:
            return Result(query)  # no record for that place (or kind) at all
        if condition is not None:
            # Inside the query, not filter=: whoosh applies a filter only after walking every
            # match, which at 10k records threw ~96% of the work away. (optimize=True trips an
            # assertion in whoosh's Require matcher.)
            whoosh_query = Q.Require(whoosh_query, condition)
        found = self.searcher.search(whoosh_query, limit=CANDIDATES, optimize=condition is None)
        hits = [self._hit(query, weights, hit["id"], hit.score, frozenset(hit["words"].split()))
                for hit in found if hit["id"] in self.records]
        hits = sorted((h for h in hits if h.confidence >= self.threshold), key=lambda h: -h.score)[:limit]
        for hit in hits:
            hit.snippet = snippet(hit.record.text, hit.matched)
        return Result(query, hits)

    def _weights(self, query_terms: tuple[str, ...]) -> dict[str, float]:
        """Each distinct content term with its idf; unknown words weigh most (they cannot match).

        Single characters (点, 吃, 证) are dropped when the question has longer words: alone they
        match almost anything and say little about what is asked.
        """
        total = max(self.searcher.doc_count(), 1)
        weights = {}
        longer = [t for t in query_terms if len(t) > 1]
        for term in dict.fromkeys(longer or query_terms):
            df = max((self.searcher.doc_frequency(f, s) for s, _ in self.synonyms.expand(term) for f in FIELDS),
                     default=0)
            weights[term] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        return weights

    def _searched_terms(self, weights: dict[str, float]) -> list[str]:
        """The few terms worth a posting-list walk, rarest first: finding candidates needs the
        words that tell records apart; common words (养老, 老年人) only count in the confidence.
        Pieces of a longer query word the index knows (养护 in 老年养护院) are redundant too."""
        known = {t: w for t, w in weights.items() if w < self.unknown_weight}
        whole = [t for t in known if not any(t != k and t in k for k in known)]
        ranked = sorted(whole, key=lambda t: -known[t])
        return ranked[:SEARCHED_TERMS] or list(weights)[:SEARCHED_TERMS]

    def _condition(self, query: Query, kind: str | None):
        """(the kind/region condition or None, whether no record meets it), cached per index."""
        key = (kind, query.region.code if query.region else None, query.kind_hint == "location")
        if key not in self._conditions:
            condition = self._build_condition(query, kind)
            empty = condition is not None and not any(True for _ in self.searcher.docs_for_query(condition))
            self._conditions[key] = (condition, empty)
        return self._conditions[key]

    def _build_condition(self, query: Query, kind: str | None):
        """Records of the kind asked, in the place asked, below it, in the provinces above it,
        and national ones unless the question asks where (national records name no place)."""
        parts = []
        if kind:
            parts.append(Q.Term("kind", kind))
        if query.region:
            allowed = [Q.Term("region", query.region.code)]
            allowed += [Q.Term("region_exact", r.code) for r in query.region.ancestors()[:-1]]
            if query.kind_hint != "location":
                allowed.append(Q.Term("region_exact", engine.NATIONAL))
            parts.append(Q.Or(allowed))
        return Q.And(parts) if parts else None

    def _hit(self, query: Query, weights: dict[str, float], record_id: str, score: float,
             words: frozenset[str]) -> Hit:
        record = self.records[record_id]
        matched = tuple(t for t in weights if any(s in words for s, _ in self.synonyms.expand(t)))
        confidence = coverage(weights, matched, self.unknown_weight, self.vocabulary.concepts)
        if query.region and not record.region.code:
            confidence *= NATIONAL_DISCOUNT  # asked about one place, the record speaks for several
            score *= NATIONAL_DISCOUNT
        if any(t in self.vocabulary.concepts and t not in matched for t in weights):
            confidence *= MISSING_CONCEPT  # asked about 失独, the record is about 家庭养老床位
        boost = 1.0 + 0.3 * _kind_fits(query.kind_hint, record.kind) + _region_fit(query.region, record.region)
        return Hit(record, score * boost * (0.5 + confidence), round(confidence, 3), matched, "")



def coverage(weights: dict[str, float], matched: tuple[str, ...], unknown_weight: float,
             concepts: frozenset[str] = frozenset()) -> float:
    """Share of the question's informative weight that a record covers (0–1).

    Words no record contains count at a quarter when they are everyday words (瘫, 下棋): one odd
    word in a colloquial question must not sink a good match. A domain concept the knowledge
    lacks (养老金, 失独) counts fully: the question is about something we cannot answer.
    """
    known = sum(w for w in weights.values() if w < unknown_weight)
    unknown = [(t, w) for t, w in weights.items() if w >= unknown_weight]
    total = known + sum(w if t in concepts else UNKNOWN_SHARE * w for t, w in unknown)
    return sum(weights[t] for t in matched) / total if total else 0.0


def _text(word) -> str:
    return word.decode() if isinstance(word, bytes) else word


def _region_fit(wanted: Region | None, region: Region) -> float:
    """Records of exactly the asked place first, then places inside it, then the containing
    province, then national ones: a question about 广东 wants 广东's own list before 深圳's."""
    if not wanted or not region.code:
        return 0.0
    if region.code == wanted.code:
        return 0.6
    return 0.4 if wanted.contains(region) else 0.1


def _place_names(region: Region) -> list[str]:
    return [part for r in region.ancestors() for part in (r.short, r.county or r.city or r.province) if part]


def _kind_fits(hint: str | None, kind: str) -> bool:
    return (hint == "subsidy" and kind == "subsidy") or (hint == "location" and kind in ("service", "base"))


def snippet(text: str, matched: tuple[str, ...], width: int = 60) -> str:
    """A window of the record text around the first matched word, matched words in 【】."""
    positions = [text.find(t) for t in matched if t in text]
    start = max(min(positions, default=0) - width // 3, 0)
    piece = text[start:start + width]
    marked, last = [], 0
    for begin, end in _merged_spans(piece, matched):
        marked += [piece[last:begin], "【", piece[begin:end], "】"]
        last = end
    marked.append(piece[last:])
    return ("…" if start else "") + "".join(marked) + ("…" if start + width < len(text) else "")


def _merged_spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Every occurrence of the words, overlapping ones merged (老年养护院 ⊃ 养护院)."""
    spans = sorted((m, m + len(w)) for w in words if w for m in _occurrences(text, w))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def _occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found
