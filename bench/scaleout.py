"""Scaling out: answers/s of one node on SQLite, one node on PostgreSQL, two nodes on one PostgreSQL.

    .venv/bin/python bench/scaleout.py                          # 1k records, 10 and 20 clients, API + WeChat AES
    .venv/bin/python bench/scaleout.py --setups sqlite,pg-2nodes --clients 10 --duration 5

Every node is `advisor serve`'s gunicorn (sync workers, --preload) as bench/webhook.py starts it
(loadgen.Server), with a data dir of its own holding the synthetic corpus; on PostgreSQL each
node has ADVISOR_DATABASE_URL to one throwaway cluster (tests/postgres.py, `durable`: fsync on,
as in production) and its own ADVISOR_NODE_NAME. The setups (SETUPS): one node on SQLite; one
node on PostgreSQL with 2 and with 4 workers, committing durably and with synchronous_commit
off; two nodes of 2 workers on one PostgreSQL, both ways. With two nodes the two client
processes each drive one node, as a load balancer would split them. Traffic, priming and the
client are bench/webhook.py's (new users, Zipf questions, one in five follows up).

Besides answers/s and latency each cell reports the CPU per answer of the nodes (master +
workers) and of PostgreSQL (the postmaster and every backend, reaped ones included): what sizes
the machines, whatever else this one runs. Everything — nodes, PostgreSQL and the clients —
shares this machine's cores, so two nodes here cannot show two machines' throughput; their CPU
per answer can. Results: markdown on stdout and in bench/results/scaleout-<date>.md (+ .json).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/webhook.py ≠ webhook/
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import loadgen, webhook  # noqa: E402 - after the path fix
from tests.postgres import Cluster, binaries  # noqa: E402

APP = "webhook.app:create_app()"
HEADER = ("| nodes × workers | database | channel | clients | answers/s | p50 ms | p99 ms | errors | node CPU ms/answer "
          "| PostgreSQL CPU ms/answer | commits/answer | load |\n|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")


class Nodes:
    """Several servers as one target for loadgen.run_cell: their ports, their CPU together."""

    def __init__(self, servers: list[loadgen.Server]):
        self.servers = servers

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    def cpu_s(self) -> float:
        return sum(server.cpu_s() for server in self.servers)


def postgres_cpu_s(cluster: Cluster | None) -> float:
    """CPU seconds of the postmaster, its live children and those it has reaped."""
    if cluster is None:
        return 0.0
    pid = cluster.postmaster_pid()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = _ticks(pid, reaped=True) + sum(_ticks(child) for child in children)
    return ticks / os.sysconf("SC_CLK_TCK")


def commits(cluster: Cluster | None) -> int:
    """Transactions PostgreSQL committed so far (a writing one waits for its WAL flush unless
    synchronous_commit is off; a single-statement read counts too)."""
    if cluster is None:
        return 0
    with psycopg.connect(cluster.url, autocommit=True) as db:
        return db.execute("SELECT sum(xact_commit)::bigint FROM pg_stat_database").fetchone()[0]


def _ticks(pid, reaped: bool = False) -> int:
    """utime + stime (and cutime + cstime when `reaped`) of a process; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(field) for field in fields[11:15 if reaped else 13])


def node_env(data_dir: Path, url: str, name: str) -> dict:
    env = loadgen.advisor_env(data_dir, 1000)
    return {**env, "ADVISOR_DATABASE_URL": url, "ADVISOR_NODE_NAME": name}


class Setup(NamedTuple):
    database: str  # SQLITE, DURABLE or ASYNC
    nodes: int
    workers: int  # per node


SQLITE, DURABLE, ASYNC = "SQLite", "PostgreSQL", "PostgreSQL, synchronous_commit off"
# One node on PostgreSQL runs with 2 workers and with 4: a sync worker waits on the database's
# round trips and WAL flushes, which more workers than cores might fill. synchronous_commit off (set
# per connection) is SQLite's synchronous=NORMAL on PostgreSQL: a crash of the database server
# may undo the last commits, never tear one.
SETUPS = {"sqlite": Setup(SQLITE, 1, 2), "pg": Setup(DURABLE, 1, 2), "pg-4": Setup(DURABLE, 1, 4),
          "pg-async": Setup(ASYNC, 1, 2), "pg-async-4": Setup(ASYNC, 1, 4), "pg-2nodes": Setup(DURABLE, 2, 2),
          "pg-async-2nodes": Setup(ASYNC, 2, 2)}


def databases(cluster: Cluster) -> dict[str, str]:
    """ADVISOR_DATABASE_URL per database label: one schema, committed durably or not."""
    name, url = cluster.new_schema()
    return {SQLITE: "", DURABLE: url,
            ASYNC: f"{cluster.url}?options={quote(f'-csearch_path={name} -csynchronous_commit=off')}"}


