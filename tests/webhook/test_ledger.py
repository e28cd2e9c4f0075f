"""The delivery ledger and the rate limit: shared state that must hold across worker processes
(and, on PostgreSQL, across nodes). `channels_target` runs each test once per backend."""
from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.webhook.fake_wechat import fake_wechat  # noqa: F401 - the fixture
from webhook.ledger import STALE_SECONDS, Ledger
from webhook.ratelimit import RateLimiter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger(channels_target):
    ledger = Ledger(channels_target)
    yield ledger
    ledger.close()


def test_only_the_first_claim_wins(ledger, channels_target):
    assert ledger.claim("wechat:1", "wechat", "u") == 1
    assert ledger.claim("wechat:1", "wechat", "u") is None
    other = Ledger(channels_target)
    assert other.claim("wechat:1", "wechat", "u") is None
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


def test_one_claim_wins_among_processes(channels_target):
    path = channels_target
    Ledger(path).close()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_claim, [(path, f"k{i % 5}") for i in range(40)])
    assert sorted(r for r in results if r) == [1] * 5


def test_rate_limit_counts_per_user_per_window(channels_target):
    now = [1_000_000.0]
    limiter = RateLimiter(channels_target, limit=2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b") is True
    now[0] += 60
    assert limiter.allow("a") is True
    limiter.close()


def test_rate_limit_is_shared_by_instances_on_one_file(channels_target):
    first = RateLimiter(channels_target, limit=2)
    second = RateLimiter(channels_target, limit=2)
    assert [first.allow("a"), second.allow("a"), first.allow("a")] == [True, True, False]
    first.close()
    second.close()


# --- claims whose claimer died or got stuck ---------------------------------------------------

def claim_in_a_process_that_exits(path: Path, key: str) -> None:
    """A worker that claims a message and dies before answering it."""
    code = f"from webhook.ledger import Ledger; assert Ledger({str(path)!r}).claim({key!r}, 'wechat', 'u') == 1"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_a_dead_claimers_message_is_taken_over_by_the_next_request(ledger, channels_target):
    claim_in_a_process_that_exits(channels_target, "k")
    assert ledger.get("k").status == "pending"
    assert ledger.claim("k", "wechat", "u") == 2  # at once: no need to wait for it to go stale
    assert ledger.claim("k", "wechat", "u") is None  # and only once: we are alive
    taken = ledger.get("k")
    assert taken.status == "pending" and taken.attempt == 2 and "claim 1" in taken.outcome


def test_a_live_claimer_keeps_its_claim_until_it_is_stale(channels_target):
    now = [1_000_000.0]
    first = Ledger(channels_target, clock=lambda: now[0])
    second = Ledger(channels_target, clock=lambda: now[0])
    assert first.claim("k", "wechat", "u") == 1
    now[0] += STALE_SECONDS - 1
    assert second.claim("k", "wechat", "u") is None  # slow, but within WeChat's retries: wait for it
    now[0] += 1
    assert second.claim("k", "wechat", "u") == 2  # stuck: its job failed or hangs
    first.close()
    second.close()


def test_a_job_queued_past_a_take_over_does_not_run_and_a_started_one_is_not_stale(channels_target):
    now = [1_000_000.0]
    first = Ledger(channels_target, clock=lambda: now[0])
    second = Ledger(channels_target, clock=lambda: now[0])
    assert first.claim("queued", "wechat", "u") == 1
    now[0] += STALE_SECONDS
    assert second.claim("queued", "wechat", "u") == 2  # the first job is still waiting in its queue
    assert not first.start("queued", 1)  # so it must not run the advisor: claim 2 answers
    assert second.start("queued", 2)
    assert first.claim("started", "wechat", "u") == 1
    now[0] += STALE_SECONDS - 1
    assert first.start("started", 1)  # queued a while, then started: staleness counts from here
    now[0] += STALE_SECONDS - 1
    assert second.claim("started", "wechat", "u") is None
    first.close()
    second.close()


def test_the_reply_of_a_claim_taken_over_is_dropped(channels_target):
    dead = Ledger(channels_target, alive=lambda pid: False)
    assert dead.claim("k", "wechat", "u") == 1
    assert dead.claim("k", "wechat", "u") == 2
    assert dead.answer("k", ["旧的答复"], "consult", 1) == "superseded"  # the presumed-dead job finished
    assert dead.get("k").parts is None and dead.get("k").status == "pending"
    assert dead.answer("k", ["新的答复"], "consult", 2) == "answered"
    assert dead.get("k").parts == ("新的答复",)
    dead.close()


def test_answered_or_handed_over_replies_are_never_taken_over(channels_target):
    dead = Ledger(channels_target, alive=lambda pid: False)
    for key, status in (("answered", "answered"), ("async", "async"), ("sent", "sent"), ("failed", "failed")):
        dead.claim(key, "wechat", "u")
        if status != "answered":
            dead.settle(key)
        assert dead.answer(key, ["答复"], "consult", 1) == ("answered" if status == "answered" else "async")
        if status in ("sent", "failed"):
            dead.delivered(key, status == "sent", "")
        assert dead.claim(key, "wechat", "u") is None and dead.get(key).status == status
    dead.claim("lost", "wechat", "u")
    assert dead.settle("lost").status == "async"  # handed over, then the claimer died unanswered
    assert dead.claim("lost", "wechat", "u") == 2
    dead.close()


def test_another_nodes_claim_is_taken_over_only_once_stale(channels_target):
    """Nodes sharing the ledger (PostgreSQL) cannot look at each other's processes: a claim made
    on another node is never taken for dead because its pid runs nowhere here, and the same pid
    number here is another process, which must not send that claim's answer."""
    now = [1_000_000.0]
    first = Ledger(channels_target, clock=lambda: now[0], node="node-a")
    assert first.claim("k", "wechat", "u") == 1
    second = Ledger(channels_target, clock=lambda: now[0], alive=lambda pid: False, node="node-b")
    assert second.claim("k", "wechat", "u") is None and second.recoverable() == []
    assert not second.sends_here("k")
    now[0] += STALE_SECONDS
    assert second.claim("k", "wechat", "u") == 2 and second.sends_here("k")
    first.close()
    second.close()


def test_one_process_takes_a_dead_claim_over(channels_target):
    path = channels_target
    Ledger(path).close()
    for i in range(5):
        claim_in_a_process_that_exits(path, f"k{i}")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_claim, [(path, f"k{i % 5}") for i in range(40)])
    assert sorted(r for r in results if r) == [2] * 5


