"""The delivery ledger and the rate limit: shared state that must hold across worker processes."""
from __future__ import annotations

import multiprocessing
import time

import pytest

from webhook.ledger import Ledger
from webhook.ratelimit import RateLimiter


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(tmp_path / "channels.db")
    yield ledger
    ledger.close()


def test_only_the_first_claim_wins(ledger, tmp_path):
    assert ledger.claim("wechat:1", "wechat", "u") is True
    assert ledger.claim("wechat:1", "wechat", "u") is False
    other = Ledger(tmp_path / "channels.db")
    assert other.claim("wechat:1", "wechat", "u") is False
    other.close()
    assert ledger.get("wechat:1").status == "pending"


def test_an_answer_before_the_deadline_is_given_passively(ledger):
    ledger.claim("k", "wechat", "u")
    assert ledger.answer("k", ["第一段", "第二段"], "consult") == "answered"
    settled = ledger.settle("k")
    assert settled.status == "answered" and settled.parts == ("第一段", "第二段") and settled.intent == "consult"


def test_a_late_answer_is_handed_over_exactly_once(ledger):
    ledger.claim("k", "wechat", "u")
    assert ledger.settle("k").status == "async"
    assert ledger.settle("k").status == "async"  # a retry at its own deadline changes nothing
    assert ledger.answer("k", ["答复"], "consult") == "async"  # so the answer job sends it
    ledger.delivered("k", False, "errcode 45015")
    failed = ledger.get("k")
    assert failed.status == "failed" and failed.parts == ("答复",) and "45015" in failed.outcome


def test_wait_returns_when_the_answer_lands(ledger):
    ledger.claim("k", "wechat", "u")
    assert ledger.wait("k", time.monotonic() + 0.1).status == "pending"
    ledger.answer("k", ["好"], "smalltalk")
    started = time.monotonic()
    assert ledger.wait("k", started + 5).parts == ("好",) and time.monotonic() - started < 1


def _claim(args) -> bool:
    path, key = args
    ledger = Ledger(path)
    try:
        return ledger.claim(key, "wechat", "u")
    finally:
        ledger.close()


def test_one_claim_wins_among_processes(tmp_path):
    path = tmp_path / "channels.db"
    Ledger(path).close()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_claim, [(path, f"k{i % 5}") for i in range(40)])
    assert sum(results) == 5


def test_rate_limit_counts_per_user_per_window(tmp_path):
    now = [1_000_000.0]
    limiter = RateLimiter(tmp_path / "channels.db", limit=2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b") is True
    now[0] += 60
    assert limiter.allow("a") is True
    limiter.close()


def test_rate_limit_is_shared_by_instances_on_one_file(tmp_path):
    first = RateLimiter(tmp_path / "channels.db", limit=2)
    second = RateLimiter(tmp_path / "channels.db", limit=2)
    assert [first.allow("a"), second.allow("a"), first.allow("a")] == [True, True, False]
    first.close()
    second.close()
