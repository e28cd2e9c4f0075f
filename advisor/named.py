"""A question that names an institution is about that institution.

"西安天合老年公寓一个月多少钱" must be answered from 天合老年公寓's own record, not from the
best-scoring of thirty look-alike 老年公寓 nor as a list of them. Names are compared with
rapidfuzz (partial ratio: the name inside the question, typos and a dropped 市 allowed).
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from index.search import Hit

NAMED = 90  # partial ratio from which the question names the institution
MIN_NAME = 4  # characters: shorter names (养老院) are kinds of place, not names

_PREFIX = re.compile(r"^[^：:]{1,12}[：:]")
_NOTE = re.compile(r"[（(][^（）()]*[）)]")


def institution_name(title: str) -> str:
    """'海口：海口颐养院（公办）' → '海口颐养院'."""
    return _NOTE.sub("", _PREFIX.sub("", title)).strip()


def named_hit(hits: list[Hit], question: str) -> Hit | None:
    """The service or base the question names (the best-matching name, when one matches well)."""
    scored = []
    for hit in hits:
        name = institution_name(hit.record.title)
        if hit.record.kind in ("service", "base") and len(name) >= MIN_NAME:
            scored.append((fuzz.partial_ratio(name, question), len(name), hit))
    best = max(scored, key=lambda item: item[:2], default=None)
    return best[2] if best and best[0] >= NAMED else None
