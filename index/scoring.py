"""BM25F over whoosh's postings, scored with numpy arrays instead of whoosh's matchers.

whoosh's matcher tree scores one document at a time in Python: at 10k records a question of a
few words, their synonyms and three fields cost 50–500 ms, almost all of it inside the matchers.
The same postings, read into arrays (doc numbers, field-weighted term-frequency parts) and
combined with vector operations, cost well under a millisecond. whoosh still owns storage,
analysis, the lexicon and incremental updates; this module only reads its postings, field
lengths, deletions and stored ids.

Reading a common word's postings (养老: 9,700 records) is what costs — whoosh unpickles them
block by block. Segments never change once written (deletions are kept beside them), so the
raw arrays are cached per segment (`SegmentCache`) and outlive index generations: an edit adds
one small segment, and only that one is read again. The BM25 parts, which depend on the live
documents and average lengths of the whole generation, are recomputed from the cached arrays.
"""
from __future__ import annotations

import bisect
import math
import struct

import numpy as np
from whoosh.reading import TermNotFound

K1, B = 1.2, 0.75  # the usual BM25 constants (whoosh's defaults too)
EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32))
RAW_EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.float32))


class SegmentCache:
    """Per whoosh segment: field lengths and each term's (doc numbers, weights) as read.

    Keyed by the segment's id, which is unique per index and stays while the segment lives.
    `keep` drops the segments a new generation no longer has (merged away or rebuilt).
    """

    def __init__(self):
        self._segments: dict[str, dict] = {}

    def keep(self, segment_ids: set[str]) -> None:
        for gone in set(self._segments) - segment_ids:
            del self._segments[gone]

    def segment(self, segment_id: str) -> dict:
        return self._segments.setdefault(segment_id, {})

    def __contains__(self, segment_id: str) -> bool:
        return segment_id in self._segments

    def __len__(self) -> int:
        return sum(len(terms) for terms in self._segments.values())


