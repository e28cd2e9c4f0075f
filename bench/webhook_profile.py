"""Where a webhook answer's CPU goes: the real app, in-process, under cProfile.

    .venv/bin/python bench/webhook_profile.py                       # 1k records, every mode
    .venv/bin/python bench/webhook_profile.py --modes aes --profile --top 40
    .venv/bin/python bench/webhook_profile.py --data /tmp/wp-1000   # reuse (or create) a data dir

bench/webhook.py measures the server from outside (gunicorn, clients, /proc); this looks inside
one request. The app is `create_app` on the same synthetic corpus and settings, primed the same
way, and the same signed JSON / WeChat plain / WeChat AES requests (bench/loadgen.request) go
through Flask's test client. Per mode it reports the process CPU per answer (all threads: the
advisor runs on its own thread) and, with --profile, one cProfile of the request thread and the
advisor thread together. Time spent waiting (a request for its answer, the advisor thread for
work) shows up as the tottime of `acquire` of `_thread.lock` and `get` of `_queue.SimpleQueue`:
discount those (or pass --cpu-clock, which times in thread CPU time instead, at several times the
profiler's overhead). The test client skips gunicorn (its sockets, HTTP parsing and access log),
so the numbers are lower than bench/webhook.py's.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/webhook.py ≠ webhook/
sys.path.insert(0, str(ROOT))

from bench import loadgen, webhook as bench  # noqa: E402 - after the path fix

# Users and MsgIds never seen by this data dir, even when it is reused: a repeated MsgId would be
# answered from the ledger as a retry, a known user would continue an old conversation.
RUN = time.time_ns() // 1000
MSG_IDS = itertools.count(RUN)


def make_app(data_dir: Path, size: int, seed: int):
    """The app on a data dir holding the bench corpus (built unless it is there), and the
    measured question pool and warm-up questions."""
    from webhook.app import create_app

    marker = data_dir / "bench-questions.txt"
    if marker.exists():
        pool, warmup = (part.split("\n") for part in marker.read_text(encoding="utf-8").split("\n\n"))
    else:
        pool, warmup = bench.build_data(size, seed, data_dir)
        marker.write_text("\n".join(pool) + "\n\n" + "\n".join(warmup), encoding="utf-8")
    env = loadgen.advisor_env(data_dir, 1000)
    return create_app({**env, "ADVISOR_ANSWER_CACHE": 1000}), pool, warmup


def drive(client, mode: str, convs: list[tuple[str, ...]], tag: str) -> int:
    """Every conversation through the app, each a new user; returns the answers counted ok."""
    ok = 0
    for k, turns in enumerate(convs):
        for text in turns:
            method, path, body, headers = loadgen.request(mode, f"o{RUN}-{tag}-{k}", text, next(MSG_IDS))
            response = client.open(path, method=method, data=body, headers=headers)
            ok += loadgen.outcome(mode, response.status_code, response.get_data()) == "ok"
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="records")
    parser.add_argument("--modes", default="api,wechat,aes")
    parser.add_argument("--conversations", type=int, default=2000, help="per mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="data dir to reuse (built there when empty)")
    parser.add_argument("--profile", action="store_true", help="cProfile each mode (slower)")
    parser.add_argument("--cpu-clock", action="store_true", help="profile in thread CPU time (see above)")
    parser.add_argument("--top", type=int, default=30, help="functions listed per profile")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--dump", type=Path, help="write each mode's pstats to DUMP-<mode>.pstats")
    args = parser.parse_args(argv)
    data_dir = args.data or Path(tempfile.mkdtemp(prefix="webhook-profile-")) / "data"
    app, pool, warmup = make_app(data_dir, args.size, args.seed)
    client = app.test_client()
    drive(client, "api", bench.prime(pool, warmup, args.seed), "prime")
    convs = bench.stream(pool, args.conversations, args.seed)
    runtime = app.extensions["runtime"]
    for mode in args.modes.split(","):
        drive(client, mode, convs[:200], f"warm{mode}")
        cpu = time.process_time()
        answers = drive(client, mode, convs, f"m{mode}")
        print(f"{mode}: {answers} answers, {(time.process_time() - cpu) * 1000 / max(1, answers):.3f} ms CPU/answer")
        if args.profile:
            profile_mode(client, runtime, mode, convs, args)
    runtime.close()


def profile_mode(client, runtime, mode: str, convs, args) -> None:
    """cProfile sees only the thread that enabled it: one profiler here, one on the advisor thread."""
    clock = (time.thread_time,) if args.cpu_clock else ()
    request, advisor = cProfile.Profile(*clock), cProfile.Profile(*clock)
    runtime.submit(advisor.enable).result()
    request.enable()
    drive(client, mode, convs, f"p{mode}")
    request.disable()
    runtime.submit(advisor.disable).result()
    stats = pstats.Stats(request).add(advisor)
    if args.dump:
        stats.dump_stats(f"{args.dump}-{mode}.pstats")
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
