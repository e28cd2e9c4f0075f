"""Every error as a short JSON body: clients and WeChat never see a stack trace or an HTML page.

Body size is enforced twice: Flask's MAX_CONTENT_LENGTH stops a body while it is read (even a
chunked one), and `_check_length` refuses a declared oversize body before any route runs, so a
10 MB post costs nothing to reject.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from webhook import logs
from webhook.channels.wxcrypto import BadSignature, ProtocolError
from webhook.runtime import AdvisorBusy

log = logging.getLogger(__name__)

SHORT = {400: "bad request", 401: "authentication required", 403: "forbidden", 404: "not found",
         405: "method not allowed", 413: "request body too large", 500: "internal error"}


def register(app: Flask) -> None:
    app.before_request(_check_length)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ProtocolError, _protocol_error)
    app.register_error_handler(AdvisorBusy, _busy)
    app.register_error_handler(Exception, _internal_error)


# Endpoints that take file uploads → the setting holding their own (larger) limit. It is set
# on the request here, before anything reads the body (the console's CSRF check reads the form).
UPLOAD_LIMITS = {"console.imports.upload": "ADVISOR_IMPORT_MAX_BYTES"}
FORM_OVERHEAD = 64 * 1024  # multipart headers and the form's other fields


def _check_length() -> None:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.endpoint in UPLOAD_LIMITS:
        limit = int(current_app.config[UPLOAD_LIMITS[request.endpoint]]) + FORM_OVERHEAD
        request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def error(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    return response


def _http_error(exc: HTTPException):
    """Werkzeug's own descriptions are long HTML-minded prose; ours say what was wrong."""
    custom = exc.description if exc.description != type(exc).description else None
    response = error(exc.code or 500, custom or SHORT.get(exc.code, exc.name.lower()))
    response.headers.extend([(k, v) for k, v in exc.get_headers() if k in ("WWW-Authenticate", "Allow")])
    return response


def _protocol_error(exc: ProtocolError):
    """A WeChat/WeCom callback breaking the protocol: 403 for a bad signature, else 400."""
    status = 403 if isinstance(exc, BadSignature) else 400
    logs.event(logging.WARNING, event="rejected", path=request.path, status=status, reason=str(exc))
    return error(status, str(exc))


def _busy(exc: AdvisorBusy):
    """A worker too busy to answer in time says so (503, try again shortly) instead of hanging."""
    logs.event(logging.WARNING, event="busy", path=request.path, reason=str(exc))
    response = error(503, "服务繁忙，请稍后再试")
    response.headers["Retry-After"] = "5"
    return response


def _internal_error(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error(500, SHORT[500])
