"""The JSON channel (`POST /api/v1/ask`): who may call it and what a valid body is.

Any system that can post JSON (a mini program, a hotline's CRM, a test) talks to the advisor
here. With ADVISOR_API_TOKEN set, callers prove themselves with `Authorization: Bearer <token>`;
without one, only the machine itself may call, so a fresh install is not an open service.
A request that still carries forwarding headers (X-Forwarded-For and friends) is never treated
as local: behind a reverse proxy on the same host every client would otherwise look like
127.0.0.1. A proxy named in ADVISOR_TRUSTED_PROXIES has its X-Forwarded-For applied (and
removed) before this runs (webhook/proxies.py), so remote_addr is then the client's own.
"""
from __future__ import annotations

import hmac
import json
from typing import Mapping

from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, Unauthorized

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
MAX_USER_ID = 128


def authorize(headers: Mapping[str, str], remote_addr: str | None, token: str) -> None:
    """Raise 401 for a missing or wrong token, 403 for a remote caller when no token is set."""
    if token:
        given = headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise Unauthorized("a valid bearer token is required", www_authenticate=WWWAuthenticate("bearer"))
        return
    if remote_addr not in LOOPBACK or any(headers.get(name) for name in PROXY_HEADERS):
        raise Forbidden("only local clients may call without ADVISOR_API_TOKEN")


def parse(mimetype: str, charset: str | None, body: bytes) -> tuple[str, str]:
    """(user_id, text) of a valid body; BadRequest with a short reason otherwise."""
    if mimetype != "application/json":
        raise BadRequest("Content-Type must be application/json")
    if charset and charset.lower().replace("-", "") != "utf8":
        raise BadRequest("body must be UTF-8")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("body is not valid UTF-8") from None
    except (ValueError, RecursionError):
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return _user_id(data.get("user_id")), _text(data.get("text"))


def _user_id(value: object) -> str:
    if not _string(value) or len(value) > MAX_USER_ID:
        raise BadRequest(f"user_id must be a non-empty string of at most {MAX_USER_ID} characters")
    return value.strip()


def _text(value: object) -> str:
    if not _string(value):
        raise BadRequest("text must be a non-empty string")
    return value


def _string(value: object) -> bool:
    """A non-blank str that is real Unicode: JSON's "\\ud800" escapes decode to lone surrogates,
    which no database or log can store."""
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
