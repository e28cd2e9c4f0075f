"""Outbound WeChat Official Account and WeCom messages: the "send a message" APIs.

WeChat gives a webhook 5 seconds to answer. When an answer is not ready in time the webhook
replies `success` and the answer goes out later through these APIs; advisors' console replies
go the same way. Both APIs need an access token that lives ~2 hours and that every fetch
*replaces* (the old one dies soon after), so all gunicorn workers (of every node) share one
cached token in the channels database and exactly one process refreshes it while the others
wait for its result.

Secrets and access tokens travel in query strings; nothing here logs or raises them.
"""
from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlencode, urlsplit

from webhook.db import Database, shared

log = logging.getLogger(__name__)

WECHAT_API = "https://api.weixin.qq.com"
WECOM_API = "https://qyapi.weixin.qq.com"
DEFAULT_TIMEOUT = 5.0
REFRESH_MARGIN = 300.0  # seconds before expiry at which a cached token counts as stale
# 40001 invalid credential, 42001 token expired, 40014 invalid token: refresh and retry once.
TOKEN_ERRORS = frozenset({40001, 42001, 40014})
SECRET_PARAMS = re.compile(r"((?:access_token|secret|corpsecret)=)[^&#]*")

Http = Callable[[str, str, dict | None], dict]  # (method, url, JSON body) -> JSON reply
Fetch = Callable[[], tuple[str, int]]  # () -> (token, expires_in)


class SendError(Exception):
    """WeChat refused the call (errcode from its reply) or could not be reached (errcode None)."""

    def __init__(self, errcode: int | None, errmsg: str):
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def __str__(self) -> str:
        return self.errmsg if self.errcode is None else f"errcode {self.errcode}: {self.errmsg}"


class SentParts(int):
    """How many parts went out, and the API's refusal of the next one ("errcode 45015: …")."""

    def __new__(cls, count: int, error: str = ""):
        sent = super().__new__(cls, count)
        sent.error = error
        return sent


def mask(url: str) -> str:
    """The URL with secrets and access tokens replaced by *** — the only form fit for logs."""
    return SECRET_PARAMS.sub(r"\1***", url)


# --- token cache ---------------------------------------------------------------------------

SCHEMA = """CREATE TABLE IF NOT EXISTS access_tokens (
    key TEXT PRIMARY KEY, token TEXT NOT NULL,
    refresh_at REAL NOT NULL, expires_at REAL NOT NULL, fetched_at REAL NOT NULL)"""


class AccessTokens:
    """Access tokens shared by every worker process through the channels database.

    Reads take no lock. A refresh holds the database's per-key `lock` (an flock beside a
    SQLite file, an advisory lock on PostgreSQL) — not a write lock or a transaction, so other
    writers are not held up by a slow token endpoint — and re-reads under it, so waiters pick
    up the new token instead of fetching their own. A crashed holder's lock ends with it.
    The database is the runtime's (this thread's connection, kept open), or a path or URL.
    """

    def __init__(self, db: Database | str | Path, margin: float = REFRESH_MARGIN,
                 clock: Callable[[], float] = time.time):
        self.db, self._owns_db = shared(db, SCHEMA)
        self.margin = margin
        self.clock = clock

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    def get(self, key: str, fetch: Fetch) -> str:
        """The cached token for `key`, or a new one from `fetch() -> (token, expires_in)`."""
        token = self._read_fresh(key)
        if token:
            return token
        with self.db.lock(f"access-token:{key}"):
            return self._read_fresh(key) or self._store(key, *fetch())

    def invalidate(self, key: str, token: str | None = None) -> None:
        """Forget the token; with `token`, only if it is still the cached one, so a worker
        holding a stale token does not throw away the fresh one another worker just fetched."""
        sql, args = "DELETE FROM access_tokens WHERE key = ?", [key]
        if token is not None:
            sql, args = sql + " AND token = ?", args + [token]
        self.db.connection().execute(sql, args)

    def _read_fresh(self, key: str) -> str | None:
        row = self.db.connection().execute("SELECT token FROM access_tokens WHERE key = ? AND refresh_at > ?",
                                           (key, self.clock())).fetchone()
        return row[0] if row else None

    def _store(self, key: str, token: str, expires_in: int) -> str:
        now = self.clock()
        # A token shorter-lived than twice the margin is still reused for half its life.
        refresh_at = now + expires_in - min(self.margin, expires_in / 2)
        self.db.connection().execute(
            "INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET token = excluded.token,"
            " refresh_at = excluded.refresh_at, expires_at = excluded.expires_at, fetched_at = excluded.fetched_at",
            (key, token, refresh_at, now + expires_in, now))
        return token


# --- HTTP ----------------------------------------------------------------------------------

