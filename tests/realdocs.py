"""The real-documents corpus (tests/data/realdocs): its files, its dev / held-out split, a data dir.

Questions are split by document (issue 15): a document is held out when the SHA-1 of its file
name is divisible by 3, so the split never changes as documents are added, and nobody chooses it.
"""
from __future__ import annotations

import hashlib
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
