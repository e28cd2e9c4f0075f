"""One channels database per process: the ledger, the rate limit and the token cache share it,
its connections per thread; and the housekeeping that no longer runs with every write. Each
test runs once on a channels.db file and once on PostgreSQL (`channels_target`)."""
from __future__ import annotations

import threading

from webhook.channels.wxapi import AccessTokens
from knowledge.database import open_database
from webhook.ledger import KEEP_SECONDS, PRUNE_EVERY, Ledger
from webhook.ratelimit import RateLimiter

THREADS, ROUNDS = 8, 40


def run_threads(target) -> list[BaseException]:
    """`target(number)` on THREADS threads at once; the exceptions they raised."""
    errors, start = [], threading.Barrier(THREADS)

    def run(number: int) -> None:
        try:
            start.wait(10)
            target(number)
        except BaseException as error:  # reported by the test
            errors.append(error)
    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_one_shared_db_serves_every_user_from_many_threads(channels_target):
    """The server's threads (requests, the advisor thread, senders) share the process's database:
    every claim is won exactly once, every hit is counted, every token read sees the stored one."""
    db = open_database(channels_target)
    ledger, limiter, tokens = Ledger(db), RateLimiter(db, limit=10**6), AccessTokens(db)
    tokens.get("wechat:app", lambda: ("tok", 7200))
    won, tokens_seen = [], []

    def work(number: int) -> None:
        for round_ in range(ROUNDS):
            if ledger.claim(f"wechat:{round_}", "wechat", f"u{number}") == 1:  # every thread tries every key
                won.append(round_)
                assert ledger.start(f"wechat:{round_}", 1)
                assert ledger.answer(f"wechat:{round_}", [f"reply {round_}"], "consult", 1) == "answered"
            limiter.allow("wechat:everyone")
            tokens_seen.append(tokens.get("wechat:app", lambda: ("other", 7200)))

    assert run_threads(work) == []
    assert sorted(won) == list(range(ROUNDS))
    assert all(ledger.get(f"wechat:{r}").parts == (f"reply {r}",) for r in range(ROUNDS))
    assert limiter.allow("wechat:everyone") and db.connection().execute(
        "SELECT hits FROM rate_hits WHERE user_key = 'wechat:everyone'").fetchone()[0] == THREADS * ROUNDS + 1
    assert set(tokens_seen) == {"tok"}
    db.close()


def test_each_thread_has_its_own_connection(channels_target):
    """Why not one connection for the process: another thread's statements would run inside an
    open transaction. Here a thread's uncommitted claim is invisible to the others until it commits."""
    db = open_database(channels_target)
    ledger = Ledger(db)
    inside, committed = threading.Event(), threading.Event()

    def claim_in_a_transaction() -> None:
        with db.transaction():
            ledger.claim("wechat:1", "wechat", "u")
            inside.set()
            committed.wait(10)

    thread = threading.Thread(target=claim_in_a_transaction)
    thread.start()
    assert inside.wait(10)
    assert ledger.get("wechat:1") is None  # this thread's connection: not in that transaction
    committed.set()
    thread.join(10)
    assert ledger.get("wechat:1").status == "pending"
    db.close()


def test_users_close_only_a_db_they_opened(channels_target):
    db = open_database(channels_target)
    for user in (Ledger(db), RateLimiter(db), AccessTokens(db)):
        user.close()
    assert Ledger(db).claim("wechat:1", "wechat", "u") == 1  # still open: the runtime closes it
    db.close()
    own = Ledger(channels_target)
    assert own.get("wechat:1").status == "pending"
    own.close()


def test_delivered_rows_older_than_two_days_are_pruned_by_a_later_claim(channels_target):
    now = [1_000_000.0]
    ledger = Ledger(channels_target, clock=lambda: now[0])
    for key in ("answered", "failed", "pending"):
        ledger.claim(key, "wechat", "u")
    ledger.answer("answered", ["好"], "consult", 1)
    ledger.answer("failed", ["好"], "consult", 1)
    ledger.delivered("failed", False, "0/1 parts sent")
    now[0] += KEEP_SECONDS + PRUNE_EVERY + 1
    ledger.claim("new", "wechat", "u")
    assert ledger.get("answered") is None  # delivered long ago: gone
    assert ledger.get("failed").status == "failed"  # the console still has to see it
    assert ledger.get("pending").status == "pending"  # unanswered: kept for a take-over
    ledger.close()


def test_old_rate_windows_are_pruned_when_a_new_one_starts(channels_target):
    now = [6_000_000.0]
    limiter = RateLimiter(channels_target, limit=2, clock=lambda: now[0])
    limiter.allow("a")
    now[0] += 60
    limiter.allow("a")
    now[0] += 120  # two windows later: both earlier ones are no longer read
    assert limiter.allow("a") is True
    windows = limiter.db.connection().execute('SELECT "window" FROM rate_hits ORDER BY "window"').fetchall()
    assert windows == [(int(now[0] // 60),)]
    limiter.close()
