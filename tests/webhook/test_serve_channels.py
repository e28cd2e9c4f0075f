"""A real `advisor serve` with 2 gunicorn workers: the same MsgId sent 3 times, across the
workers, runs the advisor once and gets three identical replies; the JSON API answers over
HTTP; every message leaves one JSON log line on stdout."""
from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from wechatpy import parse_message

from knowledge.store import Store
from tests.webhook.conftest import WECHAT_TOKEN, sha1, text_xml, unique
from tests.webhook.test_serve import _wait_for_health, free_port


@pytest.fixture
def server(data_dir, tmp_path):
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "WECHAT_TOKEN": WECHAT_TOKEN,
           "WECHAT_ENCODING_AES_KEY": "", "ADVISOR_API_TOKEN": "", "no_proxy": "127.0.0.1",
           # a busy machine must not turn the passive reply into "success": the deadline is not tested here
           "WECHAT_REPLY_DEADLINE": "20"}
    subprocess.run([sys.executable, "-m", "webhook.cli", "init"], env=env, check=True, capture_output=True)
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "webhook.cli", "serve", "--port", str(port),
                                    "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_health(port)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        process.terminate()
        process.wait(20)


def signed_path() -> str:
    timestamp, nonce = str(int(time.time())), unique("n")
    return f"/webhooks/wechat?signature={sha1(WECHAT_TOKEN, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"


def post_wechat(base: str, xml: str) -> str:
    request = urllib.request.Request(f"{base}{signed_path()}", data=xml.encode(), method="POST",
                                     headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode()


def incoming_messages(data_dir) -> int:
    store = Store.in_dir(data_dir)
    try:
        return store.db.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0]
    finally:
        store.close()


def worker_holding(port: int, client_port: int, timeout: float = 20.0) -> int:
    """The pid of the process that accepted our connection from `client_port` to `port`: its
    socket's inode in /proc/net/tcp, then the process with a descriptor on that inode (a
    connection still in the listen queue has inode 0: nobody accepted it yet)."""
    wanted = (f"0100007F:{port:04X}", f"0100007F:{client_port:04X}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if (fields[1], fields[2]) == wanted and fields[9] != "0":
                pid = _pid_with_socket(fields[9])
                if pid:
                    return pid
        time.sleep(0.05)
    raise AssertionError("no worker accepted the connection")


def _pid_with_socket(inode: str) -> int | None:
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) == f"socket:[{inode}]":
                return int(fd.parts[2])
        except OSError:
            continue
    return None


@pytest.mark.slow
def test_one_msgid_three_times_across_two_workers(server, data_dir):
    """Deterministically across both: the first copy's body is held back, so the sync worker that
    accepted it cannot take another connection; the other two copies must go to the other worker
    (one claims and answers, one reads the stored reply); then the first finishes and reads it too."""
    base, log_path = server
    xml = text_xml(unique(), "南宁长者饭堂有补贴吗", msg_id=unique("msg")).encode()
    port = int(base.rsplit(":", 1)[1])
    held = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    held.putrequest("POST", signed_path())
    held.putheader("Content-Type", "text/xml")
    held.putheader("Content-Length", str(len(xml)))
    held.endheaders(xml[:20])
    holder = worker_holding(port, held.sock.getsockname()[1])
    with ThreadPoolExecutor(2) as pool:
        bodies = list(pool.map(lambda _: post_wechat(base, xml.decode()), range(2)))
    held.send(xml[20:])
    bodies.append(held.getresponse().read().decode())
    held.close()
    contents = [parse_message(body).content for body in bodies]
    assert contents[0] == contents[1] == contents[2] and "南宁" in contents[0]
    assert incoming_messages(data_dir) == 1

    request = urllib.request.Request(f"{base}/api/v1/ask", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"user_id": "u-http", "text": "你好"}).encode())
    with urllib.request.urlopen(request, timeout=15) as response:
        assert json.load(response)["intent"] == "smalltalk"

    lines = [line for line in map(json.loads, filter(None, log_path.read_text().splitlines()))
             if line.get("event") == "message"]
    wechat = [line for line in lines if line["channel"] == "wechat"]
    assert sorted(line["outcome"] for line in wechat) == ["answered", "repeated", "repeated"]
    assert [line["pid"] for line in wechat].count(holder) == 1  # the held copy, answered last
    assert len({line["pid"] for line in wechat}) == 2
