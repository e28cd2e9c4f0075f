"""Health checks: `/healthz` as DESIGN.md fixes it, and the liveness/readiness pair that process
supervisors and load balancers ask separately.

* `GET /healthz/live` — the process is up and serving HTTP: always 200, nothing else is touched,
  so a supervisor never restarts a worker that is only busy or still opening its index.
* `GET /healthz/ready` — send this worker traffic: 200 once its index is open and the data dir
  takes a write, else 503 with the reason (Runtime.readiness). The write probe commits one row
  to a heartbeat table (`health_probe`, one row per process) in each database: a transaction
  rolled back before it commits never writes a page, so it would pass on a full disk.
* `GET /healthz` — 200 `{"status": "ok", "records": N, ...}` once the index is loaded (it opens
  it when needed), 503 when a write fails.
"""
from __future__ import annotations

import logging
import os

from flask import Blueprint, jsonify

from webhook import logs
from webhook.routes import runtime
from webhook.runtime import AdvisorBusy

bp = Blueprint("health", __name__, url_prefix="/healthz")


@bp.get("", strict_slashes=False)
def healthz():
    """200 while this worker can answer and write; 503 when a write fails (a full disk: the
    bot still answers, but sessions and logs are lost) or the advisor is busy (errors.py)."""
    health = runtime().health()
    if health["write_failure"]:
        logs.event(logging.ERROR, event="health", status=503, write_failure=health["write_failure"])
        return jsonify(status="write_failed", **health), 503
    return jsonify(status="ok", **health)


@bp.get("/live")
def live():
    return jsonify(status="alive", pid=os.getpid())


@bp.get("/ready")
def ready():
    try:
        state = runtime().readiness()
    except AdvisorBusy as exc:
        state = {"ready": False, "reason": f"advisor busy: {exc}"}
    if not state.pop("ready"):
        if state.get("write_failure"):  # as loud as /healthz; a worker still opening its index is not news
            logs.event(logging.ERROR, event="health", status=503, write_failure=state["write_failure"])
        return jsonify(status="not_ready", **state), 503
    return jsonify(status="ready", **state)
