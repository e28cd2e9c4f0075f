"""`advisor eval --answers`: does the reply an elder reads contain the fact they asked for?

Retrieval scores (index.evaluate) say whether the right record ranked high; this says whether
the bot *answered*: each case names the exact phrase a correct reply must contain and the
document it must cite. Cases (one JSON object per line, written blind from the documents):

  {"doc": "a05_….html", "q": "…", "context": ["earlier turn", …], "expect": "每人每月800元" | [..],
   "kind": "fact|institution|followup|region_trap|nothing", "style": "…", "other_place": "杭州"}

"doc" may name copies of one document as "b08_….html|b05_….md" (one 条例 saved as a web page
and as text: the import keeps one copy, so either citation is the document).

A fact passes when every expected phrase is in the reply and a cited source is that document.
"nothing" passes when the reply rests on no record (a not-found or a hand-over). A region trap
(a place with no document when the question was written) passes when the reply rests on no
record, or its first line says whose rule it gives instead ("没有找到广州单独的规定，下面是国家的
规定："), or every record it rests on is the asked place's own: the knowledge has since gained
that place's document (the corpus grows), and answering from it is no trap fallen into.
The baseline is a plain jieba + BM25 peer whose "reply" is its best record's text.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import zhconv

from knowledge.importers.clauses import fold
from knowledge.regions import Region, find_mentions

ANSWER_KINDS = ("fact", "institution", "followup", "region_trap", "nothing")


@dataclass
class AnswerCase:
    question: str
    kind: str
    doc: str = ""
    expect: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    style: str = ""
    other_place: str = ""
    line: int = 0

    @property
    def scored_as_fact(self) -> bool:
        return self.kind in ("fact", "institution", "followup")


@dataclass
class Answer:
    """What a bot said: the text and the source files it cites."""

    text: str
    files: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # the division codes of the records it rests on


Bot = Callable[[AnswerCase], Answer]


@dataclass
class AnswerScores:
    name: str
    total: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)
    false_answers: int = 0  # must-find-nothing cases that got an answer
    misses: list[str] = field(default_factory=list)

    def rate(self, kinds: tuple[str, ...]) -> float:
        total = sum(self.total[k] for k in kinds)
        return sum(self.passed[k] for k in kinds) / total if total else 0.0

    @property
    def fact_rate(self) -> float:
        return self.rate(("fact", "institution", "followup"))


def load_answer_cases(path: Path) -> list[AnswerCase]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            cases.append(_case(json.loads(line), path, number))
    return cases


def is_answer_set(path: Path) -> bool:
    """An answer set has a "kind" on its lines; a retrieval set has "expect" ids only."""
    first = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "{}")
    return "kind" in json.loads(first)


def _case(data: dict, path: Path, number: int) -> AnswerCase:
    kind = data.get("kind", "fact")
    if kind not in ANSWER_KINDS or not data.get("q"):
        raise ValueError(f"{path.name}:{number}: needs \"q\" and a kind among {', '.join(ANSWER_KINDS)}")
    expect = data.get("expect") or []
    expect = (expect,) if isinstance(expect, str) else tuple(expect)
    return AnswerCase(data["q"], kind, data.get("doc", ""), tuple(e for e in expect if e),
                      tuple(data.get("context") or ()), data.get("style", ""), data.get("other_place", ""), number)


def evaluate_answers(cases: list[AnswerCase], bot: Bot, name: str) -> AnswerScores:
    scores = AnswerScores(name)
    for case in cases:
        answer = bot(case)
        scores.total[case.kind] += 1
        if passes(case, answer):
            scores.passed[case.kind] += 1
        else:
            scores.false_answers += case.kind == "nothing"
            scores.misses.append(f"{case.line}: [{case.kind}/{case.style}] {case.question} → 要 {'/'.join(case.expect)}"
                                 f" ← {case.doc} | 答：{_first_line(answer.text)}")
    return scores


def passes(case: AnswerCase, answer: Answer) -> bool:
    if case.kind == "nothing":
        return not answer.files
    if case.kind == "region_trap":
        first = _first_line(answer.text)
        return (not answer.files or "下面是" in first or bool(case.other_place and case.other_place in first)
                or _all_of_asked_place(case.question, answer.regions))
    text = _plain(answer.text)
    return all(_plain(phrase) in text for phrase in case.expect) and (
        not case.doc or any(doc in answer.files for doc in case.doc.split("|")))


def _all_of_asked_place(question: str, regions: tuple[str, ...]) -> bool:
    """Every record lies in a place the question names (its own document answered)."""
    asked = [Region(code) for _, _, codes in find_mentions(zhconv.convert(question, "zh-hans")) for code in codes]
    return bool(regions and asked) and all(code and any(place.contains(Region(code)) for place in asked)
                                           for code in regions)


def _plain(text: str) -> str:
    """Compare without spaces, in simplified script (a traditional-script question gets a
    traditional reply), with one width of digits, letters and brackets."""
    return re.sub(r"\s+", "", fold(zhconv.convert(text, "zh-hans"))).replace("—", "-").replace("－", "-")


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")[:80]


def answer_report(scores: list[AnswerScores]) -> str:
    kinds = [k for k in ANSWER_KINDS if any(s.total[k] for s in scores)]
    lines = ["| | " + " | ".join(s.name for s in scores) + " |", "|---|" + "---|" * len(scores)]
    lines.append("| 事实问题回答率 | " + " | ".join(f"{s.fact_rate:.1%}" for s in scores) + " |")
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(f"{s.passed[kind]}/{s.total[kind]}" for s in scores) + " |")
    lines.append("| 不该答却答了 | " + " | ".join(str(s.false_answers) for s in scores) + " |")
    return "\n".join(lines)
