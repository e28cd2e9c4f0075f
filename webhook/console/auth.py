"""Sign-in, sign-out, and the guard in front of every console page.

The guard runs before each console request: anonymous visitors go to the login page (with a
`next` that only ever points inside the console), and every POST must carry the session's
CSRF token. The token lives in the signed session cookie and is compared in constant time.
The cookie names a server-side session (knowledge.accounts), checked on every request, so
logout, a new password or a disabled account ends every copy of the cookie at once.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from knowledge.accounts import Account
from knowledge.login_throttle import LOCK_MINUTES
from webhook.console import context

bp = Blueprint("auth", __name__)
PUBLIC = {"console.auth.login", "console.static"}
CSRF_FIELD = "csrf_token"
SESSION_ID = "sid"
LOGIN_MESSAGES = {"bad_credentials": "用户名或密码不对，请再试一次。",
                  "locked": f"连续输错多次，已锁定 {LOCK_MINUTES} 分钟：这段时间里从这台设备不能登录这个账号。"
                            "请稍后再试或联系管理员解锁。",
                  "disabled": "这个账号已停用，请联系管理员。"}


def guard(console: Blueprint) -> None:
    console.before_request(_require_login)
    console.before_request(_check_csrf)
    console.app_context_processor(lambda: {"csrf_token": csrf_token})


def csrf_token() -> str:
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def signed_in_account() -> Account | None:
    """The active account of this request's live server-side session, or None."""
    session_id = session.get(SESSION_ID)
    return context.accounts().session_account(session_id) if session_id else None


def _require_login():
    account = signed_in_account()
    if account is not None:
        g.console_user = account
        return None
    if session.pop(SESSION_ID, None):  # ended, expired or disabled since: the cookie forgets it too
        session.pop("user", None)
    if request.endpoint in PUBLIC:
        return None
    return redirect(url_for("console.auth.login", next=request.full_path.rstrip("?")))


def _check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    expected = session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")
    return None


def admin_required(view):
    """Only admins manage accounts and read the audit log; advisors get 403."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        account = context.user()
        if account is None or not account.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = ""
    if request.method == "POST":
        name = request.form.get("username", "").strip()
        client = request.remote_addr or "-"
        result = context.accounts().login(name, request.form.get("password", ""), client)
        if result.account:
            session.clear()  # a fresh session on sign-in: no fixation
            session.permanent = True
            session[SESSION_ID] = context.accounts().open_session(result.account.name)
            csrf_token()  # a new token for the new session
            g.console_user = result.account
            context.audit("login", result.account.name)
            return redirect(safe_next(request.args.get("next")))
        error = LOGIN_MESSAGES[result.reason]
        if result.audit:  # the first failure of a window and the locking one: bounded, with the count
            context.audit_as("-", "login_failed", name, reason=result.reason, client=client, count=result.failures,
                             locked=result.reason == "locked")  # anonymous: the typed name is the target
    return render_template("console/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    context.audit("logout", context.user().name)
    context.accounts().end_session(session.get(SESSION_ID, ""))
    session.clear()
    return redirect(url_for("console.auth.login"))


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    parsed = urlparse(target or "")
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/console/") or "\\" in (target or ""):
        return url_for("console.dashboard.index")
    return target
