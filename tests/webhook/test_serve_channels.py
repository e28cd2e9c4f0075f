"""A real `advisor serve` with 2 gunicorn workers: the same MsgId sent 3 times at once, across
the workers, runs the advisor once and gets three identical replies; the JSON API answers over
HTTP; every message leaves one JSON log line on stderr."""
from __future__ import annotations

import json
import os
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
           "WECHAT_ENCODING_AES_KEY": "", "ADVISOR_API_TOKEN": "", "no_proxy": "127.0.0.1"}
    subprocess.run([sys.executable, "-m", "webhook.cli", "init"], env=env, check=True, capture_output=True)
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "webhook.cli", "serve", "--port", str(port),
                                    "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        _wait_for_health(port)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        process.terminate()
        process.wait(20)


def post_wechat(base: str, xml: str) -> str:
    timestamp, nonce = str(int(time.time())), unique("n")
    query = f"signature={sha1(WECHAT_TOKEN, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"
    request = urllib.request.Request(f"{base}/webhooks/wechat?{query}", data=xml.encode(), method="POST",
                                     headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.read().decode()


def incoming_messages(data_dir) -> int:
    store = Store.in_dir(data_dir)
    try:
        return store.db.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0]
    finally:
        store.close()


@pytest.mark.slow
def test_one_msgid_three_times_across_two_workers(server, data_dir):
    base, log_path = server
    xml = text_xml(unique(), "南宁长者饭堂有补贴吗", msg_id=unique("msg"))
    with ThreadPoolExecutor(3) as pool:
        bodies = list(pool.map(lambda _: post_wechat(base, xml), range(3)))
    contents = [parse_message(body).content for body in bodies]
    assert contents[0] == contents[1] == contents[2] and "南宁" in contents[0]
    assert incoming_messages(data_dir) == 1

    request = urllib.request.Request(f"{base}/api/v1/ask", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"user_id": "u-http", "text": "你好"}).encode())
    with urllib.request.urlopen(request, timeout=15) as response:
        assert json.load(response)["intent"] == "smalltalk"

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith('{"channel"')]
    wechat = [line for line in lines if line["channel"] == "wechat"]
    assert sorted(line["outcome"] for line in wechat) == ["answered", "repeated", "repeated"]
    # Three connections at once: while one sync worker holds one, the other accepts the next.
    assert len({line["pid"] for line in wechat}) == 2
