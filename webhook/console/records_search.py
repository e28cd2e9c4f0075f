"""The knowledge list searched the way the bot reads a question — typos, synonyms, traditional
script (长者饭唐 finds 长者饭堂) — and records that look like copies of each other flagged, so an
advisor finds the record to fix instead of writing a second one.
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from knowledge.store import StoredRecord
from webhook.routes import runtime

SEARCH_LIMIT = 50
SIMILAR_TITLE = 90  # rapidfuzz ratio from which two titles may name the same thing
SIMILAR_TEXT = 97  # … and two texts say it: templated texts of two places differ by their names (~96)
BUCKET_LIMIT = 400  # fuzzy comparison only inside a kind-and-place bucket this small (quadratic)
_NOT_WORD = re.compile(r"[\W_]+")


def understood(question: str) -> list[str]:
    """Record ids the bot's own search finds for `question`, best first."""
    results = runtime().with_advisor(lambda advisor: advisor.searcher.search(question, limit=SEARCH_LIMIT))
    return list(dict.fromkeys(hit.record.id for result in results for hit in result.hits))


def duplicates(records: list[StoredRecord]) -> dict[str, list[str]]:
    """Record id → ids of other records in use of the same kind and place that look like copies:
    the same title, the same text, or both nearly the same."""
    buckets: dict[tuple[str, str], list[StoredRecord]] = {}
    for stored in records:
        if stored.status == "active":
            buckets.setdefault((stored.record.kind, stored.record.region.code), []).append(stored)
    found: dict[str, list[str]] = {}
    for bucket in buckets.values():
        for a, b in _pairs(bucket):
            found.setdefault(a.record.id, []).append(b.record.id)
            found.setdefault(b.record.id, []).append(a.record.id)
    return found


def _pairs(bucket: list[StoredRecord]):
    titles = [_NOT_WORD.sub("", s.record.title) for s in bucket]
    fuzzy = len(bucket) <= BUCKET_LIMIT
    by_title: dict[str, int] = {}
    for i, stored in enumerate(bucket):
        first = by_title.setdefault(titles[i], i)
        if first != i:
            yield bucket[first], stored
            continue
        for j in range(i) if fuzzy else ():
            if titles[j] != titles[i] and _alike(bucket[j].record, stored.record, titles[j], titles[i]):
                yield bucket[j], stored


def _alike(a, b, title_a: str, title_b: str) -> bool:
    """The same text, or a near-same title *and* a near-same text: two institutions whose long names
    differ in two characters (天悦 / 中科) are two places, not a copy."""
    if a.text.strip() == b.text.strip():
        return True
    return fuzz.ratio(title_a, title_b) >= SIMILAR_TITLE and fuzz.ratio(a.text, b.text) >= SIMILAR_TEXT
