"""`/webhooks/wechat`: the Official Account callback; 404 until WECHAT_TOKEN is set."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app

from webhook.channels.wechat import WeChatChannel
from webhook.routes import runtime, wx

bp = Blueprint("wechat", __name__, url_prefix="/webhooks")


def channel() -> WeChatChannel:
    """The channel for the settings as they are now (tests and operators may change them)."""
    config = current_app.config
    if not config.get("WECHAT_TOKEN"):
        abort(404)
    return _channel(config["WECHAT_TOKEN"], config.get("WECHAT_APP_ID", ""), config.get("WECHAT_ENCODING_AES_KEY", ""),
                    config.get("WECHAT_MESSAGE_MODE", "auto"))


@lru_cache(maxsize=8)
def _channel(token: str, app_id: str, encoding_aes_key: str, mode: str) -> WeChatChannel:
    """One channel per distinct settings, not per request: it decodes the AES key and sets up the
    cipher once. It holds nothing that changes, so every request and thread may share it."""
    return WeChatChannel(token, app_id, encoding_aes_key, mode)


@bp.get("/wechat")
def verify():
    return wx.verify(channel())


@bp.post("/wechat")
def receive():
    return wx.receive(channel(), lambda: runtime().wechat_api())