def test_undelivered_lists_what_the_console_must_see(channels_target):
    now = [1_000_000.0]
    ledger = Ledger(channels_target, clock=lambda: now[0])
    for key in ("answered", "sent", "failed", "stuck-async", "lost", "lost-2"):
        ledger.claim(key, "wechat", "u")
    ledger.answer("answered", ["好"], "consult")
    for key in ("sent", "failed", "stuck-async"):
        ledger.settle(key)
        ledger.answer(key, ["好"], "consult")
    ledger.delivered("sent", True, "1/1 parts sent")
    ledger.delivered("failed", False, "errcode 45015")
    now[0] += STALE_SECONDS
    ledger.claim("lost-3", "wechat", "u")
    assert {d.key for d in ledger.undelivered()} == {"failed", "stuck-async", "lost", "lost-2"}
    now[0] += STALE_SECONDS
    assert "lost-3" in {d.key for d in ledger.undelivered()}
    ledger.close()


def test_a_file_from_before_take_overs_is_upgraded(tmp_path):
    path = tmp_path / "channels.db"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE deliveries (key TEXT PRIMARY KEY, channel TEXT NOT NULL,
        user_id TEXT NOT NULL, status TEXT NOT NULL, parts TEXT, intent TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, updated_at REAL NOT NULL);
        INSERT INTO deliveries VALUES ('old', 'wechat', 'u', 'answered', '["好"]', 'consult', '', 1, 1);
        INSERT INTO deliveries VALUES ('stuck', 'wechat', 'u', 'pending', NULL, '', '', 1, 1);""")
    old.close()
    ledger, again = Ledger(path), Ledger(path)  # a second worker opening it changes nothing
    assert ledger.get("old").parts == ("好",) and ledger.get("old").attempt == 1
    assert ledger.claim("stuck", "wechat", "u") == 2  # claimed before the upgrade: long stale
    ledger.close()
    again.close()


def test_a_wechat_retry_answers_a_message_whose_worker_died(app, wechat, module_dir):
    """End to end: the claimer died; the retry gets the answer passively, as if nothing happened."""
    from tests.webhook.conftest import text_xml, unique  # not at the top: spawned pools import this module

    user, msg_id = unique(), unique("msg")
    claim_in_a_process_that_exits(module_dir / "channels.db", f"wechat:{msg_id}")
    reply = wechat.text(wechat.plain(text_xml(user, "南宁长者饭堂有补贴吗", msg_id=msg_id)))
    assert "南宁" in reply
    delivery = app.extensions["runtime"].ledger.get(f"wechat:{msg_id}")
    assert delivery.status == "answered" and delivery.attempt == 2 and delivery.parts[0] == reply


def test_a_claimer_dying_during_the_retrys_wait_is_taken_over_at_the_deadline(app, wechat, fake_wechat,
                                                                             monkeypatch):
    """The retry waited on a live claimer that died meanwhile: at its deadline it takes the
    message over, and the answer goes out (through the send API when the wait used it all)."""
    from tests.webhook.conftest import text_xml, unique

    monkeypatch.setitem(app.config, "WECHAT_API_BASE", fake_wechat.url)
    monkeypatch.setitem(app.config, "WECHAT_REPLY_DEADLINE", 0.3)
    ledger = app.extensions["runtime"].ledger
    user, msg_id = unique(), unique("msg")
    assert ledger.claim(f"wechat:{msg_id}", "wechat", user) == 1  # "another worker", alive for now
    verdicts = iter([True])
    monkeypatch.setattr(ledger, "alive", lambda pid: next(verdicts, False))  # ... and dead after one look
    response = wechat.plain(text_xml(user, "南宁长者饭堂有补贴吗", msg_id=msg_id))
    if response.get_data(as_text=True) == "success":  # the usual case: the deadline had passed
        deadline = time.monotonic() + 10
        while not fake_wechat.delivered() and time.monotonic() < deadline:
            time.sleep(0.02)
        text = fake_wechat.delivered()[0]["text"]["content"]
    else:
        text = wechat.text(response)
    assert "南宁" in text and ledger.get(f"wechat:{msg_id}").attempt == 2
