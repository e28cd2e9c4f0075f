"""Shared fixtures: a fresh data dir per test, and the seed documents when they exist."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty ADVISOR_DATA_DIR for this test only."""
    path = tmp_path / "instance"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(path))
    return path


@pytest.fixture
def fresh_store(data_dir) -> Store:
    store = Store.in_dir(data_dir)
    yield store
    store.close()


@pytest.fixture
def seeds() -> Path:
    if not (SEEDS / "README.md").exists():
        pytest.skip(f"seed documents not found at {SEEDS} (they live in ../shared/seeds beside the repo)")
    return SEEDS


def seed_file(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))
