"""The advisor answers questions about real documents nobody tuned it for (issue 15).

The corpus (tests/data/realdocs) is imported on top of the starter knowledge, as an advisor
elsewhere would; the questions (tests/data/realdocs_questions) were written blind from the
documents alone. The dev split's figures are held as floors: a change that answers fewer of
them fails here. The held-out split is measured by bench/realdocs_eval.py, not tuned on.
"""
from __future__ import annotations

import pytest

from advisor.cli import advisor_bot
from advisor.core import Advisor
from advisor.evaluation import evaluate_answers, load_answer_cases

from tests.realdocs import QUESTIONS, build_data_dir

DEV_FLOORS = {"fact rate": 0.75, "region traps": 0.93, "false answers": 11}


@pytest.fixture(scope="module")
def realdocs_advisor(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("realdocs")
    build_data_dir(data_dir)
    bot = Advisor.open(data_dir, cache_size=0)
    yield bot
    bot.store.close()


def test_dev_questions_are_answered_at_least_as_well_as_before(realdocs_advisor):
    path = QUESTIONS / "dev.jsonl"
    if not path.exists():
        pytest.skip("no dev question set")
    scores = evaluate_answers(load_answer_cases(path), advisor_bot(realdocs_advisor), "advisor")
    assert scores.fact_rate >= DEV_FLOORS["fact rate"], scores.misses[:20]
    assert scores.rate(("region_trap",)) >= DEV_FLOORS["region traps"], scores.misses
    assert scores.false_answers <= DEV_FLOORS["false answers"], scores.misses
