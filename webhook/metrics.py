"""Prometheus metrics for `GET /metrics`: what the advisor did, and what its stores hold now.

Two kinds of figure, gathered two ways:

* **Events** — answers by channel and intent, not-found answers, how long requests waited for
  an answer — are counted as they happen. gunicorn runs several worker processes and a scrape
  reaches one of them, so the counts must be shared: prometheus_client's multiprocess mode
  keeps each process's values in a memory-mapped file of its own in one directory
  ($ADVISOR_DATA_DIR/metrics) and a scrape adds the files up, including those of workers that
  have died since (a counter must never go down). An increment is a write to mapped memory,
  microseconds; a counter row in SQLite would be one more write transaction per answer on the
  lock that the ledger, the rate limiter and every worker already share, and would stop
  counting on a full disk — just when an operator needs the figures. Counting from the message
  log at scrape time was the other way: it holds no latency, and a GROUP BY over every message
  ever logged on each scrape grows without bound.
* **State** — deferred and undelivered messages (webhook.ledger), the index generation, its age
  and lag (index.engine), import jobs by state (webhook.console.imports_jobs) — is read from
  the stores at scrape time (`StateCollector`): the stores are shared by all workers already,
  so whichever worker is scraped reports the same, and nothing needs counting.

prometheus_client picks multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set as it is first
imported. `advisor serve` sets it, and empties the directory, before gunicorn starts
(`prepare_shared_dir`): a restarted server starts its counters at zero, which Prometheus reads
as the reset it is. Without it (the Flask dev server, the tests: one process) each app counts
in memory in a registry of its own. No gunicorn hook is needed when a worker exits: only gauges
kept per process need `mark_process_dead`, and every gauge here is read from the stores.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from index.engine import IndexFiles
from knowledge.database import DATABASE_ERRORS
from knowledge.store import read_last_seq
from webhook.console.imports_jobs import count_by_state
from webhook.ledger import Ledger

log = logging.getLogger(__name__)

SHARED_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
DIR_NAME = "metrics"
# Seconds; 4 and 5 frame WeChat's deadline (WECHAT_REPLY_DEADLINE 4 s, WeChat's own 5 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0, 10.0, 20.0)
WAITED_FOR = frozenset({"answered", "rate_limited", "deferred"})  # outcomes where a request waited for the advisor
NOT_FOUND = "not_found"


def prepare_shared_dir(data_dir: Path) -> Path:
    """For `advisor serve`, before gunicorn is started: the data dir's metrics directory, empty,
    named in the environment that gunicorn, its master and its workers inherit."""
    directory = Path(data_dir) / DIR_NAME
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[SHARED_DIR_ENV] = str(directory)
    return directory


def shared_dir() -> str | None:
    """The multiprocess directory in force, or None when this process counts in memory.
    The variable set after prometheus_client chose in-memory values would make every scrape
    read empty files: refuse that instead of reporting zeros."""
    directory = os.environ.get(SHARED_DIR_ENV)
    if directory and not values.ValueClass._multiprocess:
        raise RuntimeError(f"{SHARED_DIR_ENV} was set after prometheus_client was imported")
    return directory or None


class Instruments:
    """The event counters. Runtime.answer counts every answer once, on whichever path it was
    made (a request, a WeChat answer sent late, a sweep's recovery); the routes observe how
    long each request that waited for an answer took, the latency of its log line."""

    def __init__(self, registry: CollectorRegistry | None):
        self.answers = Counter("advisor_answers", "Answers the advisor composed, by channel and intent.",
                               ["channel", "intent"], registry=registry)
        self.not_found = Counter("advisor_not_found_answers", "Answers that found nothing good enough in the "
                                 "knowledge (intent not_found), by channel.", ["channel"], registry=registry)
        self.latency = Histogram("advisor_answer_latency_seconds", "Seconds from a request's arrival to its "
                                 "reply, for requests that waited for an answer (late WeChat answers: until the "
                                 "hand-over), by channel.", ["channel"], buckets=LATENCY_BUCKETS, registry=registry)

    def answered(self, channel: str, intent: str) -> None:
        self.answers.labels(channel, intent).inc()
        if intent == NOT_FOUND:
            self.not_found.labels(channel).inc()

    def waited(self, channel: str, outcome: str, started: float) -> None:
        """A request's time (`started` from time.monotonic) when its outcome was an answer,
        not a WeChat retry reading a stored one or an event with a canned reply."""
        if outcome in WAITED_FOR:
            self.latency.labels(channel).observe(time.monotonic() - started)


_process_instruments: Instruments | None = None


def instruments_for(registry: CollectorRegistry) -> Instruments:
    """In multiprocess mode one set per process (two objects for one metric would overwrite
    each other's values in the process's file), read through the files; else the app's own."""
    global _process_instruments
    if not shared_dir():
        return Instruments(registry)
    if _process_instruments is None:
        _process_instruments = Instruments(None)
    return _process_instruments


class StateCollector:
    """Gauges read from the stores when scraped. A store that cannot be read leaves its gauges
    out of that scrape (and says why in the log) rather than failing the others. The index
    lag counts the changes of the store the records are in (`database_url`: PostgreSQL's,
    when set)."""

    def __init__(self, data_dir: Path, ledger: Callable[[], Ledger], database_url: str = ""):
        self.data_dir, self.ledger, self.database_url = Path(data_dir), ledger, database_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for source in (self._deliveries, self._index, self._import_jobs):
            try:
                yield from source()
            except (*DATABASE_ERRORS, OSError, ValueError, KeyError) as exc:  # SQLite or PostgreSQL
                log.warning("metrics: %s not read: %s", source.__name__.strip("_"), exc)

    def _deliveries(self) -> list[GaugeMetricFamily]:
        counts = self.ledger().counts()
        return [GaugeMetricFamily("advisor_deferred_messages", "WeChat/WeCom messages handed over to the send API "
                                  "whose delivery has not reported back yet.", value=counts["deferred"]),
                GaugeMetricFamily("advisor_undelivered_messages", "Messages whose answer failed to send, never "
                                  "reported back, or was never made (the console's 未送达 list).",
                                  value=counts["undelivered"])]

    def _index(self) -> list[GaugeMetricFamily]:
        files = IndexFiles(self.data_dir)
        generation, written_at = files.meta()["seq"], files.written_at()
        return [GaugeMetricFamily("advisor_index_generation", "Store change number the current index generation "
                                  "has applied.", value=generation),
                GaugeMetricFamily("advisor_index_age_seconds", "Seconds since the current index generation was "
                                  "written (built or caught up).", value=max(time.time() - written_at, 0.0)),
                GaugeMetricFamily("advisor_index_lag_changes", "Store changes the index has not applied yet.",
                                  value=max(read_last_seq(self.data_dir, self.database_url) - generation, 0))]

    def _import_jobs(self) -> list[GaugeMetricFamily]:
        jobs = GaugeMetricFamily("advisor_import_jobs", "Console import jobs of the last 7 days, by state.",
                                 labels=["state"])
        for state, count in count_by_state(self.data_dir).items():
            jobs.add_metric([state], count)
        return [jobs]


def init_app(app) -> Instruments:
    """`app.extensions["metrics"]` for the route; the instruments for the app's Runtime, whose
    ledger the collector reads once it exists."""
    app.extensions["metrics"] = Metrics(app.config["DATA_DIR"], lambda: app.extensions["runtime"].ledger,
                                        app.config.get("ADVISOR_DATABASE_URL", ""))
    return app.extensions["metrics"].instruments


class Metrics:
    """`app.extensions["metrics"]`: the registry a scrape reads (webhook.routes.metrics) and the
    instruments to count with."""

    def __init__(self, data_dir: Path, ledger: Callable[[], Ledger], database_url: str = ""):
        self.registry = CollectorRegistry()
        directory = shared_dir()
        if directory:
            MultiProcessCollector(self.registry, path=directory)
        self.instruments = instruments_for(self.registry)
        self.registry.register(StateCollector(data_dir, ledger, database_url))