class UrllibHttp:
    """The default transport: JSON over urllib; every failure becomes a short SendError."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT):
        self.timeout = timeout

    def __call__(self, method: str, url: str, body: dict | None = None) -> dict:
        host = urlsplit(url).netloc
        try:
            with urllib.request.urlopen(self._request(method, url, body), timeout=self.timeout) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SendError(None, f"HTTP {exc.code} from {host}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise SendError(None, f"cannot reach {host}: {self._reason(exc)}") from None
        return parse_json(raw, host)

    @staticmethod
    def _request(method: str, url: str, body: dict | None) -> urllib.request.Request:
        if body is None:
            return urllib.request.Request(url, method=method)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return urllib.request.Request(url, data=data, method=method,
                                      headers={"Content-Type": "application/json; charset=utf-8"})

    def _reason(self, exc: BaseException) -> str:
        reason = getattr(exc, "reason", exc)  # URLError wraps the socket error
        if isinstance(reason, TimeoutError):
            return f"timed out after {self.timeout:g} s"
        return str(reason) or type(reason).__name__


def parse_json(raw: bytes, host: str) -> dict:
    """WeChat answers JSON objects; anything else (an HTML error page, say) is a failure."""
    try:
        reply = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise SendError(None, f"{host} answered something that is not JSON") from None
    if not isinstance(reply, dict):
        raise SendError(None, f"{host} answered JSON that is not an object")
    return reply


# --- the two APIs --------------------------------------------------------------------------

class _MessageApi:
    """What WeChat and WeCom share: token handling, one retry on a rejected token, errors."""

    channel = ""
    send_path = ""

    def __init__(self, base_url: str, tokens: AccessTokens, token_key: str,
                 http: Http | None, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.token_key = token_key
        self.http = http or UrllibHttp(timeout)

    def send_text(self, user: str, text: str) -> dict:
        """Send one text message; returns WeChat's reply, raises SendError when not delivered."""
        return self._send(self._text_body(user, text))

    def send_parts(self, user: str, parts: Iterable[str]) -> int:
        """Send the parts in order, stopping at the first failure; returns how many went out
        (a `SentParts`, which also says why the next part was refused, for the ledger)."""
        sent = 0
        for part in parts:
            try:
                self.send_text(user, part)
            except SendError as exc:
                log.warning("%s: part %d not sent: %s", self.channel, sent + 1, exc)
                return SentParts(sent, str(exc))
            sent += 1
        return SentParts(sent)

    def access_token(self) -> str:
        """The shared token, fetched only when the cache has none fresh enough."""
        return self.tokens.get(self.token_key, self._fetch_token)

    def _send(self, body: dict) -> dict:
        token = self.access_token()
        reply = self._post(token, body)
        if reply.get("errcode") in TOKEN_ERRORS:
            log.warning("%s rejected the access token (errcode %s); refreshing and retrying once",
                        self.channel, reply["errcode"])
            self.tokens.invalidate(self.token_key, token)
            reply = self._post(self.access_token(), body)
        return self._checked(reply)

    def _fetch_token(self) -> tuple[str, int]:
        reply = self._checked(self._call("GET", self._token_url()))
        token = reply.get("access_token")
        if not isinstance(token, str) or not token:
            raise SendError(None, f"{self.channel} token reply has no access_token")
        expires_in = int(reply.get("expires_in") or 7200)
        log.info("%s access token refreshed (%s), valid for %d s", self.channel, self.token_key, expires_in)
        return token, expires_in

    def _post(self, token: str, body: dict) -> dict:
        return self._call("POST", f"{self.base_url}{self.send_path}?{urlencode({'access_token': token})}", body)

    def _call(self, method: str, url: str, body: dict | None = None) -> dict:
        log.debug("%s %s", method, mask(url))
        try:
            reply = self.http(method, url, body)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # from an injected http
            raise SendError(None, f"{self.channel} call failed: {type(exc).__name__}") from None
        if not isinstance(reply, dict):
            raise SendError(None, f"{self.channel} answered something that is not a JSON object")
        return reply

    def _checked(self, reply: dict) -> dict:
        errcode = reply.get("errcode") or 0
        if errcode:
            raise SendError(errcode, str(reply.get("errmsg", "")))
        return reply

    def _token_url(self) -> str:
        raise NotImplementedError

    def _text_body(self, user: str, text: str) -> dict:
        raise NotImplementedError


class WeChatApi(_MessageApi):
    """Official Account customer-service messages (客服消息) to an openid.

    WeChat only accepts these within 48 hours of the user's last message (errcode 45015)."""

    channel = "wechat"
    send_path = "/cgi-bin/message/custom/send"

    def __init__(self, base_url: str, app_id: str, app_secret: str, tokens: AccessTokens,
                 http: Http | None = None, timeout: float = DEFAULT_TIMEOUT):
        super().__init__(base_url, tokens, f"wechat:{app_id}", http, timeout)
        self.app_id = app_id
        self._secret = app_secret

    def _token_url(self) -> str:
        query = urlencode({"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret})
        return f"{self.base_url}/cgi-bin/token?{query}"

    def _text_body(self, user: str, text: str) -> dict:
        return {"touser": user, "msgtype": "text", "text": {"content": text}}

    def __repr__(self) -> str:
        return f"WeChatApi({self.base_url!r}, app_id={self.app_id!r})"


class WeComApi(_MessageApi):
    """WeCom application messages (应用消息) to a member's userid, from one agent (app)."""

    channel = "wecom"
    send_path = "/cgi-bin/message/send"

    def __init__(self, base_url: str, corp_id: str, secret: str, agent_id: str | int,
                 tokens: AccessTokens, http: Http | None = None, timeout: float = DEFAULT_TIMEOUT):
        # Each app of a corp has its own secret and so its own token.
        super().__init__(base_url, tokens, f"wecom:{corp_id}:{agent_id}", http, timeout)
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self._secret = secret

    def _token_url(self) -> str:
        return f"{self.base_url}/cgi-bin/gettoken?{urlencode({'corpid': self.corp_id, 'corpsecret': self._secret})}"

    def _text_body(self, user: str, text: str) -> dict:
        return {"touser": user, "msgtype": "text", "agentid": self.agent_id, "text": {"content": text}}

    def _checked(self, reply: dict) -> dict:
        """WeCom answers errcode 0 yet lists the recipient under `invaliduser` when it cannot
        reach them (not a member, outside the app's visible range): that is not a delivery."""
        reply = super()._checked(reply)
        if reply.get("invaliduser"):
            raise SendError(81013, f"invalid user: {reply['invaliduser']}")
        return reply

    def __repr__(self) -> str:
        return f"WeComApi({self.base_url!r}, corp_id={self.corp_id!r}, agent_id={self.agent_id})"
