"""Shared fixtures: a fresh data dir per test, the seed documents when they exist, and a
guard that fails any test during which an ERROR log record nobody expected was emitted.

A test that provokes an error on purpose declares it with a marker; each pattern is a regular
expression searched in "<logger name>: <message>" of the ERROR (or higher) records:

    @pytest.mark.expect_errors(r"webhook.errors: unhandled error")
    def test_a_broken_route_is_a_500(...): ...

Records matching no pattern still fail the test, so a real bug cannot hide behind an expected one.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from knowledge.store import Store
from tests.postgres import Cluster, binaries

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "expect_errors(*patterns): ERROR log records whose "
                            "'<logger>: <message>' matches one of these regexes do not fail the test")


class _ErrorRecords(logging.Handler):
    """Collects ERROR and higher records from every logger that propagates to the root."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _described(record: logging.LogRecord) -> str:
    return f"{record.name}: {record.getMessage()}"


@pytest.fixture(autouse=True)
def no_unexpected_errors(request):
    """Fail the test if it logged an ERROR it did not declare with @pytest.mark.expect_errors:
    a swallowed exception logged at ERROR once hid 10,117 times in one run (issue 13)."""
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    patterns = [re.compile(p) for m in request.node.iter_markers("expect_errors") for p in m.args]
    unexpected = [_described(r) for r in handler.records if not any(p.search(_described(r)) for p in patterns)]
    if unexpected:
        pytest.fail("unexpected ERROR log records (declare them with @pytest.mark.expect_errors):\n"
                    + "\n".join(unexpected), pytrace=False)


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


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway PostgreSQL cluster for the session (tests/postgres.py); skipped, saying
    why, where the server is not installed — except in CI, whose .ci/run installs it."""
    bin_dir = binaries()
    if bin_dir is None:
        reason = ("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
                  "/usr/lib/postgresql/*/bin: the PostgreSQL backend tests skip (apt-get install postgresql)")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    cluster = Cluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """A URL into a schema of this test's own, dropped afterwards."""
    name, url = postgres_cluster.new_schema()
    yield url
    postgres_cluster.drop_schema(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def channels_target(request, tmp_path) -> Path | str:
    """What the channel subsystems are opened on, once per backend: a channels.db file, or a
    PostgreSQL URL (ADVISOR_DATABASE_URL)."""
    if request.param == "sqlite":
        return tmp_path / "channels.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request, data_dir) -> Store:
    """A fresh store once per backend of its shared tables (sessions, accounts, …: Store.shared):
    knowledge.db itself, or a PostgreSQL schema of this test's own."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    store = Store.in_dir(data_dir, url)
    yield store
    store.close()
