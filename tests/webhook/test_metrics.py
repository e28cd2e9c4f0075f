"""`GET /metrics`: Prometheus text that prometheus_client's own parser reads; counters and the
latency histogram move with each answer; state gauges come from the ledger, the index and the
import jobs; only loopback clients or a bearer of ADVISOR_API_TOKEN may scrape; and under
`advisor serve` the counts of both gunicorn workers add up whichever worker is scraped."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from knowledge.records import Record, Source
from knowledge.store import Store
from tests.webhook.conftest import config, text_xml, unique
from tests.webhook.test_serve import _wait_for_health, free_port
from webhook.app import create_app
from webhook.console.imports_jobs import JOBS, Job

TOKEN = "scrape-token-for-tests"


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return families(response.get_data(as_text=True))


def value(found: dict, family: str, sample: str, **labels) -> float:
    """One sample's value (0 when the series does not exist yet: a counter before its first event)."""
    return next((s.value for s in found[family].samples if s.name == sample and s.labels == labels), 0.0) \
        if family in found else 0.0


def ask(client, text: str) -> dict:
    response = client.post("/api/v1/ask", json={"user_id": unique("api"), "text": text})
    assert response.status_code == 200
    return response.get_json()


def test_an_answer_moves_the_counters_and_the_histogram(client):
    before = scrape(client)
    intent = ask(client, "南宁长者饭堂有补贴吗")["intent"]
    after = scrape(client)
    answers = ("advisor_answers", "advisor_answers_total")
    assert value(after, *answers, channel="api", intent=intent) == value(before, *answers, channel="api", intent=intent) + 1
    latency = ("advisor_answer_latency_seconds", "advisor_answer_latency_seconds_count")
    assert value(after, *latency, channel="api") == value(before, *latency, channel="api") + 1
    assert value(after, "advisor_answer_latency_seconds", "advisor_answer_latency_seconds_sum", channel="api") > 0
    buckets = [s for s in after["advisor_answer_latency_seconds"].samples if s.name.endswith("_bucket")]
    assert [s.value for s in buckets] == sorted(s.value for s in buckets)  # cumulative, ending at +Inf
    assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == value(after, *latency, channel="api")


def test_not_found_answers_are_counted_apart(client):
    not_found = ("advisor_not_found_answers", "advisor_not_found_answers_total")
    before = value(scrape(client), *not_found, channel="api")
    assert ask(client, "北京养老院床位补贴多少钱")["intent"] == "not_found"
    ask(client, "南宁长者饭堂有补贴吗")
    assert value(scrape(client), *not_found, channel="api") == before + 1


def answers_on(found: dict, channel: str) -> float:
    family = found.get("advisor_answers")
    return sum(s.value for s in family.samples if s.name == "advisor_answers_total"
               and s.labels["channel"] == channel) if family else 0.0


def test_a_wechat_answer_is_counted_under_its_channel(client, wechat):
    before = scrape(client)
    wechat.plain(text_xml(unique(), "南宁长者饭堂有补贴吗"))
    after = scrape(client)
    latency = ("advisor_answer_latency_seconds", "advisor_answer_latency_seconds_count")
    assert value(after, *latency, channel="wechat") == value(before, *latency, channel="wechat") + 1
    assert answers_on(after, "wechat") == answers_on(before, "wechat") + 1


def test_deferred_and_undelivered_messages_come_from_the_ledger(app, client):
    ledger = app.extensions["runtime"].ledger
    before = scrape(client)
    deferred, failed = unique("wechat:msg"), unique("wechat:msg")
    for key in (deferred, failed):
        ledger.claim(key, "wechat", unique(), {"text": "你好"})
        ledger.settle(key)  # nobody answered in time: handed over to the send API
    ledger.answer(failed, ["你好"], "smalltalk")
    ledger.delivered(failed, False, "0/1 parts sent; errcode 45015")
    after = scrape(client)
    for name, more in (("advisor_deferred_messages", 1), ("advisor_undelivered_messages", 1)):
        assert value(after, name, name) == value(before, name, name) + more


