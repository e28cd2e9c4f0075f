"""`advisor eval` answer mode: what counts as answering, per kind of case."""
from __future__ import annotations

import json

import pytest

from advisor.evaluation import Answer, AnswerCase, evaluate_answers, is_answer_set, load_answer_cases, passes

FACT = AnswerCase("杭州100岁老人每月多少钱", "fact", doc="a.html", expect=("每人每月800元",))


@pytest.mark.parametrize("answer, ok", [
    (Answer("100周岁以上每人每月800元。", ("a.html",)), True),
    (Answer("100周岁以上每人每月８００元。", ("a.html",)), True),  # full-width digits are the same fact
    (Answer("100周岁以上每人每月800元。", ("b.html",)), False),  # right words, wrong document
    (Answer("100周岁以上每人每月300元。", ("a.html",)), False),
    (Answer("没有找到", ()), False),
])
def test_a_fact_needs_its_phrase_and_its_document(answer, ok):
    assert passes(FACT, answer) is ok


def test_must_find_nothing_passes_only_without_sources():
    case = AnswerCase("养老金怎么算", "nothing")
    assert passes(case, Answer("抱歉，没有找到。"))
    assert not passes(case, Answer("每人每月800元", ("a.html",)))


def test_a_region_trap_passes_when_refused_or_when_the_first_line_names_the_other_place():
    case = AnswerCase("广州的高龄津贴多少", "region_trap", other_place="杭州")
    assert passes(case, Answer("没有找到广州的规定。"))
    assert passes(case, Answer("广州的没有找到，下面是杭州市的规定：\n每人每月800元", ("a.html",)))
    assert not passes(case, Answer("每人每月800元\n来源：杭州", ("a.html",)))


def test_scores_count_false_answers_and_misses(tmp_path):
    path = tmp_path / "set.jsonl"
    lines = [{"doc": "a.html", "q": "多少钱", "expect": "800元", "kind": "fact"},
             {"q": "养老金怎么算", "kind": "nothing"}]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    assert is_answer_set(path)
    scores = evaluate_answers(load_answer_cases(path), lambda case: Answer("800元", ("a.html",)), "bot")
    assert (scores.fact_rate, scores.false_answers, len(scores.misses)) == (1.0, 1, 1)


def test_a_case_without_a_known_kind_names_its_line(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"q": "x", "kind": "fact"}\n{"q": "y", "kind": "guess"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="set.jsonl:2"):
        load_answer_cases(path)


def test_two_evaluation_runs_never_share_a_conversation():
    from advisor.cli import advisor_bot
    from advisor.reply import Reply

    class Recorder:
        def __init__(self):
            self.users = []

        def handle(self, message):
            self.users.append(message.user_id)
            return Reply("x", "consult")

    recorder = Recorder()
    case = AnswerCase("多少钱", "fact")
    advisor_bot(recorder)(case)
    advisor_bot(recorder)(case)
    assert len(set(recorder.users)) == 2  # a second run in the same data dir starts no follow-up of the first


def test_a_region_trap_answered_from_the_asked_place_s_own_document_passes():
    """The corpus grows: 成都's own measures now answer what only 杭州's did when the trap was written."""
    case = AnswerCase("成都100岁以上老人的高龄津贴每月多少？", "region_trap", other_place="杭州")
    assert passes(case, Answer("【成都】百岁老人每人每月……", ("cd.html",), ("510100",)))
    assert passes(case, Answer("【成都】武侯区……", ("cd.html",), ("510107",)))  # a district of the asked city
    assert not passes(case, Answer("每人每月800元", ("hz.html",), ("330100",)))  # 杭州's rule, unlabelled
    traditional = AnswerCase("青島重度失能老人的護理補貼每月多少錢？", "region_trap", other_place="北京")
    assert passes(traditional, Answer("【青島】……", ("qd.md",), ("370200",)))
