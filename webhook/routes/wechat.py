"""`/webhooks/wechat`: the Official Account callback; 404 until WECHAT_TOKEN is set."""
from __future__ import annotations

from flask import Blueprint, abort, current_app

from webhook.channels.wechat import WeChatChannel
from webhook.routes import runtime, wx

bp = Blueprint("wechat", __name__, url_prefix="/webhooks")


def channel() -> WeChatChannel:
    """Built per request from the config: cheap, and tests may change the config."""
    config = current_app.config
    if not config.get("WECHAT_TOKEN"):
        abort(404)
    return WeChatChannel(config["WECHAT_TOKEN"], config.get("WECHAT_APP_ID", ""),
                         config.get("WECHAT_ENCODING_AES_KEY", ""))


@bp.get("/wechat")
def verify():
    return wx.verify(channel())


@bp.post("/wechat")
def receive():
    return wx.receive(channel(), lambda: runtime().wechat_api())
