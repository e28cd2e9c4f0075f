"""Webhook benchmark: answers/s and latency of the real server under concurrent clients.

    .venv/bin/python bench/webhook.py                        # 1k and 10k records, 1/10/50 clients
    .venv/bin/python bench/webhook.py --sizes 1000 --duration 5 --clients 10

The server is `advisor serve` as it runs in production: gunicorn, 2 sync workers, --preload,
the same access log (webhook.cli.serve), on a temp data dir holding the synthetic corpus of
bench/corpus.py. Next to it, in the same run, a bare Flask "hello" app served the same way
is the ceiling: what gunicorn and the client manage when the app does nothing.

Clients (bench/loadgen.py) are threads in up to two forked processes using http.client; when
`wrk` is installed it measures the hello ceiling once more, to show what the Python client
itself costs (it is never required). Each client plays conversations: a new user (so sessions start fresh and the per-user rate limit, left at its
default, never bites) asks one question and, one time in five, follows up with "怎么申请".
Questions are drawn Zipf-distributed (s = 1) from 400 realistic ones (dev-set questions as
elders type them and templated ones naming the corpus's institutions and places), so popular
questions repeat as they do in real traffic. Three channels: the JSON API, WeChat plain mode
and WeChat safe (AES) mode with signed, encrypted requests built like WeChat's. A WeChat
"success" (answer deferred past WECHAT_REPLY_DEADLINE) counts as an error here.

Each size runs the server twice: with the repeated-question cache (the default) for every
channel, then with ADVISOR_ANSWER_CACHE=0 for the JSON API, which is the cost when no question
repeats. Both are primed first (warm-up questions, then the pool twice: see `prime`), so the
cells measure a server in its steady state and differ only in the cache. Besides wall-clock
numbers each cell reports the server's CPU time per answer (from /proc), which other work on
the machine hardly changes. Results: markdown on stdout and in bench/results/webhook-<date>.md
(+ .json).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/webhook.py ≠ webhook/
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402 - after the path fix

RESULTS = ROOT / "bench" / "results"
POOL, ZIPF, FOLLOW_UP, FOLLOW_UP_SHARE = 400, 1.0, "怎么申请", 0.2
WARMUP = 300  # questions outside the measured pool asked first (see prime)
TARGETS = {1000: 300.0, 10000: 100.0}  # answers/s with 2 workers (issue 5)
P99_TARGET, P99_CLIENTS = 100.0, 10  # ms, at 10 clients


# -- data ------------------------------------------------------------------------------------
def build_data(size: int, seed: int, data_dir: Path, database_url: str = "") -> tuple[list[str], list[str]]:
    """Corpus into a store and index in `data_dir` (as bench/retrieval.py does; its shared tables
    in `database_url` when given); returns the measured question pool and the warm-up questions
    (disjoint)."""
    from bench import corpus
    from index import analysis, engine
    from knowledge.store import Store

    analysis.ensure_jieba()
    records = corpus.generate(size, seed)
    store = Store.in_dir(data_dir, database_url)
    with store.transaction():
        for record in records:
            store.put(record, actor="bench", origin="bench")
    engine.rebuild(store, engine.IndexFiles(data_dir))
    store.close()
    pool = corpus.questions(records, POOL, seed)
    warmup = [q for q in corpus.questions(records, POOL, seed + 1) if q not in set(pool)]
    return pool, warmup


def stream(pool: list[str], n: int, seed: int) -> list[tuple[str, ...]]:
    """`n` conversations, questions Zipf-distributed over `pool`, some followed by FOLLOW_UP."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** ZIPF for rank in range(len(pool))]
    picks = rng.choices(pool, weights, k=n)
    return [(q, FOLLOW_UP) if rng.random() < FOLLOW_UP_SHARE else (q,) for q in picks]


