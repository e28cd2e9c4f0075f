"""The load generator and server harness of bench/webhook.py: gunicorn started as `advisor
serve` starts it, and clients that speak the JSON API and WeChat (plain and safe mode) the way
WeChat's servers do.

Clients are threads in up to two forked processes (http.client). gunicorn's sync workers close
every connection after the response, so each request connects anew, as WeChat's do; both
processes start on a shared monotonic instant and stop sending at the cell's end. A target
with several ports (bench/scaleout.py's nodes) gets one client process per port in turn, as a
load balancer would split them.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN, AES_KEY, APP_ID = "bench-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx-bench"
ACCESS_LOG = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'  # as webhook.cli.serve


def hello_app():
    """The ceiling: Flask doing nothing, served exactly like the advisor."""
    from flask import Flask

    app = Flask("hello")
    app.add_url_rule("/hello", "hello", lambda: "hello")
    return app


# -- requests as the channels send them --------------------------------------------------------
def request(mode: str, user: str, text: str, msg_id: int) -> tuple[str, str, bytes, dict]:
    """(method, path, body, headers) of one message in `mode`."""
    if mode == "hello":
        return "GET", "/hello", b"", {}
    if mode == "api":
        body = json.dumps({"user_id": user, "text": text}, ensure_ascii=False).encode()
        return "POST", "/api/v1/ask", body, {"Content-Type": "application/json"}
    now, nonce = str(int(time.time())), str(msg_id % 10**9)
    xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
           f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>")
    signature = hashlib.sha1("".join(sorted((TOKEN, now, nonce))).encode()).hexdigest()
    query = f"signature={signature}&timestamp={now}&nonce={nonce}&openid={user}"
    if mode == "aes":
        encrypted, signature, _, _ = crypto().encrypt(xml, nonce, now)
        xml = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        query += f"&encrypt_type=aes&msg_signature={signature}"
    return "POST", f"/webhooks/wechat?{query}", xml.encode(), {"Content-Type": "text/xml"}


@lru_cache(maxsize=1)
def crypto():
    from webhook.channels.wxcrypto import MessageCrypto

    return MessageCrypto(TOKEN, AES_KEY, APP_ID)


def outcome(mode: str, status: int, body: bytes) -> str:
    """'ok' for an answer; otherwise what went wrong."""
    if status != 200:
        return f"http {status}"
    if mode == "hello":
        return "ok" if body == b"hello" else "bad body"
    if mode == "api":
        return "rate limited" if b'"rate_limited"' in body else "ok"
    if body == b"success":
        return "deferred"
    return "ok" if body.startswith(b"<xml>") and (b"<Encrypt>" in body) == (mode == "aes") else "bad body"


# -- load --------------------------------------------------------------------------------------
def client(port: int, mode: str, plan, start: float, end: float, samples: list) -> None:
    """One client: conversations in order until `end`; (latency, outcome) per request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.monotonic() < start:
        time.sleep(0.001)
    for user, msg_id, turns in plan:
        for number, text in enumerate(turns):
            if time.monotonic() >= end:
                return
            method, path, body, headers = request(mode, user, text, msg_id * 2 + number)
            t = time.monotonic()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                result = outcome(mode, response.status, response.read())
            except (OSError, http.client.HTTPException) as error:
                result = f"client {type(error).__name__}"
                conn.close()
            samples.append((time.monotonic() - t, result))


