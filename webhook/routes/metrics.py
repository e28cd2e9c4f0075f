"""`GET /metrics`: the Prometheus text exposition (webhook.metrics).

The figures say how busy the service is and what fails, which is nobody's business outside:
the route is guarded exactly as `POST /api/v1/ask` is (webhook.channels.json_api.authorize) —
with ADVISOR_API_TOKEN set, a scraper sends `Authorization: Bearer <token>`; without one only a
client on this machine may scrape, and never through a proxy.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from prometheus_client.exposition import choose_encoder

from webhook.channels import json_api

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    """The text format Prometheus asks for (its Accept header: OpenMetrics, or the plain text
    format, version 0.0.4 unless it names a later one), as prometheus_client's own server does."""
    json_api.authorize(request.headers, request.remote_addr, current_app.config["ADVISOR_API_TOKEN"])
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(current_app.extensions["metrics"].registry), content_type=content_type)
