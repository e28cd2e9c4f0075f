"""A local stand-in for the WeChat and WeCom message APIs, so no test talks to Tencent.

It serves the four endpoints the outbound client uses on 127.0.0.1 (a free port), records
every request, and can be told to misbehave the ways the real servers do: expire a token,
refuse sends with an errcode, answer slowly, or answer with an HTML error page.

    from tests.webhook.fake_wechat import fake_wechat   # the fixture
    fake_wechat.url, fake_wechat.requests, fake_wechat.delivered()
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

APP_ID, APP_SECRET = "wx-test-app", "wechat-app-secret-123"
CORP_ID, CORP_SECRET = "ww-test-corp", "wecom-corp-secret-456"
SEND_PATHS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/send")
TOKEN_PATHS = ("/cgi-bin/token", "/cgi-bin/gettoken")


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it, with the errcode it answered."""

    method: str
    path: str
    query: dict
    body: dict | None
    errcode: int


class FakeWeChat:
    """The fake's state and rules; `_Handler` only moves bytes in and out."""

    def __init__(self, expires_in: int = 7200):
        self.expires_in = expires_in
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._valid: set[str] = set()
        self._expired: set[str] = set()
        self._issued = 0
        self._failures: list[tuple[int, str]] = []
        self._garbled: list[int] = []
        self._delays: dict[str, float] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle
    def start(self) -> FakeWeChat:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        # A short poll interval keeps shutdown(), and so each test's teardown, quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-wechat")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake delayed handlers, stop serving and join every thread, closing every socket."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what tests inspect
    @property
    def requests(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def token_requests(self) -> list[Call]:
        return [call for call in self.requests if call.path in TOKEN_PATHS]

    def send_requests(self) -> list[Call]:
        return [call for call in self.requests if call.path in SEND_PATHS]

    def delivered(self) -> list[dict]:
        """Bodies of the messages the fake accepted, in order."""
        return [call.body for call in self.send_requests() if call.errcode == 0]

    # --- misbehaviour
    def expire(self, token: str | None = None) -> None:
        """The next send with `token` (default: the newest) gets 42001, as after 2 hours."""
        with self._lock:
            self._expired.add(token or f"tok-{self._issued}")

    def fail_sends(self, count: int, errcode: int = 45015, errmsg: str = "response out of time limit") -> None:
        with self._lock:
            self._failures.extend([(errcode, errmsg)] * count)

    def delay(self, seconds: float, path: str = "") -> None:
        """Answer requests for `path` (every path when empty) only after `seconds`."""
        with self._lock:
            self._delays[path] = seconds

    def garble(self, count: int = 1, status: int = 200) -> None:
        """The next `count` answers are an HTML page with `status`, as from a broken gateway."""
        with self._lock:
            self._garbled.extend([status] * count)

    # --- serving
    def respond(self, method: str, path: str, query: dict, body: dict | None) -> tuple[int, bytes]:
        self._stopping.wait(self._delay_for(path))
        with self._lock:
            if self._garbled:
                return self._garbled.pop(0), b"<html><body>502 Bad Gateway</body></html>"
            reply = self._answer(path, query, body)
            self._calls.append(Call(method, path, query, body, reply.get("errcode", 0)))
        return 200, json.dumps(reply, ensure_ascii=False).encode("utf-8")

    def _delay_for(self, path: str) -> float:
        with self._lock:
            return self._delays.get(path, self._delays.get("", 0.0))

    def _answer(self, path: str, query: dict, body: dict | None) -> dict:
        if path == "/cgi-bin/token":
            ok = query.get("appid") == APP_ID and query.get("secret") == APP_SECRET
            return self._issue() if ok else _error(40125, "invalid appsecret")
        if path == "/cgi-bin/gettoken":
            ok = query.get("corpid") == CORP_ID and query.get("corpsecret") == CORP_SECRET
            return {"errcode": 0, "errmsg": "ok", **self._issue()} if ok else _error(40001, "invalid secret")
        if path in SEND_PATHS:
            return self._send(query.get("access_token", ""), body)
        return _error(404, "no such api")

    def _issue(self) -> dict:
        self._issued += 1
        token = f"tok-{self._issued}"
        self._valid.add(token)
        return {"access_token": token, "expires_in": self.expires_in}

    def _send(self, token: str, body: dict | None) -> dict:
        if token in self._expired:
            return _error(42001, "access_token expired")
        if token not in self._valid:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if not body or not body.get("touser") or body.get("msgtype") != "text":
            return _error(44002, "empty post data")
        if self._failures:
            return _error(*self._failures.pop(0))
        return {"errcode": 0, "errmsg": "ok"}


def _error(errcode: int, errmsg: str) -> dict:
    return {"errcode": errcode, "errmsg": errmsg}


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, so server_close() joins them and no test leaks a thread.
    daemon_threads = False
    fake: FakeWeChat


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._serve(None)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._serve(json.loads(raw.decode("utf-8")) if raw else None)

    def _serve(self, body: dict | None) -> None:
        parts = urlsplit(self.path)
        status, payload = self.server.fake.respond(self.command, parts.path, dict(parse_qsl(parts.query)), body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:  # the client gave up waiting (a timeout test)
            pass

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        """Silent: the requests are recorded, and the query strings hold secrets."""


@pytest.fixture
def fake_wechat(monkeypatch) -> FakeWeChat:
    """A running fake; loopback requests must not go through a developer's HTTP proxy."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeWeChat().start()
    yield fake
    fake.stop()
