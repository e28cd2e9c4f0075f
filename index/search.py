"""Ranked, region-aware search over the knowledge records, with a calibrated confidence.

BM25F over whoosh's postings (index/scoring.py) ranks candidates; the confidence is how much of the question's content
(weighted by rarity, synonyms counted) the record covers — a number that means the same for
every question, so one threshold separates "found it" from "nothing good enough".
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from index import ages, analysis, engine
from index.fit import (compounds, coverage, holds_literally, kind_fits, names_money, region_fit,
                       snippet, spelled_out)
from index.generation import Loaded, Opened, load_aside, open_generation, vocabulary_of
from index.scoring import SegmentCache, top
from index.shared_lexicon import shared_of
from index.synonyms import SPOKEN_WEIGHT, Synonyms
from index.understand import Query, understand
from knowledge.records import Record
from knowledge.regions import Region, resolve
from knowledge.store import Store

THRESHOLD = 0.5
FOCUSED = 0.3  # the threshold inside the document a conversation is about (a follow-up's own words)
FIELD_BOOSTS = engine.TEXT_FIELDS  # BM25F: title and tags above body
CANDIDATES = 40  # best-scored records the confidence then judges
NATIONAL_DISCOUNT = 0.75
MISSING_CONCEPT = 0.8
BACKGROUND_FROM = 5_000  # records: a dictionary change rebuilds an index this large in a process of its own
RETRY_BUILD_S = 60.0  # seconds before a failed background rebuild is tried again
ASIDE_FROM = 500  # store changes: from this many (a bulk import) the index is caught up and read aside
log = logging.getLogger(__name__)


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
        self.store, self.threshold = store, threshold
        self.files = engine.IndexFiles(data_dir, shared_of(store))
        self.lexicon = self.files.lexicon  # the data dir's dictionary and synonyms (console-editable)
        self._lock = threading.RLock()
        self._segments = SegmentCache()  # posting arrays per whoosh segment, kept across generations
        self.generation = 0  # bumped whenever another index generation is opened
        # Taken before reading (a save in between is seen next time), and after mirroring the
        # shared lexicon (PostgreSQL): the dictionary read next is what every node saved.
        self._stamp = self.lexicon.stamp()
        self._builder = None  # a process bringing the index current: (process, target, started)
        self._loading = None  # a Future of the generation being read aside (index/generation.py)
        self.dictionary = self.files.dictionary()
        engine.build_with(store, self.files, self.dictionary)
        analysis.use_dictionary(self.dictionary)
        self.synonyms = self._synonyms()
        if engine.lag(store, self.files) < ASIDE_FROM:
            self._catch_up_here()
        seq = store.last_seq()
        self.records = {s.record.id: s.record for s in store.list()}
        self._open()
        self.records_seq = min(seq, self.seq)  # an index still behind: the next refresh sees the rest
        self.vocabulary = self._vocabulary()

    def _synonyms(self) -> Synonyms:
        """Synonym groups and the colloquial lexicon, mapped to index terms with the dictionary in use."""
        return Synonyms.from_groups(self.lexicon.synonym_groups(), self.lexicon.colloquial_pairs())

    def _open(self) -> None:
        self._use(open_generation(self.files, self._segments, FIELD_BOOSTS))

    def _use(self, opened: Opened) -> None:
        self.index, self.searcher, self.seq, self.postings = opened.index, opened.searcher, opened.seq, opened.postings
        self._conditions: dict = {}
        self.generation += 1

    @property
    def unknown_weight(self) -> float:
        """The idf of a word no record contains (df = 0)."""
        return self.postings.idf(0)

    def _vocabulary(self):
        return vocabulary_of(self.searcher.reader(), self.records, self.dictionary, FIELD_BOOSTS)

    def refresh(self) -> None:
        """Catch up with changes any process may have made: a saved dictionary or synonyms
        (one stat per file tells; on PostgreSQL mirrored from any node first), and store edits —
        a few are applied here (only the changed records reloaded, the index caught up, its new
        generation opened); a large change is
        done aside (`_change_aside`) while the open generation serves, and swapped in here
        once it is there. Never waits for another process's index write."""
        with self._lock:
            analysis.use_dictionary(self.dictionary)  # another data dir's searcher may have switched jieba
            self._swap_in_loaded()
            if self.lexicon.stamp() != self._stamp:
                self._lexicon_changed()
            if self._loading is None and self.store.last_seq() != self.records_seq:
                self._records_changed()

    @property
    def catching_up(self) -> bool:
        """Whether a large change is still being brought in aside (the open generation serves)."""
        return self._loading is not None or self.store.last_seq() != self.records_seq

    def _records_changed(self) -> None:
        if max(self.store.last_seq() - self.records_seq, engine.lag(self.store, self.files)) >= ASIDE_FROM:
            self._change_aside()
            return
        try:
            indexed = engine.catch_up(self.store, self.files, self.dictionary, wait=False)
        except engine.IndexBusy:
            return  # another process writes (a bulk build): the open generation serves until it is done
        changes = self.store.changes_since(self.records_seq)
        changed = [self._reload(record_id) for record_id in dict.fromkeys(i for _, i in changes)]
        self.records_seq = changes[-1][0] if changes else self.store.last_seq()
        self.vocabulary.add([w for r in changed if r for w in engine.record_words(r)],
                            [r.title for r in changed if r] + [t for r in changed if r for t in r.tags],
                            [a.code for r in changed if r for a in r.region.ancestors()],
                            [w for r in changed if r for w in analysis.analyse(r.title)])
        self.vocabulary.learn_institutions(r for r in changed if r)
        if indexed is None:
            self._stamp = (None, *self._stamp[1:])  # rebuilt elsewhere with another dictionary: switch next time
            return  # meanwhile the open generation, cut like our questions, keeps serving
        self._open()

    def _catch_up_here(self) -> None:
        """A small lag, applied in this process unless another one is writing."""
        try:
            engine.catch_up(self.store, self.files, self.dictionary, wait=False)
        except engine.IndexBusy:
            pass  # the writer brings it current; a later refresh reads it

    def _change_aside(self) -> None:
        """A large change (a bulk import): a process of its own brings the index current
        (replaying 50k records here took minutes), then its generation and the records are
        read on a thread; `refresh` swaps them in once read. The caller never waits for it."""
        if engine.lag(self.store, self.files):
            self._build_aside(self.dictionary)
        else:
            self._loading = load_aside(self.store.reopened, self.files, self.dictionary, FIELD_BOOSTS)

    def _swap_in_loaded(self) -> None:
        """Serve the generation read aside, once it is complete."""
        if self._loading is None or not self._loading.done():
            return
        loading, self._loading = self._loading, None
        try:
            loaded: Loaded = loading.result()
        except Exception:
            log.exception("reading the new index generation failed; the open one keeps serving")
            return
        self._segments, self.records, self.records_seq = loaded.segments, loaded.records, loaded.records_seq
        self.vocabulary = loaded.vocabulary
        self._use(loaded.opened)

    def _lexicon_changed(self) -> None:
        """Synonyms are swapped in at once. A new dictionary needs an index cut with it: this
        process builds it aside and swaps it in, unless another process is already writing —
        then the old index keeps serving (with the old dictionary) until the next refresh."""
        stamp = self.lexicon.stamp()
        if stamp[1:] != self._stamp[1:]:  # synonyms or the colloquial lexicon
            self.synonyms = self._synonyms()
        dictionary = self.files.dictionary()
        if dictionary != self.dictionary or not self.files.built_with(dictionary, self.store.change_log):
            if not self._index_cut_with(dictionary):
                self._stamp = (None, *stamp[1:])  # the synonym and colloquial tables are current
                return
            self._switch(dictionary)
        self._stamp = stamp

    def _index_cut_with(self, dictionary: tuple) -> bool:
        """Whether the index is (now) built with `dictionary`. A small store is rebuilt here and
        now. A large one — BACKGROUND_FROM records and more, 7 s and up: longer than a request
        may take, gunicorn ends a worker silent for 30 s — in a process of its own while the
        old index keeps serving; a later refresh switches. One build runs at a time; a build
        for the same dictionary that ended without it is tried again after RETRY_BUILD_S."""
        if self.files.built_with(dictionary, self.store.change_log):
            return True
        if len(self.records) < BACKGROUND_FROM:
            return engine.build_with(self.store, self.files, dictionary, wait=False)
        self._build_aside(dictionary)
        return False

    def _build_aside(self, dictionary: tuple) -> None:
        """Start a process bringing the index current (engine.start_rebuild) — the one way a
        large rebuild or catch-up runs — unless one is running, or one for the same dictionary
        and store state ended without it less than RETRY_BUILD_S ago."""
        target = (dictionary, self.store.last_seq())
        if self._builder is not None:
            process, built_for, started = self._builder
            if process.is_alive() or (built_for == target and time.monotonic() - started < RETRY_BUILD_S):
                return
        self._builder = (engine.start_rebuild(self.files.root.parent, self.store.database_url), target, time.monotonic())

    def serves_saved_dictionary(self) -> bool:
        """Whether questions are cut, and the index was built, with the data dir's saved dictionary."""
        return self.dictionary == self.files.dictionary()

    def _switch(self, dictionary: tuple) -> None:
        """Cut questions with `dictionary` and serve the index built with it."""
        self.dictionary = dictionary
        analysis.use_dictionary(dictionary)
        self._loading = None  # read from the index this switch replaces
        self._catch_up_here()
        self.synonyms = self._synonyms()  # a new table: caches see the change
        self._open()
        self.vocabulary = self._vocabulary()

    def _reload(self, record_id: str) -> Record | None:
        stored = self.store.get(record_id)
        if stored and stored.status == "active":
            self.records[record_id] = stored.record
            return stored.record
        self.records.pop(record_id, None)
        return None

    def rebuild(self) -> int:
        with self._lock:
            self._stamp = self.lexicon.stamp()
            dictionary = self.files.dictionary()
            count = engine.rebuild(self.store, self.files, dictionary)
            self._switch(dictionary)
            return count

    def records_tagged(self, tags: frozenset[str]) -> list[Record]:
        """Records carrying any of these tags (the anti-fraud warnings), without a search."""
        return [record for record in self.records.values() if tags & set(record.tags)]

    def understand(self, text: str, region: Region | None = None) -> list[Query]:
        analysis.use_dictionary(self.dictionary)
        return understand(text, self.vocabulary, region, self.synonyms.phrases, self.synonyms.sayings)

    def search(self, text: str, kind: str | None = None, region: str | Region | None = None,
               limit: int = 5, refresh: bool = True, within: tuple[str, ...] = ()) -> list[Result]:
        """Results for each question in `text`; a result with no hits means nothing good enough.
        `refresh=False` for a caller that has just caught up itself (the answer cache).
        `within`: only records of these source documents (`Source.key`), judged against the
        lower FOCUSED threshold — the conversation has already established the document."""
        if refresh:
            self.refresh()
        default = resolve(region) if isinstance(region, str) else region
        with self._lock:
            return [self.run(query, kind, limit, within) for query in self.understand(text, default)]

    def run(self, query: Query, kind: str | None = None, limit: int = 5, within: tuple[str, ...] = ()) -> Result:
        expand = self.expander(query)
        weights = self._weights(query.terms, expand)
        fitting = self._fitting_age(query)
        if fitting is not None:
            weights[query.age_term] = self.postings.idf(int(fitting.sum()))
        # Inside the documents a conversation is about, a place the question does not name (where
        # the person lives) filters nothing: the document was chosen already, region or none.
        allowed = self._allowed(query if query.places or not within else replace(query, region=None), kind)
        if within:
            in_documents = self.postings.having("document", list(within))
            allowed = in_documents if allowed is None else allowed & in_documents
        if not weights or (allowed is not None and not allowed.any()):
            return Result(query)  # nothing to look for, or no record for that place (or kind) at all
        scores, present = self._scores(weights, {query.age_term: fitting} if fitting is not None else {}, expand)
        if allowed is not None:
            scores[~allowed] = 0
        spelled = compounds(weights)
        hits = [self._hit(query, weights, self.postings.record_id(doc), float(scores[doc]),
                          tuple(t for t in weights if present[t][doc]), spelled)
                for doc in top(scores, CANDIDATES)]
        threshold = min(self.threshold, FOCUSED) if within else self.threshold
        hits = [h for h in hits if h and h.confidence >= threshold]
        hits = sorted(hits, key=lambda h: -h.score)[:limit]
        for hit in hits:
            hit.snippet = snippet(hit.record.text, hit.matched)
        return Result(query, hits)

    def found_in(self, words: list[str], within: tuple[str, ...]) -> list[str]:
        """The words that occur, themselves or through a synonym, in records of these source
        documents (`Source.key`)."""
        with self._lock:
            in_documents = self.postings.having("document", list(within))
            return [w for w in words if any((self.postings.dense(synonym)[in_documents] > 0).any()
                                            for synonym, _ in self.synonyms.expand(w))]

    def expander(self, query: Query) -> Callable[[str], list[tuple[str, float]]]:
        """`synonyms.expand`, with each spoken phrase of the question that jieba cut into words
        (做不了饭 → 做不了 + 饭) standing in its longest word: that word also finds the phrase's
        written forms (助餐, 送餐), so the lexicon's longer sayings are not dead letters."""
        extra: dict[str, list[tuple[str, float]]] = {}
        for phrase, written in self.synonyms.cut_sayings:
            if phrase in query.normalized:
                inside = [t for t in query.terms if len(t) > 1 and t in phrase]
                if inside:
                    extra.setdefault(max(inside, key=len), []).extend((w, SPOKEN_WEIGHT) for w in written)
        if not extra:
            return self.synonyms.expand
        return lambda term: self.synonyms.expand(term) + extra.get(term, [])

    def weights_of(self, query: Query) -> dict[str, float]:
        """The query's terms as the search weighs them (for the hit test and tests)."""
        return self._weights(query.terms, self.expander(query))

    def _weights(self, query_terms: tuple[str, ...], expand: Callable) -> dict[str, float]:
        """Each distinct content term with its idf; unknown words weigh most (they cannot match).

        Single characters (点, 吃, 证) are dropped when the question has longer words: alone they
        match almost anything and say little about what is asked.
        """
        longer = [t for t in query_terms if len(t) > 1]
        counts = {term: max(self.postings.frequency(s) for s, _ in expand(term))
                  for term in dict.fromkeys(longer or query_terms)}
        return {term: self.postings.idf(count) for term, count in counts.items()
                if count or not self._noise(term, counts)}

    def _noise(self, term: str, counts: dict[str, int]) -> bool:
        """An unknown word that is no evidence of what is asked, when the question has words we know:
        jieba's guess at characters (省签, 完能 — not a word at all), or a piece of a longer unknown
        word in the question (保户 of 五保户, 愿者 of 志愿者): one word asked counts once, not once
        per piece. Domain concepts (养老金, 退休金) always count once: asked about and absent, they
        mean we cannot answer."""
        if not any(counts.values()):
            return False
        if any(term in t and t != term and not counts[t] for t in counts):
            return True
        return term not in self.vocabulary.concepts and not analysis.is_word(term)

    def _written_out(self, record: Record, term: str) -> bool:
        """The record writes, word for word, a written form of the term that no index term
        stands for (低保 → 最低生活保障)."""
        forms = self.synonyms.literal.get(term)
        return bool(forms) and holds_literally(record, forms)

    def _fitting_age(self, query: Query) -> np.ndarray | None:
        """The records whose age bands hold the asked age (None: no age asked, or no record has one)."""
        if query.age is None:
            return None
        fitting = self.postings.having("ages", [ages.token(query.age)])
        return fitting if fitting.any() else None

    def _scores(self, weights: dict[str, float], fixed: dict[str, np.ndarray],
                expand: Callable) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """BM25F per record (a term counts through its best synonym) and, per term, where it occurs;
        a `fixed` term (the asked age) occurs where its mask says, counting once."""
        scores = np.zeros(self.postings.size, np.float32)
        present = {}
        for term, weight in weights.items():
            best = np.zeros(self.postings.size, np.float32)
            if term in fixed:
                best[fixed[term]] = 1.0
            for synonym, boost in () if term in fixed else expand(term):
                np.maximum(best, self.postings.dense(synonym, boost), out=best)
            present[term] = best > 0
            scores += weight * best
        return scores, present

    def _allowed(self, query: Query, kind: str | None) -> np.ndarray | None:
        """Which records the kind and region allow (None: all), cached per index generation:
        records of the kind asked, in the place asked, below it, in the provinces above it,
        and national ones unless the question asks where (national records name no place)."""
        key = (kind, query.region.code if query.region else None, query.kind_hint == "location")
        if key not in self._conditions:
            allowed = None
            if kind:
                allowed = self.postings.having("kind", [kind])
            if query.region:
                exact = [r.code for r in query.region.ancestors()[:-1]]
                exact += [engine.NATIONAL] if query.kind_hint != "location" else []
                in_place = self.postings.having("region", [query.region.code]) | self.postings.having("region_exact", exact)
                allowed = in_place if allowed is None else allowed & in_place
            self._conditions[key] = allowed
        return self._conditions[key]

    def _hit(self, query: Query, weights: dict[str, float], record_id: str, score: float,
             matched: tuple[str, ...], spelled: dict[str, list[str]]) -> Hit | None:
        record = self.records.get(record_id)
        if record is None:
            return None  # retired after this index generation was opened
        matched = matched + tuple(t for t, parts in spelled.items() if t not in matched and spelled_out(record, parts))
        matched = matched + tuple(t for t in weights if t not in matched and self._written_out(record, t))
        if query.age is not None and set(matched) <= {query.age_term}:
            return None  # an age qualifies what is asked; alone it is no topic (80了，还能买重疾险吗)
        confidence = coverage(weights, matched, self.unknown_weight, self.vocabulary.concepts)
        if query.region and not record.region.code:
            confidence *= NATIONAL_DISCOUNT  # asked about one place, the record speaks for several
            score *= NATIONAL_DISCOUNT
        if any(t in self.vocabulary.concepts and t not in matched for t in weights):
            confidence *= MISSING_CONCEPT  # asked about 失独, the record is about 家庭养老床位
        if query.kind_hint == "subsidy" and record.kind != "subsidy" and not names_money(matched):
            confidence *= MISSING_CONCEPT  # asked how much money, the record names none
        boost = 1.0 + 0.3 * kind_fits(query.kind_hint, record.kind) + region_fit(query.region, record.region)
        return Hit(record, score * boost * (0.5 + confidence), round(confidence, 3), matched, "")
