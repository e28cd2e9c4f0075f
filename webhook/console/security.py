"""What the browser is told to enforce on console pages: cookies Secure over HTTPS and off loopback, no
framing (clickjacking), and a Content-Security-Policy under which only the console's own files
and the inline <script>/<style> blocks carrying this response's nonce run — so markup that ever
slipped past escaping still could not run a script.

Style attributes (style="width: 40%") stay allowed (style-src-attr): they cannot run code, and
the console's meters and charts are drawn with them.
"""
from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

PREFIX = "/console"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
          "style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, its Secure flag from ADVISOR_COOKIE_SECURE."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("ADVISOR_COOKIE_SECURE", "auto")
        return (request.is_secure or not _loopback(request.host)) if mode == "auto" else mode == "on"


def _loopback(host: str) -> bool:
    """The host the browser addressed ("127.0.0.1:8000", "[::1]:8000", "localhost"), port aside."""
    name = host.split("]", 1)[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
    return name.lower() in LOOPBACK_HOSTS


def init(app: Flask) -> None:
    """Headers on every /console response (its 404s for unknown paths included), the cookie's flag."""
    app.session_interface = ConsoleSessionInterface()
    app.after_request(_headers)
    app.context_processor(lambda: {"csp_nonce": csp_nonce})


def csp_nonce() -> str:
    """This response's nonce: every inline <script> and <style> of a console page carries it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _headers(response):
    if not request.path.startswith(PREFIX):
        return response
    response.headers["Content-Security-Policy"] = POLICY.format(nonce=csp_nonce())
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
