"""gunicorn settings for `advisor serve` (`--config python:webhook.gunicorn_hooks`): server hooks.

The app is preloaded in the master; what each worker must build for itself (threads, SQLite
connections, its searcher) is built lazily per process (webhook/runtime.py). These hooks start
that work as soon as a worker exists instead of on its first request.
"""
from __future__ import annotations

from webhook import recovery


def post_worker_init(worker) -> None:
    """A new worker opens its advisor and searcher in the background right away, and starts
    sweeping the ledger for answers a dead or hung worker promised (webhook/recovery.py)."""
    runtime = worker.wsgi.extensions.get("runtime")
    if runtime is not None:
        runtime.warm()
        recovery.start_sweeping(runtime)
