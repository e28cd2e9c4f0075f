"""Two nodes as they are deployed behind a load balancer: two real `advisor serve` processes on
two ports, each with its own data dir and node name (ADVISOR_NODE_NAME), one PostgreSQL database
(ADVISOR_DATABASE_URL), the same ADVISOR_SECRET_KEY. Whichever node a request reaches, a WeChat
message is answered once, a console login and a takeover hold on both, a knowledge edit saved
on one node's console is what the other answers within seconds, and a node killed in the middle
of an answer leaves WeChat's retry to the other.

The nodes are started once for the module (a few seconds each, over the shipped knowledge); the
node killed mid-answer is a third one of its own. tests/console/test_two_nodes.py and
tests/webhook/test_shared_channels.py run two apps in one process; here every node is a process
tree of its own that shares nothing with the other but the database.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests
from wechatpy import parse_message

from advisor.core import WAITING_FOR_ADVISOR
from advisor.reply import conversation_id
from tests.console.test_records import QUESTION as RECORD_QUESTION, RECORD, form_fields
from tests.webhook.conftest import WECHAT_TOKEN, text_xml, unique
from tests.webhook.test_serve import _wait_for_health, free_port
from tests.webhook.test_serve_channels import signed_path
from webhook.ledger import STALE_SECONDS

pytestmark = pytest.mark.slow

QUESTION = "南宁长者饭堂有补贴吗"
ADVISOR = ("顾问小李", "advisor-pass-2")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Node:
    """One `advisor serve` in a session of its own, so that killing it kills its whole tree."""

    def __init__(self, name: str, root: Path, database_url: str, workers: int = 2):
        self.name, self.workers, self.port = name, workers, free_port()
        self.data_dir, self.log_path = root / name, root / f"{name}.log"
        self.env = {**os.environ, "ADVISOR_DATA_DIR": str(self.data_dir), "ADVISOR_DATABASE_URL": database_url,
                    "ADVISOR_NODE_NAME": name, "ADVISOR_SECRET_KEY": "two-nodes-secret",
                    "ADVISOR_LOG_HASH_KEY": "two-nodes-log-key", "ADVISOR_API_TOKEN": "", "ADVISOR_LOG_FILE": "",
                    "WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_ENCODING_AES_KEY": "", "WECHAT_MESSAGE_MODE": "plain",
                    "WECHAT_APP_ID": "",
                    "WECHAT_APP_SECRET": "", "WECOM_TOKEN": "", "no_proxy": "127.0.0.1",
                    # a busy machine must not turn a passive reply into "success": not tested here
                    "WECHAT_REPLY_DEADLINE": "20"}
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def advisor(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "webhook.cli", *args], env=self.env, check=True, capture_output=True)

    def start(self) -> "Node":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "webhook.cli", "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def events(self, since: int = 0) -> list[dict]:
        """The JSON log lines written since byte `since`."""
        with open(self.log_path, "rb") as log:
            log.seek(since)
            return [json.loads(line) for line in log.read().splitlines() if line.startswith(b"{")]


def started(*nodes: Node) -> None:
    for node in nodes:
        node.start()
    for node in nodes:
        _wait_for_health(node.port)


@pytest.fixture(scope="module")
def database(postgres_cluster) -> str:
    name, url = postgres_cluster.new_schema()
    yield url
    postgres_cluster.drop_schema(name)


@pytest.fixture(scope="module")
def nodes(database, tmp_path_factory):
    """Node A and node B, each `advisor init`ed as an operator would (one after the other: the
    second finds the shared tables made), and one console account made through node A."""
    root = tmp_path_factory.mktemp("nodes")
    pair = Node("node-a", root, database), Node("node-b", root, database)
    for node in pair:
        node.advisor("init")
    pair[0].advisor("user", "add", ADVISOR[0], "--role", "advisor", "--password", ADVISOR[1])
    try:
        started(*pair)
        yield pair
    finally:
        for node in pair:
            node.stop()


@pytest.fixture(autouse=True)
def no_errors_on_the_nodes(nodes):
    """What either node logged at ERROR during a test fails it, as in-process tests do."""
    marks = [node.log_size() for node in nodes]
    yield
    errors = [f"{node.name}: {line['logger']}: {line['message']}" for node, mark in zip(nodes, marks)
              for line in node.events(mark) if line.get("level") in ("ERROR", "CRITICAL")]
    assert not errors, "\n".join(errors)


def post_wechat(node: Node, path: str, xml: str) -> str:
    """The callback as WeChat sends it; a retry repeats the very same request (path and body)."""
    request = urllib.request.Request(node.base + path, data=xml.encode(), method="POST",
                                     headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return parse_message(response.read().decode()).content


def delivery(database: str, user: str) -> dict | None:
    """The ledger row of `user`'s only message."""
    with psycopg.connect(database) as db:
        row = db.execute("SELECT status, node, attempt, claimed_at FROM deliveries WHERE user_id = %s",
                         (user,)).fetchone()
    return dict(zip(("status", "node", "attempt", "claimed_at"), row)) if row else None


def incoming(database: str, user: str) -> int:
    """Turns the advisor took for `user` (each logs the message in)."""
    with psycopg.connect(database) as db:
        return db.execute("SELECT count(*) FROM messages WHERE user_id = %s AND direction = 'in'",
                          (conversation_id("wechat", user),)).fetchone()[0]


