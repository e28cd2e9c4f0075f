"""Two nodes on one PostgreSQL database (ADVISOR_DATABASE_URL): each has its own data dir, and
what the channels share — the delivery ledger, the seen nonces, the rate limit — is one, as are
the knowledge records both answer from.

Both apps run in this process; each Runtime opens its own connections, as a node would.
"""
from __future__ import annotations

import shutil
import time

import pytest

from knowledge.cli import load_starter
from knowledge.records import Record
from knowledge.store import Store
from tests.webhook.conftest import WeChatClient, config, text_xml, unique
from tests.webhook.test_wechat_delivery import QUESTION, Counter
from webhook.app import create_app


@pytest.fixture
def nodes(knowledge_template, tmp_path, postgres_url):
    """Node A and node B: two data dirs, one ADVISOR_DATABASE_URL holding the shipped knowledge."""
    with Store.in_dir(tmp_path / "loader", postgres_url) as store:
        load_starter(store)
    apps = []
    for name in ("a", "b"):
        data_dir = tmp_path / name
        shutil.copytree(knowledge_template, data_dir, symlinks=True)
        apps.append(create_app(config(data_dir, ADVISOR_DATABASE_URL=postgres_url, ADVISOR_RATE_LIMIT=2)))
    yield apps
    for app in apps:
        app.extensions["runtime"].close()


def test_the_same_message_on_two_nodes_is_answered_once(nodes, monkeypatch):
    counter = Counter(monkeypatch)
    xml = text_xml(unique(), QUESTION)
    query = {"timestamp": int(time.time()), "nonce": unique("n")}
    replies = [WeChatClient(app.test_client()).text(WeChatClient(app.test_client()).plain(xml, **query))
               for app in nodes]
    assert replies[0] == replies[1] and "南宁" in replies[0]
    assert len(counter.calls) == 1  # node B read node A's stored reply
    assert not (nodes[0].config["DATA_DIR"] / "channels.db").exists()  # nothing went to a local file


def test_a_nonce_spent_on_one_node_refuses_another_body_on_the_other(nodes):
    query = {"timestamp": int(time.time()), "nonce": unique("n")}
    assert WeChatClient(nodes[0].test_client()).plain(text_xml(unique(), QUESTION), **query).status_code == 200
    assert WeChatClient(nodes[1].test_client()).plain(text_xml(unique(), "你好"), **query).status_code == 403


def test_the_rate_limit_counts_a_users_messages_on_every_node(nodes):
    user = unique()
    clients = [WeChatClient(app.test_client()) for app in (*nodes, nodes[0])]
    replies = [client.text(client.plain(text_xml(user, "你好"))) for client in clients]
    assert "歇一口气" not in replies[1] and "歇一口气" in replies[2]  # the third of a limit of 2


def test_health_writes_to_the_shared_database(nodes):
    response = nodes[1].test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["write_failure"] == ""


def test_metrics_read_the_shared_ledger(nodes):
    """/metrics' delivery gauges come from the ledger, here PostgreSQL's (a failed read would
    leave them out of the scrape)."""
    body = nodes[0].test_client().get("/metrics").get_data(as_text=True)
    assert "advisor_deferred_messages 0.0" in body and "advisor_undelivered_messages" in body


def test_metrics_count_the_index_lag_in_the_shared_change_log(nodes, tmp_path, postgres_url):
    """A change another node wrote is one this node's index has not applied yet."""
    record = Record.from_dict({"id": "jy-canteen-1", "kind": "service", "title": "泾源：第1号长寿食堂",
                               "text": "每天中午供应老年餐。", "region": "泾源"})
    with Store.in_dir(tmp_path / "writer", postgres_url) as store:
        store.put(record, "console:a")
    assert "advisor_index_lag_changes 1.0" in nodes[1].test_client().get("/metrics").get_data(as_text=True)
