"""`advisor eval`: retrieval quality on a question set, next to a plain BM25 baseline.

Each line of the JSONL file is {"q": ..., "expect": [ids]} (any listed id counts as a hit),
{"q": ..., "expect": [[ids], [ids]]} for a message with several questions (one list per
question, in order), or {"q": ..., "expect": []} for a question that must find nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

Ranker = Callable[[str], list[list[str]]]  # question → ranked ids per detected question ([] = nothing)


@dataclass
class Case:
    question: str
    expected: list[list[str]]  # one list per question part; [] = must find nothing
    style: str = ""
    line: int = 0

    @property
    def must_find_nothing(self) -> bool:
        return not self.expected


@dataclass
class Scores:
    name: str
    parts: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal: float = 0.0
    nothing_cases: int = 0
    nothing_right: int = 0  # must-find-nothing cases that found nothing
    nothing_claimed: int = 0  # all cases (or parts) where the ranker found nothing
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        parts = max(self.parts, 1)
        return {"hit@1": self.hit1 / parts, "hit@3": self.hit3 / parts, "MRR": self.reciprocal / parts,
                "no-answer precision": self.nothing_right / self.nothing_claimed if self.nothing_claimed else 0.0,
                "no-answer recall": self.nothing_right / self.nothing_cases if self.nothing_cases else 0.0,
                "false hits": self.nothing_cases - self.nothing_right}


def load_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            expect = item["expect"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{path.name}:{number}: not a case ({error})") from None
        nested = bool(expect) and all(isinstance(e, list) for e in expect)
        cases.append(Case(item["q"], expect if nested else ([expect] if expect else []), item.get("style", ""), number))
    return cases


def evaluate(cases: list[Case], ranker: Ranker, name: str) -> Scores:
    scores = Scores(name)
    for case in cases:
        ranked_parts = ranker(case.question)
        if case.must_find_nothing:
            _score_nothing(scores, case, ranked_parts)
            continue
        if len(case.expected) == 1 and len(ranked_parts) > 1:
            ranked_parts = [_merge(ranked_parts)]  # a split the set did not expect: judge the union
        for index, expected in enumerate(case.expected):
            ranked = ranked_parts[index] if index < len(ranked_parts) else []
            _score_part(scores, case, expected, ranked)
    return scores


def _merge(parts: list[list[str]]) -> list[str]:
    merged: list[str] = []
    for rank in range(max(map(len, parts))):
        for part in parts:
            if rank < len(part) and part[rank] not in merged:
                merged.append(part[rank])
    return merged


def _score_nothing(scores: Scores, case: Case, ranked_parts: list[list[str]]) -> None:
    scores.nothing_cases += 1
    if not any(ranked_parts):
        scores.nothing_right += 1
        scores.nothing_claimed += 1
    else:
        found = next(p for p in ranked_parts if p)
        scores.misses.append(f"{case.line}: {case.question} → should find nothing, found {found[:3]}")


def _score_part(scores: Scores, case: Case, expected: list[str], ranked: list[str]) -> None:
    scores.parts += 1
    if not ranked:
        scores.nothing_claimed += 1
    rank = next((i for i, record_id in enumerate(ranked) if record_id in expected), None)
    if rank is not None:
        scores.hit1 += rank == 0
        scores.hit3 += rank < 3
        scores.reciprocal += 1 / (rank + 1)
    if rank is None or rank > 0:
        where = "nothing found" if not ranked else f"got {ranked[:3]}"
        scores.misses.append(f"{case.line}: {case.question} → want {expected[:3]}, {where} (rank {rank})")


def report(results: list[Scores]) -> str:
    names = [r.name for r in results]
    rows = [f"{'metric':<22}" + "".join(f"{n:>14}" for n in names)]
    metrics = [r.as_dict() for r in results]
    for key in metrics[0]:
        rows.append(f"{key:<22}" + "".join(f"{m[key]:>14.3f}" if isinstance(m[key], float) else f"{m[key]:>14}"
                                           for m in metrics))
    return "\n".join(rows)