def test_one_msgid_sent_to_both_nodes_is_answered_once(nodes, database):
    """WeChat's retry of a message may reach the other node while the first still answers it."""
    user, path = unique(), signed_path()
    xml = text_xml(user, QUESTION, msg_id=unique("msg"))
    marks = [node.log_size() for node in nodes]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda node: post_wechat(node, path, xml), nodes))
    assert replies[0] == replies[1] and "南宁" in replies[0]
    assert incoming(database, user) == 1
    row = delivery(database, user)
    assert row["status"] == "answered" and row["attempt"] == 1 and row["node"] in ("node-a", "node-b")
    outcomes = sorted(line["outcome"] for node, mark in zip(nodes, marks) for line in node.events(mark)
                      if line.get("event") == "message")
    assert outcomes == ["answered", "repeated"]


def console_login(node: Node) -> requests.Session:
    session = requests.Session()
    token = _CSRF.search(session.get(node.base + "/console/login", timeout=30).text).group(1)
    response = session.post(node.base + "/console/login", allow_redirects=False, timeout=30,
                            data={"username": ADVISOR[0], "password": ADVISOR[1], "csrf_token": token})
    assert response.status_code == 302, response.text
    return session


def on(node: Node, cookies_from: requests.Session) -> requests.Session:
    """A browser of its own that carries the cookie another node gave (a load balancer switched it)."""
    session = requests.Session()
    session.cookies.set("advisor_console", cookies_from.cookies["advisor_console"])
    return session


def console_post(node: Node, session: requests.Session, page: str, action: str) -> int:
    """A console form sent as the browser sends it: the CSRF token from the page the form is on."""
    token = _CSRF.search(session.get(node.base + page, timeout=30).text).group(1)
    return session.post(node.base + action, data={"csrf_token": token}, allow_redirects=False,
                        timeout=30).status_code


def test_a_console_login_on_one_node_is_valid_on_the_other(nodes):
    a, b = nodes
    on_a = console_login(a)
    on_b = on(b, on_a)
    assert on_b.get(b.base + "/console/", allow_redirects=False, timeout=30).status_code == 200
    assert console_post(b, on_b, "/console/", "/console/logout") == 302  # logged out on B …
    assert on_a.get(a.base + "/console/", allow_redirects=False, timeout=30).status_code == 302  # … is out on A


def test_a_takeover_on_one_nodes_console_silences_the_bot_on_the_other(nodes):
    a, b = nodes
    user = unique()
    assert "南宁" in post_wechat(a, signed_path(), text_xml(user, QUESTION))
    transcript = f"/console/conversations/{quote(conversation_id('wechat', user), safe='')}"
    on_a = console_login(a)
    assert console_post(a, on_a, transcript, transcript + "/takeover") == 302
    assert post_wechat(b, signed_path(), text_xml(user, QUESTION)) == WAITING_FOR_ADVISOR
    assert console_post(b, on(b, on_a), transcript, transcript + "/resume") == 302  # handed back from node B's console
    assert "南宁" in post_wechat(b, signed_path(), text_xml(user, QUESTION))


def test_a_knowledge_edit_saved_on_one_nodes_console_is_answered_on_the_other(nodes):
    """The records and their change log are shared: B's index catches up at its next question."""
    a, b = nodes
    on_a = console_login(a)
    page = on_a.get(f"{a.base}/console/records/{RECORD}/edit", timeout=30).text
    fields = form_fields(page) | {"csrf_token": _CSRF.search(page).group(1)}
    fields["text"] = fields["text"].replace("正式成立", "正式成立，会址在东营区府前大街88号")
    response = on_a.post(f"{a.base}/console/records/{RECORD}/edit", data=fields, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    deadline = time.monotonic() + 15
    while "府前大街88号" not in post_wechat(b, signed_path(), text_xml(unique(), RECORD_QUESTION)):
        assert time.monotonic() < deadline, "node B still answers from the old version"
        time.sleep(0.5)


@pytest.fixture
def doomed(nodes, database, tmp_path):
    """Node C, one worker, on the same database: killed by the test that uses it."""
    node = Node("node-c", tmp_path, database, workers=1)
    node.advisor("init")
    started(node)
    yield node
    node.stop()


def test_a_node_killed_mid_answer_leaves_wechats_retry_to_another(nodes, doomed, database):
    """Node C claims the message and is SIGKILLed while its turn waits on the database (the rate
    limit's table is held locked, so the turn cannot end first). Node B cannot look at C's
    processes: it takes the claim over once it is STALE_SECONDS old — WeChat's last retry comes
    about 15 s after the message — and answers the retry itself, once."""
    b = nodes[1]
    user, path = unique(), signed_path()
    xml = text_xml(user, QUESTION, msg_id=unique("msg"))
    with ThreadPoolExecutor(1) as pool, psycopg.connect(database) as holder:
        holder.execute("LOCK TABLE rate_hits IN EXCLUSIVE MODE")
        first = pool.submit(post_wechat, doomed, path, xml)
        _wait_for(lambda: _waiting_on_a_lock(holder) and delivery(database, user))
        doomed.kill()
        holder.rollback()  # the lock goes; nobody is left on node C to finish the turn
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            first.result()
    claim = delivery(database, user)
    assert (claim["status"], claim["node"], claim["attempt"]) == ("pending", "node-c", 1)
    time.sleep(max(0.0, claim["claimed_at"] + STALE_SECONDS + 0.5 - time.time()))
    assert "南宁" in post_wechat(b, path, xml)
    taken = delivery(database, user)
    assert (taken["status"], taken["node"], taken["attempt"]) == ("answered", "node-b", 2)
    assert incoming(database, user) == 1


def _waiting_on_a_lock(db) -> bool:
    """Whether a turn waits for the table the test holds: it has claimed, it is mid-answer.
    (pg_locks, not pg_stat_activity: a statement waits while it is parsed, before it shows.)"""
    return db.execute("SELECT count(*) FROM pg_locks WHERE relation = 'rate_hits'::regclass"
                      " AND NOT granted").fetchone()[0] > 0


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