def test_index_generation_age_and_lag(app, client):
    found = scrape(client)
    meta = json.loads((app.config["DATA_DIR"] / "index" / "current" / "advisor-meta.json").read_text())
    assert value(found, "advisor_index_generation", "advisor_index_generation") == meta["seq"]
    assert 0 <= value(found, "advisor_index_age_seconds", "advisor_index_age_seconds") < 24 * 3600
    store = Store.in_dir(app.config["DATA_DIR"])
    try:
        store.put(Record(id=unique("metrics-test"), kind="service", title="测试助餐点", text="测试用的助餐点。",
                         source=Source(title="测试")), actor="test")
    finally:
        store.close()
    assert value(scrape(client), "advisor_index_lag_changes", "advisor_index_lag_changes") == 1
    ask(client, "南宁长者饭堂有补贴吗")  # a search catches the index up
    assert value(scrape(client), "advisor_index_lag_changes", "advisor_index_lag_changes") == 0


def test_import_jobs_by_state(app, client):
    data_dir = app.config["DATA_DIR"]
    before = scrape(client)
    for state in ("done", "done", "failed", "writing"):
        JOBS.save_finished(data_dir, Job(id=os.urandom(8).hex(), user="admin", files=["a.csv"], state=state,
                                         deadline=time.time() + 600))
    JOBS.save_finished(data_dir, Job(id=os.urandom(8).hex(), user="admin", files=["b.csv"], state="reading",
                                     deadline=time.time() - 1))  # its worker died with it
    after = scrape(client)
    moved = {state: value(after, "advisor_import_jobs", "advisor_import_jobs", state=state)
             - value(before, "advisor_import_jobs", "advisor_import_jobs", state=state)
             for state in ("queued", "reading", "writing", "done", "failed")}
    assert moved == {"queued": 0, "reading": 0, "writing": 1, "done": 2, "failed": 2}


def test_remote_clients_are_refused_without_a_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403  # a local proxy
    assert client.get("/metrics").status_code == 200


@pytest.fixture(scope="module")
def token_app(module_dir):
    app = create_app(config(module_dir, ADVISOR_API_TOKEN=TOKEN))
    yield app
    app.extensions["runtime"].close()


def test_with_a_token_set_only_its_bearer_may_scrape(token_app):
    client = token_app.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics").status_code == 401  # loopback is not enough any more
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, environ_base=remote).status_code == 401
    found = scrape(client, headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=remote)
    assert "advisor_index_generation" in found


def _post(base: str, path: str, body: dict | None = None) -> str:
    request = urllib.request.Request(f"{base}{path}", method="POST" if body else "GET",
                                     headers={"Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body else None)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode()


@pytest.mark.slow
def test_counts_add_up_across_gunicorn_workers(data_dir, tmp_path):
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_API_TOKEN": "", "ADVISOR_RATE_LIMIT": "1000",
           "no_proxy": "127.0.0.1"}
    subprocess.run([sys.executable, "-m", "webhook.cli", "init"], env=env, check=True, capture_output=True)
    port, log_path = free_port(), tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "webhook.cli", "serve", "--port", str(port), "--workers", "2"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(port)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: _post(base, "/api/v1/ask", {"user_id": f"u{n}", "text": "你好"}), range(24)))
        totals = []
        for _ in range(6):  # each scrape reaches one worker or the other: both workers answered, so
            # every scrape that says 24 added the other worker's counts to its own
            found = families(_post(base, "/metrics"))
            totals.append(sum(s.value for s in found["advisor_answers"].samples if s.name == "advisor_answers_total"))
    finally:
        server.terminate()
        server.wait(20)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    answered_by = {line["pid"] for line in lines if line.get("event") == "message"}
    scraped_by = {line["pid"] for line in lines if line.get("path") == "/metrics"}
    assert len(answered_by) == 2 and totals == [24] * 6 and scraped_by <= answered_by
