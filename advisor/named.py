"""A question that names an institution, or a document, is about that institution or document.

"西安天合老年公寓一个月多少钱" must be answered from 天合老年公寓's own record, not from the
best-scoring of thirty look-alike 老年公寓 nor as a list of them. Names are compared with
rapidfuzz (partial ratio: the name inside the question, typos and a dropped 市 allowed).
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from index.search import Hit
from index.vocabulary import NAME_NOTE, institution_name
from knowledge.regions import Region, find_mentions

NAMED = 90  # partial ratio from which the question names the institution
MIN_NAME = 4  # characters: shorter names (养老院) are kinds of place, not names

_FULL_NAME = re.compile(r"(?:省|市|区|县|旗|自治州|盟)$")


def without_places(name: str) -> str:
    """'西安市长安区福海老年公寓' → '福海老年公寓': people name a home without the city and district
    before it. Only full names go (长安区), never a short one: 福海 is a county too, and 老年公寓
    alone names no home."""
    while (found := find_mentions(name)) and found[0][0] == 0 and _FULL_NAME.search(found[0][1]) \
            and len(name) - len(found[0][1]) > MIN_NAME:
        name = name[len(found[0][1]):]
    return name


def named_hit(hits: list[Hit], question: str) -> Hit | None:
    """The service or base the question names (the best-matching name, with or without the
    places it starts with, when one matches well)."""
    scored = []
    for hit in hits:
        name = institution_name(hit.record.title)
        if hit.record.kind in ("service", "base") and len(name) >= MIN_NAME:
            ratio = max(fuzz.partial_ratio(form, question) for form in {name, without_places(name)})
            scored.append((ratio, len(name), hit))
    best = max(scored, key=lambda item: item[:2], default=None)
    return best[2] if best and best[0] >= NAMED else None


# Documents by title ------------------------------------------------------------------------

MIN_TITLE = 6  # characters of a title without its place: shorter (实施办法) names a kind of document
_BRACKETS = re.compile(r"[《》〈〉“”\"]")
_NATION = "中华人民共和国"


def title_core(title: str, region: Region) -> str:
    """What a question keeps of a document's title: '《海南省养老服务条例》' → '养老服务条例'
    (the place is asked separately, or not at all), without notes in brackets."""
    core = NAME_NOTE.sub("", _BRACKETS.sub("", title)).strip()
    places = {_NATION} | {name for r in region.ancestors() for name in (r.county or r.city or r.province, r.short)}
    while leading := max((p for p in places if p and core.startswith(p)), key=len, default=""):
        core = core[len(leading):]  # 海南省海口市…: the province, then the city
    return core


class DocumentTitles:
    """The imported documents by title, so "海南省养老服务条例是哪天开始施行的" is answered
    from that 条例 and not from the best-matching article of another one. Rebuilt when the
    searcher's records change (a dict over every record's source: milliseconds at 100k)."""

    def __init__(self) -> None:
        self._built_for: tuple | None = None
        self._cores: dict[str, list[tuple[str, Region]]] = {}

    def named(self, question: str, asked: Region | None, records: dict, stamp: tuple) -> tuple[str, ...]:
        """Keys of the documents whose title the question names, in the asked place (its own
        documents first, else those inside it or above it)."""
        if stamp != self._built_for:
            self._cores, self._built_for = _cores(records), stamp
        found = [(key, region) for core, documents in self._cores.items() if core in question
                 for key, region in documents if not asked or asked.contains(region) or region.contains(asked)]
        exact = [key for key, region in found if asked and region.code == asked.code]
        return tuple(dict.fromkeys(exact or [key for key, _ in found]))


def _cores(records: dict) -> dict[str, list[tuple[str, Region]]]:
    cores: dict[str, dict[str, Region]] = {}
    for record in records.values():
        source = record.source
        core = title_core(source.title, record.region) if source.key else ""
        if len(core) >= MIN_TITLE:
            cores.setdefault(core, {})[source.key] = record.region
    return {core: list(documents.items()) for core, documents in cores.items()}