def prime(pool: list[str], warmup: list[str], seed: int) -> list[tuple[str, ...]]:
    """Before measuring: the warm-up questions, then every pool question twice, shuffled. Each
    worker loads its searcher and posting lists, and sees the popular questions a long-running
    server has seen; the same for the uncached server, so only the cache differs."""
    questions = pool * 2
    random.Random(seed).shuffle(questions)
    return [(q,) for q in warmup[:WARMUP] + questions]


# -- one size ---------------------------------------------------------------------------------------
def bench_size(size: int, args, out_dir: Path) -> dict:
    data_dir = out_dir / f"data-{size}"
    t = time.monotonic()
    pool, warmup = build_data(size, args.seed, data_dir)
    result: dict = {"size": size, "build_s": time.monotonic() - t, "cells": [], "uncached": []}
    convs = stream(pool, 50_000, args.seed)
    runs = [("cached", 1000, args.modes), ("uncached", 0, ["api"] if "api" in args.modes else [])]
    for label, cache, modes in [run for run in runs if run[2]]:
        with loadgen.Server("webhook.app:create_app()", loadgen.advisor_env(data_dir, cache), out_dir / f"server-{size}.log",
                    "/healthz") as server:
            loadgen.run_cell(server, "api", 4, 300, prime(pool, warmup, args.seed), f"w{size}{label}")  # until used up
            for mode in modes:
                for clients in args.clients:
                    cell = loadgen.run_cell(server, mode, clients, args.duration, convs, f"{size}{label}{mode}{clients}")
                    cell["cache"] = label
                    result["cells" if label == "cached" else "uncached"].append(cell)
                    print(row(size, cell), flush=True)
            result[f"rss_{label}_mb"] = server.rss_mb()
            result[f"start_{label}_s"] = server.start_s
    return result


def hello_cells(args, out_dir: Path) -> list[dict]:
    """The ceiling at each concurrency, gunicorn serving `hello_app` the same way."""
    cells = []
    with loadgen.Server("bench.loadgen:hello_app()", {}, out_dir / "hello.log", "/hello") as server:
        loadgen.run_cell(server, "hello", 4, 2, [("",)] * 200_000, "whello")
        for clients in args.clients:
            cell = loadgen.run_cell(server, "hello", clients, args.duration, [("",)] * 200_000, f"hello{clients}")
            cells.append(cell)
            print(row(0, cell), flush=True)
        for clients in args.clients:
            cell = loadgen.wrk_cell(server, clients, args.duration)
            if cell:
                cells.append(cell)
                print(row(0, cell), flush=True)
    return cells


# -- report -------------------------------------------------------------------------------------
MODE_NAMES = {"hello": "Flask hello (ceiling)", "hello-wrk": "Flask hello, wrk client", "api": "JSON API",
              "wechat": "WeChat plain", "aes": "WeChat AES"}
HEADER = ("| records | channel | cache | clients | answers/s | p50 ms | p95 ms | p99 ms | max ms | errors "
          "| server CPU ms/answer | client CPU | load |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")


def row(size: int, cell: dict) -> str:
    errors = ", ".join(f"{k} {v}" for k, v in cell["errors"].items()) or "0"
    return (f"| {f'{size:,}' if size else '–'} | {MODE_NAMES[cell['mode']]} | {cell.get('cache', '–')} "
            f"| {cell['clients']} | {cell['rate']:,.0f} | {_n(cell['p50'], '.1f')} | {_n(cell['p95'], '.1f')} "
            f"| {_n(cell['p99'], '.1f')} | {_n(cell['max'], '.0f')} | {errors} | {cell['server_cpu_ms']:.2f} "
            f"| {_n(cell['client_cpu'], '.0%')} | {cell['load']:.1f} |")


def _n(value: float, spec: str) -> str:
    return "–" if value != value else format(value, spec)  # NaN: not measured (wrk gives no p95)


