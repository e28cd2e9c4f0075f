"""The advisors' console (社区养老顾问工作台) under /console: one blueprint per area, nested in
`console`, which owns what every page shares — login, CSRF, the per-request store, HTML errors.

Pages are server-rendered Jinja with one vendored stylesheet: no CDN, works offline on a tablet.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask, render_template
from werkzeug.exceptions import HTTPException

from knowledge.accounts import SESSION_HOURS
from knowledge.datadir import private_secret
from webhook.console import auth, context, query, security

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
SECRET_FILE = "secret_key"


def register(app: Flask) -> None:
    """Mount the console and give the app its session secret."""
    app.secret_key = app.config.get("ADVISOR_SECRET_KEY") or secret_key_for(app.config["DATA_DIR"])
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="advisor_console",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    security.init(app)
    app.register_blueprint(bp)


def _assemble() -> None:
    """Nest every area once, at import: a blueprint is set up before any app registers it."""
    from webhook.console import (cases, conversations, dashboard, documents, hittest, imports, lexicon, records,
                                 replies, unanswered, urgent, users)

    areas = (auth, dashboard, records, documents, lexicon, imports, hittest, unanswered, conversations, cases, users,
             urgent, replies)
    for area in areas:
        bp.register_blueprint(area.bp)
    auth.guard(bp)
    query.init(bp)  # after the login guard: anonymous visitors go to the login page first
    context.init(bp)
    bp.register_error_handler(HTTPException, _html_error)


ERROR_TITLES = {400: "请求有误", 403: "没有权限", 404: "找不到这个页面", 405: "不支持这种操作",
                413: "文件太大", 500: "出错了"}


def _html_error(exc: HTTPException):
    """Console errors are pages a person reads (the API and webhooks keep their JSON errors)."""
    code = exc.code or 500
    default = exc.description == type(exc).description
    message = "这个操作需要管理员权限。" if code == 403 and default else ("" if default else exc.description)
    return render_template("console/error.html", code=code, title=ERROR_TITLES.get(code, exc.name),
                           message=message), code


def secret_key_for(data_dir: Path) -> str:
    """A random secret kept in the data dir (0600) when ADVISOR_SECRET_KEY is unset, so cookies
    survive a restart and every worker signs with the same key; created once, never logged."""
    return private_secret(data_dir, SECRET_FILE)


_assemble()
