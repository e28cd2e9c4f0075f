"""Answer rate and false answers on a real-documents split against the confidence threshold.

    .venv/bin/python bench/threshold_curve.py [--split dev] [--data-dir D] 0.4 0.45 0.5 0.55 0.6

The threshold is where the advisor stops answering and hands over: this sweep (on the dev split
only — the held-out split is for measuring, not choosing) is how README's table was made.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("thresholds", nargs="+", type=float)
    parser.add_argument("--split", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--data-dir", help="reuse this data dir (built when empty)")
    args = parser.parse_args()
    from tests.realdocs import QUESTIONS, bench_data_dir
    bench_data_dir(args.data_dir)
    from advisor.cli import advisor_bot, open_advisor
    from advisor.evaluation import evaluate_answers, load_answer_cases
    cases, advisor = load_answer_cases(QUESTIONS / f"{args.split}.jsonl"), open_advisor()
    for threshold in args.thresholds:
        advisor.searcher.threshold = threshold
        advisor.answers.cache.clear()
        scores = evaluate_answers(cases, advisor_bot(advisor), "advisor")
        print(f"threshold {threshold:.2f}: fact questions answered {scores.fact_rate:.1%}, "
              f"false answers {scores.false_answers}/{scores.total['nothing']}")


if __name__ == "__main__":
    main()