class PostingArrays:
    """One reader generation's postings as arrays; made anew whenever the index changes.

    `fields` maps each text field to its boost (title above tags above body), as BM25F does.
    """

    def __init__(self, reader, fields: dict[str, float], cache: SegmentCache | None = None):
        self.reader, self.fields = reader, fields
        self.cache = cache if cache is not None else SegmentCache()
        self.leaves = [(leaf, offset, leaf.segment().segment_id()) for leaf, offset in segment_readers(reader)]
        self.size = reader.doc_count_all()
        unseen = sum(leaf.doc_count_all() for leaf, _, segment_id in self.leaves if segment_id not in self.cache)
        self.unseen_share = unseen / self.size if self.size else 0.0  # docs in segments not read before
        self.cache.keep({segment_id for _, _, segment_id in self.leaves})
        self.live = np.ones(self.size, bool)
        for leaf, offset, _ in self.leaves:
            deleted = list(leaf.segment().deleted_docs()) if leaf.has_deletions() else []
            self.live[np.asarray(deleted, np.int64) + offset] = False
        self.doc_count = max(int(self.live.sum()), 1)
        self._norms = {name: self._length_norm(name) for name in fields}
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._offsets = [offset for _, offset, _ in self.leaves]

    def _length_norm(self, name: str) -> np.ndarray:
        """K1·(1 − B + B·length/average): BM25's document-length part, per document."""
        lengths = np.concatenate([self._segment_lengths(leaf, segment_id, name)
                                  for leaf, _, segment_id in self.leaves] or [np.zeros(0, np.float32)])
        average = float(lengths[self.live].mean()) if self.live.any() else 1.0
        return K1 * (1 - B + B * lengths / (average or 1.0))

    def _segment_lengths(self, leaf, segment_id: str, name: str) -> np.ndarray:
        cached = self.cache.segment(segment_id)
        key = ("length", name)
        if key not in cached:
            count = leaf.doc_count_all()
            cached[key] = np.fromiter((leaf.doc_field_length(d, name, 0) or 0 for d in range(count)),
                                      np.float32, count)
        return cached[key]

    def term(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, Σ over fields of boost · tf·(K1+1)/(tf+norm)) for one term, cached."""
        if text not in self._terms:
            parts = [self._field_part(name, boost, text) for name, boost in self.fields.items()]
            self._terms[text] = _sum_parts(parts, self.size)
        return self._terms[text]

    def _field_part(self, name: str, boost: float, text: str) -> tuple[np.ndarray, np.ndarray]:
        docs, freqs = [], []
        for leaf, offset, segment_id in self.leaves:
            ids, weights = self._segment_postings(leaf, segment_id, name, text)
            if len(ids):
                docs.append(ids.astype(np.int64) + offset)
                freqs.append(weights)
        if not docs:
            return EMPTY
        docs_array, tf = (docs[0], freqs[0]) if len(docs) == 1 else (np.concatenate(docs), np.concatenate(freqs))
        keep = self.live[docs_array]  # deleted documents stay in their segment until a merge
        if not keep.all():
            docs_array, tf = docs_array[keep], tf[keep]
        if name not in self._norms:
            return docs_array, tf  # a filter field (kind, region): presence is all that counts
        return docs_array, boost * tf * (K1 + 1) / (tf + self._norms[name][docs_array])

    def _segment_postings(self, leaf, segment_id: str, name: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self.cache.segment(segment_id)
        key = (name, text)
        if key not in cached:
            held = _term_keys(leaf, cached)
            absent = held is not None and leaf._terms._keycoder(name, text.encode("utf-8")) not in held
            cached[key] = RAW_EMPTY if absent else _read_term(leaf, name, text)
        return cached[key]

    def warm(self, budget: int, hot: list | None = None, least: int = 1) -> int:
        """Read the most frequent terms' postings now, up to `budget` postings in all, none of a
        term with fewer than `least`; returns how many terms. The first question with 养老 or
        服务 then finds them ready. `hot` is the index's list of [term, postings], commonest
        first (kept in its meta at build); without it the segments' term tables are scanned
        (~0.2 s at 10k records)."""
        self._read_ids()
        spent = warmed = 0
        for text, count in hot if hot is not None else hot_terms(self.leaves, self.fields, budget):
            if spent + count > budget or count < least:
                break
            self.term(text)
            spent, warmed = spent + count, warmed + 1
        return warmed

    def frequency(self, text: str) -> int:
        """How many live documents contain the term in any field."""
        return len(self.term(text)[0])

    def idf(self, frequency: int) -> float:
        return math.log(1 + (self.doc_count - frequency + 0.5) / (frequency + 0.5))

    def dense(self, text: str, weight: float = 1.0) -> np.ndarray:
        """The term's field-weighted scores as one value per document (0 where absent)."""
        scores = np.zeros(self.size, np.float32)
        docs, values = self.term(text)
        scores[docs] = values * weight
        return scores

    def having(self, name: str, values: list[str]) -> np.ndarray:
        """A boolean per document: live and holding one of `values` in field `name` (a filter)."""
        allowed = np.zeros(self.size, bool)
        for value in values:
            allowed[self._field_part(name, 1.0, value)[0]] = True
        return allowed

    def record_id(self, docnum: int) -> str:
        """The stored id of a document, remembered per segment (kept across generations)."""
        leaf, offset, segment_id = self.leaves[bisect.bisect_right(self._offsets, docnum) - 1]
        ids = self.cache.segment(segment_id).setdefault("ids", {})
        local = docnum - offset
        if local not in ids:
            ids[local] = leaf.stored_fields(local)["id"]
        return ids[local]

    def _read_ids(self) -> None:
        """Every document's id at once (~6 µs each): reading a few one by one from a freshly
        opened segment costs ~2 ms for its offsets table, which an edit makes every search pay."""
        for leaf, _, segment_id in self.leaves:
            ids = self.cache.segment(segment_id).setdefault("ids", {})
            if len(ids) < leaf.doc_count_all():
                ids.update((local, leaf.stored_fields(local)["id"]) for local in range(leaf.doc_count_all()))


def segment_readers(reader) -> list:
    """(segment reader, first doc number) per segment; none for an index of no records, whose
    reader is whoosh's EmptyReader (no segment)."""
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    return [(leaf, offset) for leaf, offset in leaves if leaf.segment() is not None]