def verdicts(sizes: list[dict]) -> list[str]:
    """The issue's targets, judged on the cached cells (the default) of every channel."""
    lines = []
    for result in sizes:
        size, cells = result["size"], result["cells"]
        if size in TARGETS and cells:
            low = min(c["rate"] for c in cells if c["clients"] > 1) if len(cells) > 1 else cells[0]["rate"]
            lines.append(f"- {size:,} records, ≥ {TARGETS[size]:.0f} answers/s: {_met(low >= TARGETS[size])} "
                         f"(lowest channel at > 1 client: {low:,.0f})")
        p99 = max((c["p99"] for c in cells if c["clients"] == P99_CLIENTS), default=None)
        if p99 is not None:
            lines.append(f"- {size:,} records, p99 ≤ {P99_TARGET:.0f} ms at {P99_CLIENTS} clients: "
                         f"{_met(p99 <= P99_TARGET)} (slowest channel {p99:.1f} ms)")
    return lines


def _met(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def report(args, machine: dict, hello: list[dict], sizes: list[dict]) -> str:
    lines = [f"# Webhook benchmark {date.today().isoformat()}", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram']}, Python {machine['python']}, "
             f"gunicorn {machine['gunicorn']}; {machine['platform']}. Code: {machine['revision']}.",
             f"Server: gunicorn --workers 2 --worker-class sync --preload (as `advisor serve`). Each cell "
             f"{args.duration:g} s; clients = concurrent connections from up to 2 client processes on the same "
             f"2 cores (their CPU share is the 'client CPU' column; 'load' is the 1-minute load average before "
             f"the cell). Questions: Zipf over {POOL}, {FOLLOW_UP_SHARE:.0%} of users follow up with "
             f"“{FOLLOW_UP}”; every conversation a new user; rate limit at its default.", "", HEADER]
    lines += [row(0, c) for c in hello]
    for result in sizes:
        lines += [row(result["size"], c) for c in result["cells"] + result["uncached"]]
    lines += ["", "Build (store + index) s, server start s, RSS of master + 2 workers after the run MB:"]
    for r in sizes:
        lines.append(f"- {r['size']:,}: build {r['build_s']:.0f} s; start {r.get('start_cached_s', 0):.1f} s; "
                     f"RSS cached {r.get('rss_cached_mb', 0):.0f} MB, uncached {r.get('rss_uncached_mb', 0):.0f} MB")
    return "\n".join(lines + ["", "Against the targets (2 workers):"] + verdicts(sizes)) + "\n"


def machine_info() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "unknown")
    kib = int(Path("/proc/meminfo").read_text().split()[1])  # MemTotal, the first line
    git = [subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True).stdout.strip() for cmd in (
        ["log", "-1", "--format=%h"], ["status", "--porcelain", "--", "webhook", "advisor", "index", "knowledge"])]
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": f"{kib / 1024 / 1024:.1f} GiB",
            "python": platform.python_version(), "platform": platform.platform(terse=True),
            "gunicorn": metadata.version("gunicorn"), "revision": git[0] + (" + uncommitted changes" if git[1] else "")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="records, comma-separated")
    parser.add_argument("--clients", default="1,10,50", help="concurrent clients, comma-separated")
    parser.add_argument("--modes", default="api,wechat,aes", help="api, wechat, aes")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per cell")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="markdown file (default bench/results/webhook-<date>.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dirs and server logs")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    args.modes = [m for m in args.modes.split(",") if m]
    out_dir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    machine = machine_info()
    print(HEADER, flush=True)
    try:
        hello = hello_cells(args, out_dir)
        sizes = [bench_size(int(size), args, out_dir) for size in args.sizes.split(",")]
    finally:
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
        else:
            print(f"kept {out_dir}", file=sys.stderr)
    text = report(args, machine, hello, sizes)
    print("\n" + text)
    out = args.out or RESULTS / f"webhook-{date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"machine": machine, "hello": hello, "sizes": sizes}, indent=1))


if __name__ == "__main__":
    main()
