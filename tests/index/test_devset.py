"""The dev set: how elders ask, and the quality bar the retrieval layer must keep."""
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.baseline import Baseline
from index.evaluate import evaluate, load_cases
from webhook.cli import main

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.jsonl"
# Reached on this dev set (see README); a change that lowers them fails here.
TARGETS = {"hit@1": 0.95, "hit@3": 0.97, "false hits": 0}
# Questions written by someone who never saw the dev set or the retrieval code (README): a check
# that the gains are not tuned to the dev set's wording. Floors at the reached numbers.
HELDOUT = DEVSET.with_name("heldout.jsonl")
HELDOUT_FLOORS = {"hit@1": 0.88, "hit@3": 0.91, "false hits": 2}


@pytest.fixture(scope="module")
def cases():
    return load_cases(DEVSET)


def test_devset_is_broad(cases, searcher):
    answerable = [c for c in cases if not c.must_find_nothing]
    assert len(answerable) >= 150 and len(cases) - len(answerable) >= 30
    styles = Counter(c.style for c in cases)
    for style in ("colloquial", "voice", "typo", "traditional", "region", "multi", "none"):
        assert styles[style] >= 10, style
    expected = {i for c in answerable for part in c.expected for i in part}
    assert expected <= set(searcher.records), expected - set(searcher.records)
    assert {searcher.records[i].kind for i in expected} == {"policy", "service", "base", "subsidy"}
    assert len({searcher.records[i].source.file for i in expected}) == 4


def test_quality_targets_and_gain_over_baseline(cases, searcher):
    ours = evaluate(cases, lambda q: [[h.record.id for h in r.hits] for r in searcher.search(q)], "advisor")
    plain = evaluate(cases, Baseline(list(searcher.records.values())).rank, "baseline")
    scores, baseline = ours.as_dict(), plain.as_dict()
    assert scores["hit@1"] >= TARGETS["hit@1"], ours.misses
    assert scores["hit@3"] >= TARGETS["hit@3"], ours.misses
    assert scores["false hits"] == TARGETS["false hits"], ours.misses
    assert scores["hit@1"] > baseline["hit@1"] and scores["false hits"] < baseline["false hits"]


def test_heldout_questions_keep_their_floors(searcher):
    ours = evaluate(load_cases(HELDOUT), lambda q: [[h.record.id for h in r.hits] for r in searcher.search(q)], "advisor")
    scores = ours.as_dict()
    assert scores["hit@1"] >= HELDOUT_FLOORS["hit@1"] and scores["hit@3"] >= HELDOUT_FLOORS["hit@3"], ours.misses
    assert scores["false hits"] <= HELDOUT_FLOORS["false hits"], ours.misses


def test_eval_command_prints_both_columns(starter_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(starter_dir))
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"q": "南宁长者饭堂有补贴吗", "expect": ["nn-sub-meal-operation"]}, {"q": "今天天气怎么样", "expect": []}]),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(small)])
    assert result.exit_code == 0, result.output
    assert "advisor" in result.output and "baseline" in result.output and "hit@1" in result.output


def test_search_command_json(starter_dir, monkeypatch):
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(starter_dir))
    result = CliRunner().invoke(main, ["search", "惠州的示范基地", "--json"])
    (answer,) = json.loads(result.stdout)
    hit = answer["hits"][0]
    assert answer["region"] == "广东省惠州市"
    assert set(hit) >= {"id", "kind", "title", "region", "score", "snippet", "text"}
