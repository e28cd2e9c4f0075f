"""`POST /api/v1/ask`: the answer object, who may call, every way a request can be wrong."""
from __future__ import annotations

import json
import logging

import pytest

from advisor.core import Advisor
from tests.webhook.conftest import config, unique
from webhook.app import create_app

ASK = "/api/v1/ask"


def ask(client, text="南宁长者饭堂有补贴吗", user=None, **kwargs):
    return client.post(ASK, json={"user_id": user or unique("api"), "text": text}, **kwargs)


def test_answer_object_cites_its_sources(client):
    response = ask(client)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"reply", "intent", "handoff", "confidence", "sources", "suggestions"}
    assert body["sources"] and all(source["id"] and source["kind"] for source in body["sources"])
    assert "南宁" in body["reply"]


def test_greeting_has_no_sources(client):
    body = ask(client, "你好").get_json()
    assert body["intent"] == "smalltalk" and body["sources"] == []


def test_a_conversation_keeps_its_session(client):
    user = unique("api")
    ask(client, "我在南宁", user=user)
    follow = ask(client, "长者饭堂有补贴吗", user=user).get_json()
    assert any("南宁" in source["region"] for source in follow["sources"])


@pytest.mark.parametrize("kwargs, message", [
    ({"data": "user_id=a&text=b", "content_type": "application/x-www-form-urlencoded"}, "Content-Type"),
    ({"data": '{"user_id": "a", "text": "b"}', "content_type": "text/plain"}, "Content-Type"),
    ({"data": b"\xff\xfe{}", "content_type": "application/json"}, "UTF-8"),
    ({"data": '{"user_id": "a", "text": "b"}', "content_type": "application/json; charset=gbk"}, "UTF-8"),
    ({"data": "{not json", "content_type": "application/json"}, "JSON"),
    ({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, "JSON"),
    ({"json": ["user_id", "text"]}, "object"),
    ({"json": {"text": "你好"}}, "user_id"),
    ({"json": {"user_id": 7, "text": "你好"}}, "user_id"),
    ({"json": {"user_id": " ", "text": "你好"}}, "user_id"),
    ({"json": {"user_id": "u" * 129, "text": "你好"}}, "user_id"),
    ({"json": {"user_id": "a"}}, "text"),
    ({"json": {"user_id": "a", "text": ""}}, "text"),
    ({"json": {"user_id": "a", "text": ["你好"]}}, "text"),
    ({"data": '{"user_id": "a", "text": "\\ud800"}', "content_type": "application/json"}, "text"),
])
def test_bad_bodies_get_400_with_a_reason(client, kwargs, message):
    response = client.post(ASK, **kwargs)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_over_the_size_limit_is_413(client):
    response = client.post(ASK, data=b"x" * 10_000_000, content_type="application/json")
    assert response.status_code == 413 and response.get_json() == {"error": "request body too large"}


def test_wrong_method_and_unknown_path_are_json(client):
    wrong = client.get(ASK)
    assert wrong.status_code == 405 and "error" in wrong.get_json() and "POST" in wrong.headers["Allow"]
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.get_json() == {"error": "not found"}


def test_without_a_token_only_loopback_may_ask(client):
    assert ask(client, environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    remote = ask(client, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403 and "error" in remote.get_json()
    proxied = ask(client, headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


@pytest.fixture(scope="module")
def token_app(module_dir):
    app = create_app(config(module_dir, ADVISOR_API_TOKEN="s3cret-token", ADVISOR_RATE_LIMIT=3))
    yield app
    app.extensions["runtime"].close()


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic s3cret-token", "s3cret-token", "Bearer "])
def test_a_set_token_is_required(token_app, header):
    headers = {"Authorization": header} if header else {}
    response = ask(token_app.test_client(), headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert "s3cret" not in response.get_data(as_text=True)


def test_the_right_token_works_from_anywhere(token_app):
    response = ask(token_app.test_client(), headers={"Authorization": "Bearer s3cret-token"},
                   environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200 and response.get_json()["reply"]


def test_rate_limit_answers_politely(token_app):
    client, user = token_app.test_client(), unique("api")
    headers = {"Authorization": "Bearer s3cret-token"}
    replies = [ask(client, "你好", user=user, headers=headers).get_json() for _ in range(5)]
    assert [r["intent"] for r in replies] == ["smalltalk"] * 3 + ["rate_limited"] * 2
    assert "一分钟" in replies[-1]["reply"]
    other = ask(client, "你好", user=unique("api"), headers=headers).get_json()
    assert other["intent"] == "smalltalk"


@pytest.mark.expect_errors(r"webhook.errors: unhandled error on POST /api/v1/ask")
def test_an_advisor_crash_is_a_json_500_without_a_trace(client, monkeypatch, caplog):
    def explode(self, message):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Advisor, "handle", explode)
    with caplog.at_level(logging.ERROR):
        response = ask(client)
    assert response.status_code == 500 and response.get_json() == {"error": "internal error"}
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # the operator still sees it


def test_one_structured_log_line_per_message_without_personal_data(client, caplog):
    phone_user = "13812345678"
    with caplog.at_level(logging.INFO, logger="webhook.messages"):
        ask(client, "我的身份证号450102195001011234，电话13812345678，能领高龄津贴吗", user=phone_user)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "webhook.messages"]
    assert len(lines) == 1
    line = lines[0]
    assert line["channel"] == "api" and line["outcome"] == "answered" and line["intent"]
    assert isinstance(line["latency_ms"], float) and len(line["user"]) == 12
    assert "13812345678" not in caplog.text and "450102195001011234" not in caplog.text