def client_process(port, mode, plans, start, end, pipe) -> None:
    samples: list = []
    threads = [threading.Thread(target=client, args=(port, mode, plan, start, end, samples)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send(samples)
    pipe.close()


def run_cell(server: "Server", mode: str, clients: int, duration: float, convs: list, tag: str) -> dict:
    """`clients` concurrent clients for `duration` s (or until `convs` are used up); conversation k
    (a tuple of messages, each user new) goes to client k % clients."""
    plans = [[(f"o{tag}-{c}-{k}", hash((tag, c, k)) % 10**12, turns) for k, turns in enumerate(convs[c::clients])]
             for c in range(clients)]
    procs, ports = min(clients, 2), server.ports
    load, cpu, server_cpu = os.getloadavg()[0], _children_cpu(), server.cpu_s()
    start = time.monotonic() + 0.3
    ctx, workers = multiprocessing.get_context("fork"), []
    for p in range(procs):
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=client_process, args=(ports[p % len(ports)], mode, plans[p::procs], start,
                                                        start + duration, send))
        proc.start()
        workers.append((proc, receive))
    samples = [s for proc, receive in workers for s in receive.recv()]
    for proc, _ in workers:
        proc.join()
    wall = time.monotonic() - start
    cell = summarize(mode, clients, samples, wall, load, (_children_cpu() - cpu) / wall)
    cell["server_cpu_ms"] = (server.cpu_s() - server_cpu) * 1000 / max(1, cell["answers"])
    return cell


def summarize(mode: str, clients: int, samples: list, wall: float, load: float, client_cpu: float) -> dict:
    ok = [lat for lat, result in samples if result == "ok"]
    errors: dict[str, int] = {}
    for _, result in samples:
        if result != "ok":
            errors[result] = errors.get(result, 0) + 1
    q = statistics.quantiles(ok, n=100, method="inclusive") if len(ok) > 1 else [float("nan")] * 99
    return {"mode": mode, "clients": clients, "requests": len(samples), "answers": len(ok),
            "rate": len(ok) / wall, "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000,
            "max": max(ok, default=float("nan")) * 1000, "errors": errors, "load": load, "client_cpu": client_cpu}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the server ---------------------------------------------------------------------------------
class Server:
    """gunicorn as `advisor serve` starts it; stopped (SIGTERM to its own pid) on exit."""

    def __init__(self, app: str, env: dict, log: Path, ready: str, workers: int = 2):
        self.port = free_port()
        self.argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers",
                     str(workers), "--worker-class", "sync", "--preload", "--access-logfile", "-",
                     "--access-logformat", ACCESS_LOG, app]
        self.env, self.log, self.ready = {**os.environ, **env}, log, ready

    def __enter__(self) -> "Server":
        self.logfile = open(self.log, "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.logfile, stderr=subprocess.STDOUT)
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", self.ready)
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError(f"server did not start: see {self.log}")
            time.sleep(0.2)
        self.start_s = time.monotonic() - started
        return self

    @property
    def ports(self) -> list[int]:
        return [self.port]

    def pids(self) -> list[str]:
        return [str(self.proc.pid)] + Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()

    def rss_mb(self) -> float:
        """Resident memory of the master and its workers (shared pages counted in each)."""
        return sum(_proc_status(pid, "VmRSS") for pid in self.pids()) / 1024

    def cpu_s(self) -> float:
        """CPU seconds the master and workers used so far (all their threads): what an answer
        costs whatever else the machine runs, which the wall-clock numbers cannot tell."""
        ticks = 0
        for pid in self.pids():
            stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ") 0"
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12]) if len(fields) > 12 else 0
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.logfile.close()


def _proc_status(pid, field: str) -> int:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines() if Path(f"/proc/{pid}/status").exists() else []
    return next((int(line.split()[1]) for line in lines if line.startswith(field + ":")), 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def advisor_env(data_dir: Path, cache: int) -> dict:
    return {"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_API_TOKEN": "", "ADVISOR_ANSWER_CACHE": str(cache),
            "WECHAT_TOKEN": TOKEN, "WECHAT_ENCODING_AES_KEY": AES_KEY, "WECHAT_APP_ID": APP_ID,
            "WECHAT_APP_SECRET": "", "WECOM_TOKEN": "", "WECHAT_MESSAGE_MODE": "compatible"}  # plain and aes cells


def wrk_cell(server: Server, clients: int, duration: float) -> dict | None:
    """The hello ceiling once more with wrk (C, keep-alive refused by sync workers all the same),
    when it is installed: how much of the ceiling the Python client itself costs."""
    if not shutil.which("wrk"):
        return None
    load, cpu = os.getloadavg()[0], server.cpu_s()
    out = subprocess.run(["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{duration:g}s", "--latency",
                          f"http://127.0.0.1:{server.port}/hello"], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    ms = {p: _ms(re.search(rf"^\s*{p}%\s+([\d.]+\w+)", out, re.M).group(1)) for p in ("50", "90", "99")}
    errors = {"non-2xx": int(m.group(1))} if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else {}
    return {"mode": "hello-wrk", "clients": clients, "requests": round(rate * duration), "answers": round(rate * duration),
            "rate": rate, "p50": ms["50"], "p95": float("nan"), "p99": ms["99"], "max": float("nan"),
            "errors": errors, "load": load, "client_cpu": float("nan"),
            "server_cpu_ms": (server.cpu_s() - cpu) * 1000 / max(1, rate * duration)}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

