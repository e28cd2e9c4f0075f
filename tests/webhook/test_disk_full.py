"""A full disk must not take the bot down silently: it still answers from the index (the answer
is worth more than its log line), says why in the log, and /healthz reports 503."""
from __future__ import annotations

import sqlite3

import pytest

from advisor.session import SessionStore
from knowledge.conversations import MessageLog
from knowledge.store import Store
from tests.webhook.conftest import unique
from webhook.ratelimit import RateLimiter

FULL = "database or disk is full"


def full_disk(*args, **kwargs):
    raise sqlite3.OperationalError(FULL)


@pytest.mark.expect_errors(r"advisor\.core: .*not saved .*: database or disk is full",
                           r"webhook\.messages: .*write_failure")
def test_a_full_disk_still_answers_and_healthz_says_503(app, client, monkeypatch, caplog):
    assert client.get("/healthz").status_code == 200
    monkeypatch.setattr(SessionStore, "save", full_disk)
    user = unique("api")
    response = client.post("/api/v1/ask", json={"user_id": user, "text": "南宁长者饭堂有补贴吗"})
    assert response.status_code == 200 and "南宁" in response.get_json()["reply"]
    assert any(r.levelname == "ERROR" and FULL in r.getMessage() and "answer" in r.getMessage()
               for r in caplog.records)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "write_failed" and FULL in health.get_json()["write_failure"]
    monkeypatch.undo()
    client.post("/api/v1/ask", json={"user_id": unique("api"), "text": "你好"})  # the disk has room again
    assert client.get("/healthz").status_code == 200
    store = Store.in_dir(app.config["DATA_DIR"])
    try:  # the turn answered on the full disk was saved with the next one, nothing lost
        saved = MessageLog(store).transcript(f"api:{user}")
    finally:
        store.close()
    assert [m.direction for m in saved] == ["in", "out"] and saved[0].text == "南宁长者饭堂有补贴吗"


@pytest.mark.expect_errors(r"webhook\.runtime: rate limit not counted")
def test_a_rate_limit_that_cannot_count_lets_the_message_through(client, monkeypatch):
    monkeypatch.setattr(RateLimiter, "allow", full_disk)
    response = client.post("/api/v1/ask", json={"user_id": unique("api"), "text": "你好"})
    assert response.status_code == 200 and response.get_json()["intent"] == "smalltalk"


@pytest.mark.parametrize("reason", [FULL, "database is locked"])
def test_the_cli_prints_one_line_instead_of_a_traceback(data_dir, tmp_path, monkeypatch, reason):
    from click.testing import CliRunner

    from knowledge.store import Store
    from webhook.cli import main

    directory = tmp_path / "canteens.csv"
    directory.write_text("名称,类型,市\n南关长者饭堂,服务,南宁\n", encoding="utf-8")

    def failing_put(*args, **kwargs):
        raise sqlite3.OperationalError(reason)

    monkeypatch.setattr(Store, "put", failing_put)
    result = CliRunner().invoke(main, ["import", str(directory)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    (line,) = [line for line in result.output.splitlines() if reason in line]
    assert line.startswith("Error: 数据库写入失败") and "Traceback" not in result.output


@pytest.mark.expect_errors(r"webhook\.delivery: .*could not be claimed in the ledger .*disk is full",
                           r"advisor\.core: .*not saved", r"webhook\.messages: .*write_failure")
def test_a_wechat_message_is_answered_when_the_ledger_cannot_claim_it(wechat, monkeypatch):
    from tests.webhook.conftest import text_xml
    from webhook.ledger import Ledger
    monkeypatch.setattr(Ledger, "claim", full_disk)
    monkeypatch.setattr(SessionStore, "save", full_disk)
    reply = wechat.reply(wechat.plain(text_xml(unique(), "南宁长者饭堂有补贴吗")))
    assert reply.type == "text" and "南宁" in reply.content
