"""Answer rate on the real-documents corpus, dev and held-out questions, next to the BM25 peer.

    .venv/bin/python bench/realdocs_eval.py [--split dev|dev_d|dev_e|heldout|heldout_e|all] [--misses]

Builds a data dir under a temporary folder (starter knowledge + every corpus document, as an
advisor elsewhere would import them), then runs `advisor eval`'s answer mode on each split.
`dev_d` holds the questions on the d documents (added in session 8, all in the dev split by
name), kept apart from `dev` so the figures of earlier sessions stay comparable. `dev_e` and
`heldout_e` hold the questions on the e documents (session 9), split by document the same way.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
SPLITS = ("dev", "dev_d", "dev_e", "heldout", "heldout_e")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all", choices=SPLITS + ("all",))
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--data-dir", help="reuse this data dir (built when empty)")
    args = parser.parse_args()
    from tests.realdocs import QUESTIONS, bench_data_dir
    bench_data_dir(args.data_dir)
    from advisor.cli import eval_command
    for split in (SPLITS if args.split == "all" else (args.split,)):
        path = QUESTIONS / f"{split}.jsonl"
        if path.exists():
            print(f"\n## {split}: {path.name}")
            eval_command.main([str(path), "--misses" if args.misses else "--no-misses"], standalone_mode=False)


if __name__ == "__main__":
    main()
