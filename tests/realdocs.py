"""The real-documents corpus (tests/data/realdocs): its files, its dev / held-out split, a data dir.

Questions are split by document (issue 15): a document is held out when the SHA-1 of its file
name is divisible by 3, so the split never changes as documents are added, and nobody chooses it.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from knowledge.importing import SUFFIXES

DOCS = Path(__file__).parent / "data" / "realdocs"
QUESTIONS = Path(__file__).parent / "data" / "realdocs_questions"
NOT_DOCUMENTS = ("SOURCES", "meta_", "golden")


def document_files() -> list[Path]:
    """Every document of the corpus (not its SOURCES, metadata or golden files)."""
    return sorted(path for path in DOCS.iterdir() if path.is_file() and path.suffix.lower() in SUFFIXES
                  and not path.name.startswith(NOT_DOCUMENTS))


def split_of(name: str) -> str:
    return "heldout" if int(hashlib.sha1(name.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def build_data_dir(data_dir: Path) -> None:
    """A data dir as an advisor elsewhere would have it: the starter knowledge plus the corpus."""
    from knowledge.cli import load_starter
    from knowledge.importing import import_paths
    from knowledge.store import Store

    store = Store.in_dir(data_dir)
    try:
        load_starter(store)
        import_paths(store, document_files(), actor="test")
    finally:
        store.close()


def bench_data_dir(path: str | None) -> Path:
    """The data dir a benchmark script answers from: `path` (built when empty) or a new temporary
    one, set as ADVISOR_DATA_DIR for everything the script opens after."""
    data_dir = Path(path or tempfile.mkdtemp(prefix="realdocs-"))
    os.environ["ADVISOR_DATA_DIR"] = str(data_dir)
    if not (data_dir / "knowledge.db").exists():
        build_data_dir(data_dir)
    return data_dir


SAMPLES = 3  # records per document whose first words the golden file keeps
FIRST_WORDS = 12


def expected_of(path: Path) -> dict:
    """What the importer makes of one corpus document, in the golden file's shape."""
    from knowledge.importing import read_file
    from knowledge.regions import NATIONAL

    batch = read_file(path, None, NATIONAL, 50 * 1024 * 1024)
    records = sorted(batch.parsed.records, key=lambda r: r.id)
    info = batch.document
    entry = {"records": len(records), "problems": [str(p) for p in batch.parsed.problems],
             "samples": [[r.title[:FIRST_WORDS], r.text[:FIRST_WORDS]] for r in records[:SAMPLES]]}
    if info:
        entry.update(title=info.title, title_basis=info.title_basis, region=info.region.name,
                     region_basis=info.region_basis, doc_no=info.doc_no, date=info.date)
    else:
        entry.update(regions=sorted({r.region.name for r in records}))
    return entry
