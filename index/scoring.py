"""BM25F over whoosh's postings, scored with numpy arrays instead of whoosh's matchers.

whoosh's matcher tree scores one document at a time in Python: at 10k records a question of a
few words, their synonyms and three fields cost 50–500 ms, almost all of it inside the matchers.
The same postings, read once per index generation into arrays (doc numbers, field-weighted
term-frequency parts) and combined with vector operations, cost well under a millisecond.
whoosh still owns storage, analysis, the lexicon and incremental updates; this module only
reads its postings, field lengths and stored ids.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh.reading import TermNotFound

K1, B = 1.2, 0.75  # the usual BM25 constants (whoosh's defaults too)
EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32))


class PostingArrays:
    """One reader generation's postings as arrays; rebuilt whenever the index changes.

    `fields` maps each text field to its boost (title above tags above body), as BM25F does.
    """

    def __init__(self, reader, fields: dict[str, float]):
        self.reader, self.fields = reader, fields
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, bool)
        self.live[[d for d in range(self.size) if reader.is_deleted(d)]] = False
        self.doc_count = max(int(self.live.sum()), 1)
        self._norms = {name: self._length_norm(name) for name in fields}
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._ids: dict[int, str] = {}

    def _length_norm(self, name: str) -> np.ndarray:
        """K1·(1 − B + B·length/average): BM25's document-length part, per document."""
        lengths = np.fromiter((self.reader.doc_field_length(d, name, 0) for d in range(self.size)),
                              np.float32, self.size)
        average = float(lengths[self.live].mean()) if self.live.any() else 1.0
        return K1 * (1 - B + B * lengths / (average or 1.0))

    def term(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, Σ over fields of boost · tf·(K1+1)/(tf+norm)) for one term, cached."""
        if text not in self._terms:
            parts = [self._field_part(name, boost, text) for name, boost in self.fields.items()]
            docs = np.concatenate([d for d, _ in parts])
            values = np.concatenate([v for _, v in parts])
            unique, where = np.unique(docs, return_inverse=True)
            self._terms[text] = (unique, np.bincount(where, values).astype(np.float32)) if len(unique) else EMPTY
        return self._terms[text]

    def _field_part(self, name: str, boost: float, text: str) -> tuple[np.ndarray, np.ndarray]:
        docs, freqs = [], []
        for segment, offset in self.reader.leaf_readers():
            try:
                matcher = segment._terms.matcher(name, segment._text_to_bytes(name, text),
                                                 segment.schema[name].format)
            except (TermNotFound, KeyError):
                continue
            ids, weights = _read_postings(matcher)
            docs.append(np.asarray(ids, np.int64) + offset)
            freqs.append(np.asarray(weights, np.float32))
        if not docs:
            return EMPTY
        docs_array, tf = np.concatenate(docs), np.concatenate(freqs)
        keep = self.live[docs_array]  # deleted documents stay in their segment until a merge
        docs_array, tf = docs_array[keep], tf[keep]
        if name not in self._norms:
            return docs_array, tf  # a filter field (kind, region): presence is all that counts
        return docs_array, boost * tf * (K1 + 1) / (tf + self._norms[name][docs_array])

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
        if docnum not in self._ids:
            self._ids[docnum] = self.reader.stored_fields(docnum)["id"]
        return self._ids[docnum]


def top(scores: np.ndarray, count: int) -> list[int]:
    """Doc numbers of the `count` best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > count:
        positive = positive[np.argpartition(-scores[positive], count - 1)[:count]]
    return [int(d) for d in positive[np.argsort(-scores[positive], kind="stable")]]


def _read_postings(matcher) -> tuple[list[int], list[float]]:
    """All (doc number, term frequency) pairs of one segment's posting list.

    whoosh's W3 matcher decodes a whole block into arrays; taking the arrays block by block
    (private attributes of the pinned whoosh-reloaded 2.7.5) avoids two Python calls per
    posting, which made the first question with a common word (养老, 9,000 records) slow.
    Other matchers fall back to the public per-posting walk.
    """
    ids: list[int] = []
    weights: list[float] = []
    if not hasattr(matcher, "_read_ids"):
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        if matcher._lastblock:
            break
        matcher._next_block()
    return ids, weights
