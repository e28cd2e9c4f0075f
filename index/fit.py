"""How well one record fits a question: the share of its words a record covers, compounds and
written forms it spells out, how its place fits the asked one, and the snippet a reply shows.

The searcher (index/search.py) scores every record with BM25F; these judge its best candidates,
so one confidence separates "found it" from "nothing good enough" whatever the question's length.
"""
from __future__ import annotations

import math
import re

from index.understand import KIND_HINTS
from knowledge.records import Record
from knowledge.regions import Region

COMPOUND_GAP = 3  # characters between a compound's pieces that still spell it (高龄老年人津贴)
UNKNOWN_SHARE = 0.25  # a word no record contains says little about which record fits: it counts a quarter
RARITY_CAP = math.log(1 + 2000)  # no word weighs more than one in a 2,000th of the records (idf ≈ 7.6)


def holds_literally(record: Record, forms: tuple[str, ...]) -> bool:
    return any(form in record.text or form in record.title for form in forms)


def compounds(weights: dict[str, float]) -> dict[str, list[str]]:
    """Question terms that other terms of the question spell out whole: 高龄津贴 = 高龄 + 津贴.
    jieba's search mode gives a compound and its pieces; a record writing 高龄老年人津贴 has
    both pieces and so covers the compound, though it never writes it."""
    found = {}
    for compound in weights:
        pieces = [t for t in weights if t != compound and len(t) > 1 and t in compound]
        parts = sorted((p for p in pieces if not any(p != q and p in q for q in pieces)), key=compound.find)
        covered = {i for part in parts for start in occurrences(compound, part) for i in range(start, start + len(part))}
        if parts and len(covered) == len(compound):
            found[compound] = parts
    return found


def spelled_out(record: Record, parts: list[str]) -> bool:
    """The pieces of a compound stand close together, in order, with words between (高龄老年人津贴).
    Written together, the index would hold the compound unless the text cuts it otherwise
    (旅居养老|保险 is no 养老保险)."""
    pattern = f".{{1,{COMPOUND_GAP}}}".join(re.escape(p) for p in parts)
    return any(re.search(pattern, text) for text in (record.title, record.text))


def coverage(weights: dict[str, float], matched: tuple[str, ...], unknown_weight: float,
             concepts: frozenset[str] = frozenset()) -> float:
    """Share of the question's informative weight that a record covers (0–1).

    Words no record contains count at a quarter when they are everyday words (瘫, 下棋): one odd
    word in a colloquial question must not sink a good match. A domain concept the knowledge
    lacks (养老金, 失独) counts fully: the question is about something we cannot answer.
    A record holding only a piece of a question word (五保 of 五保户) covers that word in the
    proportion its piece stands for, not just the piece's own small share (_group_cover).
    No word weighs more than one in a 2,000th of the records (RARITY_CAP): an absent or nearly
    absent word's idf grows with the knowledge's size, a topic word's hardly does, so uncapped
    the same question lost confidence as the knowledge grew (泾源老年大学…学学唱歌: 0.73 at 1k
    records, 0.42 at 100k; a 个省 some record of 100k happens to hold weighed 11 there, 0 at 1k).
    """
    weights = {t: min(w, RARITY_CAP) for t, w in weights.items()}
    unknown_weight = min(unknown_weight, RARITY_CAP)
    known = sum(w for w in weights.values() if w < unknown_weight)
    unknown = [(t, w) for t, w in weights.items() if w >= unknown_weight]
    total = known + sum(w if t in concepts else UNKNOWN_SHARE * w for t, w in unknown)
    groups = _word_groups([t for t, w in weights.items() if w < unknown_weight])
    covered = sum(_group_cover(group, weights, matched) for group in groups)
    covered += sum(weights[t] for t in matched if weights[t] >= unknown_weight)
    return covered / total if total else 0.0


def _word_groups(terms: list[str]) -> list[list[str]]:
    """Each question word (the longest terms) with the pieces jieba's search mode adds inside
    it (五保户: 五保, 保户); a piece inside several words goes with the longest."""
    heads = [t for t in terms if not any(t != u and t in u for u in terms)]
    groups = {head: [head] for head in heads}
    for term in terms:
        if term not in groups:
            groups[max((h for h in heads if term in h), key=len)].append(term)
    return list(groups.values())


def _group_cover(group: list[str], weights: dict[str, float], matched: tuple[str, ...]) -> float:
    """The whole group's weight when the record has the word; else the share of it its best
    piece stands for (五保 of 五保户: a record of 五保供养 is about the word, less surely)."""
    whole = sum(weights[t] for t in group)
    if group[0] in matched:
        return whole
    best = max((weights[t] for t in group[1:] if t in matched), default=0.0)
    return whole * min(1.0, best / max(weights[t] for t in group)) if best else 0.0


def region_fit(wanted: Region | None, region: Region) -> float:
    """Records of exactly the asked place first, then places inside it, then the containing
    province, then national ones: a question about 广东 wants 广东's own list before 深圳's."""
    if not wanted or not region.code:
        return 0.0
    if region.code == wanted.code:
        return 0.6
    return 0.4 if wanted.contains(region) else 0.1


def names_money(matched: tuple[str, ...]) -> bool:
    return any(KIND_HINTS["subsidy"].search(t) for t in matched)


def kind_fits(hint: str | None, kind: str) -> bool:
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
    spans = sorted((m, m + len(w)) for w in words if w for m in occurrences(text, w))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found