def _sum_parts(parts: list[tuple[np.ndarray, np.ndarray]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """One (docs, values) from the fields' parts; a document in several fields gets their sum.

    A dense scratch vector is cheaper than sorting (np.unique) for common words; each field's
    doc numbers are distinct, so plain fancy-index addition is exact."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0][0], parts[0][1].astype(np.float32)
    scratch = np.zeros(size, np.float64)
    for docs, values in parts:
        scratch[docs] += values
    docs = np.flatnonzero(scratch)
    return docs, scratch[docs].astype(np.float32)


def top(scores: np.ndarray, count: int) -> list[int]:
    """Doc numbers of the `count` best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > count:
        positive = positive[np.argpartition(-scores[positive], count - 1)[:count]]
    return [int(d) for d in positive[np.argsort(-scores[positive], kind="stable")]]


SMALL_SEGMENT = 64  # documents; each edit writes one such segment until whoosh merges them


def _term_keys(leaf, cached: dict) -> set | None:
    """A small segment's raw term keys, read once (~0.2 ms for one record): most of a
    question's words are not in it, and a miss then costs a set lookup instead of ~40 µs of
    whoosh term-info decoding. None for large segments or another codec (look terms up)."""
    if "keys" not in cached:
        table = getattr(getattr(leaf, "_terms", None), "_tindex", None)
        small = table is not None and hasattr(leaf._terms, "_keycoder") and leaf.doc_count_all() <= SMALL_SEGMENT
        cached["keys"] = set(table.keys()) if small else None
    return cached["keys"]


def _read_term(leaf, name: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of a term as (local doc numbers, weights)."""
    try:
        matcher = leaf._terms.matcher(name, leaf._text_to_bytes(name, text), leaf.schema[name].format)
    except (TermNotFound, KeyError):
        return RAW_EMPTY
    if not hasattr(matcher, "_read_data"):
        return _walk_postings(matcher)
    return _read_blocks(matcher)


def _read_blocks(matcher) -> tuple[np.ndarray, np.ndarray]:
    """All postings of a W3 matcher, decoded block by block with numpy.

    A block holds its doc numbers as deltas from 0 and its weights as a tuple (or one value
    for all); taking them from the block data (private attributes of the pinned
    whoosh-reloaded 2.7.5) and summing the deltas with numpy avoids whoosh's per-posting
    Python generator, which was half the cost of reading a common word.
    """
    deltas: list[int] = []
    weights: list[float] = []
    starts: list[int] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        starts.append(len(deltas))
        deltas.extend(matcher._data[0])
        matcher._read_weights()
        weights.extend(matcher._weights)
        if matcher._lastblock:
            break
        matcher._next_block()
    ids = np.asarray(deltas, np.int64)
    if not matcher._byteids and len(ids):
        total = np.cumsum(ids)
        before = np.concatenate([[0], total[np.asarray(starts[1:], np.int64) - 1]])  # sum before each block
        ids = total - np.repeat(before, np.diff(starts + [len(ids)]))
    return ids.astype(np.int32), np.asarray(weights, np.float32)


def _walk_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Other matchers: the public per-posting walk."""
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, np.int32), np.asarray(weights, np.float32)


_DOC_FREQ = struct.Struct("!I")  # W3TermInfo: flags (B), total weight (f), doc frequency (I), …


def hot_terms(leaves: list, fields: dict[str, float], budget: int) -> list[tuple[str, int]]:
    """(term, postings) with the most postings over the text fields, most first, until they add
    up to `budget`. Reads the segments' raw term tables (whoosh-reloaded 2.7.5's W3 codec:
    ~0.1 s for 25k terms, where `iter_field` decodes every term's info and takes seconds);
    another codec warms nothing."""
    counts: dict[bytes, int] = {}
    for leaf, _, _ in leaves:
        table = getattr(getattr(leaf, "_terms", None), "_tindex", None)
        fieldmap = getattr(leaf._terms, "_fieldmap", None) if table is not None else None
        if not fieldmap:
            return []
        prefixes = {struct.pack("!H", fieldmap[name]) for name in fields if name in fieldmap}
        for key, value in table.items():
            if key[:2] in prefixes:
                counts[key[2:]] = counts.get(key[2:], 0) + _DOC_FREQ.unpack_from(value, 5)[0]
    chosen, total = [], 0
    for text, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        if total + count > budget:
            break
        chosen.append((text.decode("utf-8"), count))
        total += count
    return chosen
