"""`POST /api/v1/ask`: the JSON channel. Body {"user_id", "text"} in, the answer object out."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from advisor.reply import Message
from webhook import logs
from webhook.channels import json_api
from webhook.routes import runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CHANNEL = "api"


@bp.post("/ask")
def ask():
    started = time.monotonic()
    json_api.authorize(request.headers, request.remote_addr, current_app.config["ADVISOR_API_TOKEN"])
    user_id, text = json_api.parse(request.mimetype, request.mimetype_params.get("charset"), request.get_data())
    reply = runtime().ask(Message(user_id, text, CHANNEL))
    outcome = "rate_limited" if reply.intent == "rate_limited" else "answered"
    logs.message(CHANNEL, user_id, reply.intent, started, outcome)
    runtime().instruments.waited(CHANNEL, outcome, started)
    return jsonify(reply.to_dict())
