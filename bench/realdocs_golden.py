"""Write tests/data/realdocs/golden.json from what the importer makes of each corpus document.

    .venv/bin/python bench/realdocs_golden.py            # show the differences
    .venv/bin/python bench/realdocs_golden.py --write    # accept them

The golden file is checked by hand against each document before it is accepted: it says what
a correct import gives (title, region, 文号, date, record count, the first words of a few
records). Two flags per document are set by hand and kept across rewrites: "names_no_region"
(the document names no place at all) and "no_title_line" (it has no title line, so the title is
a guess from its text). tests/knowledge/test_realdocs_import.py holds the importer to it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.realdocs import DOCS, document_files, expected_of  # noqa: E402

GOLDEN = DOCS / "golden.json"
FLAGS = ("names_no_region", "no_title_line")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    old = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    new = {}
    for path in document_files():
        entry = expected_of(path)
        entry.update({flag: old.get(path.name, {}).get(flag, False) for flag in FLAGS})
        new[path.name] = entry
        if old.get(path.name) != entry:
            print(f"{path.name}:\n  was {json.dumps(old.get(path.name), ensure_ascii=False)}\n"
                  f"  now {json.dumps(entry, ensure_ascii=False)}")
    if args.write:
        GOLDEN.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