def build(size: int, seed: int, out_dir: Path, url: str) -> tuple[list[str], list[str]]:
    """Data dirs `sqlite` and `pg-a`, `pg-b` (the same records and index); the question pool and warm-up."""
    pool, warmup = webhook.build_data(size, seed, out_dir / "sqlite")
    webhook.build_data(size, seed, out_dir / "pg-a", url)
    shutil.copytree(out_dir / "pg-a", out_dir / "pg-b", symlinks=True)
    return pool, warmup


def bench_setup(name: str, urls: dict[str, str], cluster: Cluster, args, pool, warmup, out_dir) -> list[dict]:
    setup, cells, convs = SETUPS[name], [], webhook.stream(pool, 50_000, args.seed)
    dirs = ["sqlite"] if setup.database == SQLITE else ["pg-a", "pg-b"][:setup.nodes]
    envs = [node_env(out_dir / node, urls[setup.database], f"bench-{node}") for node in dirs]
    measured = None if setup.database == SQLITE else cluster
    with ExitStack() as stack:
        servers = [stack.enter_context(loadgen.Server(APP, env, out_dir / f"{env['ADVISOR_NODE_NAME']}.log",
                                                      "/healthz", setup.workers)) for env in envs]
        for number, server in enumerate(servers):  # each node sees the popular questions first
            loadgen.run_cell(server, "api", 4, 300, webhook.prime(pool, warmup, args.seed), f"w{name}{number}")
        for mode in args.modes:
            for clients in args.clients:
                cell = measure(Nodes(servers), measured, mode, clients, args.duration, convs, f"{name}{mode}{clients}")
                cells.append({**cell, **setup._asdict()})
                print(row(cells[-1]), flush=True)
    return cells


def measure(nodes: Nodes, cluster: Cluster | None, mode: str, clients: int, duration: float, convs, tag: str) -> dict:
    """loadgen's cell, with what PostgreSQL spent on it per answer: CPU and commits."""
    cpu, committed = postgres_cpu_s(cluster), commits(cluster)
    cell = loadgen.run_cell(nodes, mode, clients, duration, convs, tag)
    answers = max(1, cell["answers"])
    return {**cell, "db_cpu_ms": (postgres_cpu_s(cluster) - cpu) * 1000 / answers,
            "commits": (commits(cluster) - committed) / answers}


def row(cell: dict) -> str:
    errors = ", ".join(f"{k} {v}" for k, v in cell["errors"].items()) or "0"
    db = f"{cell['db_cpu_ms']:.2f} | {cell['commits']:.1f}" if cell["database"] != SQLITE else "– | –"
    return (f"| {cell['nodes']} × {cell['workers']} | {cell['database']} | {webhook.MODE_NAMES[cell['mode']]} | {cell['clients']} "
            f"| {cell['rate']:,.0f} | {cell['p50']:.1f} | {cell['p99']:.1f} | {errors} | {cell['server_cpu_ms']:.2f} "
            f"| {db} | {cell['load']:.1f} |")


def report(args, machine: dict, postgres: str, cells: list[dict]) -> str:
    lines = [f"# Scale-out benchmark {date.today().isoformat()}", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram']}, Python {machine['python']}, "
             f"gunicorn {machine['gunicorn']}, {postgres}; {machine['platform']}. Code: {machine['revision']}.",
             f"{args.size:,} records. Each node: gunicorn --workers N --worker-class sync --preload. PostgreSQL "
             f"with fsync on, synchronous_commit on unless the row says off. Each cell {args.duration:g} s; nodes, PostgreSQL and the "
             "clients share this machine's cores; 'load' is the 1-minute load average before the cell.", "", HEADER]
    return "\n".join(lines + [row(cell) for cell in cells]) + "\n"


def postgres_version(bin_dir: Path) -> str:
    return subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="records")
    parser.add_argument("--clients", default="10,20", help="concurrent clients, comma-separated")
    parser.add_argument("--modes", default="api,aes", help="api, wechat, aes")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per cell")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="markdown file (default bench/results/scaleout-<date>.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dirs and server logs")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    args.modes = [m for m in args.modes.split(",") if m]
    bin_dir = binaries()
    if bin_dir is None:
        sys.exit("PostgreSQL server binaries (initdb, pg_ctl) not found (apt-get install postgresql)")
    out_dir, machine = Path(tempfile.mkdtemp(prefix="bench-scaleout-")), webhook.machine_info()
    cluster, cells = Cluster(bin_dir, durable=True).start(), []
    print(HEADER, flush=True)
    try:
        urls = databases(cluster)
        pool, warmup = build(args.size, args.seed, out_dir, urls[DURABLE])
        for name in args.setups.split(","):
            cells += bench_setup(name, urls, cluster, args, pool, warmup, out_dir)
    finally:
        cluster.stop()
        if args.keep:
            print(f"kept {out_dir}", file=sys.stderr)
        else:
            shutil.rmtree(out_dir, ignore_errors=True)
    text = report(args, machine, postgres_version(bin_dir), cells)
    print("\n" + text)
    out = args.out or webhook.RESULTS / f"scaleout-{date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"machine": machine, "size": args.size, "cells": cells}, indent=1))


if __name__ == "__main__":
    main()
