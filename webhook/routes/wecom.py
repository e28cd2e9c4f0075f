"""`/webhooks/wecom`: the WeCom application callback; 404 until token, CorpID and key are set."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app

from webhook.channels.wecom import WeComChannel
from webhook.routes import runtime, wx

bp = Blueprint("wecom", __name__, url_prefix="/webhooks")
REQUIRED = ("WECOM_TOKEN", "WECOM_CORP_ID", "WECOM_ENCODING_AES_KEY")


def channel() -> WeComChannel:
    """The channel for the settings as they are now (tests and operators may change them)."""
    config = current_app.config
    if not all(config.get(name) for name in REQUIRED):
        abort(404)
    return _channel(config["WECOM_TOKEN"], config["WECOM_CORP_ID"], config["WECOM_ENCODING_AES_KEY"],
                    config.get("WECOM_AGENT_ID", ""))


@lru_cache(maxsize=8)
def _channel(token: str, corp_id: str, encoding_aes_key: str, agent_id: str | int | None) -> WeComChannel:
    """One channel per distinct settings, not per request (see webhook.routes.wechat)."""
    return WeComChannel(token, corp_id, encoding_aes_key, agent_id)


@bp.get("/wecom")
def verify():
    return wx.verify(channel())


@bp.post("/wecom")
def receive():
    return wx.receive(channel(), lambda: runtime().wecom_api())
