"""HTTP routes, one blueprint per area; the work itself lives in webhook.channels and below."""
from __future__ import annotations

from flask import Flask, current_app

from webhook.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["runtime"]


def register(app: Flask) -> None:
    from webhook import console
    from webhook.routes import api, health, metrics, wechat, wecom

    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(wechat.bp)
    app.register_blueprint(wecom.bp)
    console.register(app)
