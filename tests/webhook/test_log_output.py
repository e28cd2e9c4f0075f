"""What reaches stdout and the log file: one JSON object per line (time, level, logger, message,
pid, the event's fields), phone and ID numbers masked whoever logged them, a text format for a
terminal, and a size-rotated file that several processes can share."""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import stat
import time
from datetime import datetime
from pathlib import Path

import pytest

from knowledge import settings
from tests.webhook.conftest import config, unique
from webhook import log_output, logs
from webhook.app import create_app

MOBILE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
PERSONAL = "来电 13912345678 身份证 450103194501011234"


@pytest.fixture(autouse=True)
def default_output():
    """Each test installs the output it needs; afterwards stdout only, as a plain app has it."""
    yield
    log_output.install(settings.load({}))


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_message_line_is_one_json_object_with_its_fields(app, client, capsys):
    capsys.readouterr()
    response = client.post("/api/v1/ask", json={"user_id": "13812345678", "text": "南宁长者饭堂有补贴吗"})
    assert response.status_code == 200
    (line,) = [line for line in json_lines(capsys.readouterr().out) if line["logger"] == "webhook.messages"]
    assert list(line)[:5] == ["time", "level", "logger", "message", "pid"]
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    assert line["level"] == "INFO" and line["message"] == "message" and line["pid"] == os.getpid()
    assert line["channel"] == "api" and line["outcome"] == "answered" and line["intent"] == "consult"
    assert isinstance(line["latency_ms"], float) and line["user"] == logs.user_hash("13812345678")


def test_phone_and_id_numbers_are_masked_in_every_line(app, capsys):
    """Events, any other logger's message, and a traceback all go through the same masking."""
    capsys.readouterr()
    logs.event(logging.WARNING, event="rejected", reason=PERSONAL)
    logging.getLogger("webhook.somewhere").warning("caller said %s", PERSONAL)
    try:
        raise ValueError(PERSONAL)
    except ValueError:
        logging.getLogger("advisor.core").warning("failed on a message", exc_info=True)
    out = capsys.readouterr().out
    rejected, other, failure = json_lines(out)[-3:]
    assert rejected["reason"] == "来电 139****5678 身份证 4501**********1234" and rejected["message"] == "rejected"
    assert other["message"] == "caller said 来电 139****5678 身份证 4501**********1234"
    assert "ValueError: 来电 139****5678" in failure["exception"]
    assert "13912345678" not in out and "450103194501011234" not in out


def test_a_user_hash_that_looks_like_a_mobile_number_is_kept(app, capsys):
    user = next(f"oUser{n}" for n in range(100000) if MOBILE_LIKE.search(logs.user_hash(f"oUser{n}")))
    capsys.readouterr()
    logs.message("api", user, "consult", time.monotonic(), "answered")
    assert json_lines(capsys.readouterr().out)[-1]["user"] == logs.user_hash(user)


def test_text_format_for_a_terminal(module_dir, capsys):
    app = create_app(config(module_dir, ADVISOR_LOG_FORMAT="text"))
    try:
        capsys.readouterr()
        logs.event(logging.WARNING, event="rejected", path="/webhooks/wechat", status=403, reason=PERSONAL)
        line = capsys.readouterr().out.splitlines()[-1]
    finally:
        app.extensions["runtime"].close()
    stamp, level, logger, rest = line.split(" ", 3)
    assert datetime.fromisoformat(stamp) and (level, logger) == ("WARNING", "webhook.messages")
    assert rest == 'rejected path=/webhooks/wechat status=403 reason="来电 139****5678 身份证 4501**********1234"'


def test_the_log_file_setting_writes_a_rotated_file_in_the_data_dir(module_dir, capsys):
    app = create_app(config(module_dir, ADVISOR_LOG_FILE="logs/advisor.log", ADVISOR_LOG_FILE_MAX_BYTES=4000,
                            ADVISOR_LOG_FILE_BACKUPS=2))
    try:
        for n in range(60):
            logs.event(event="delivery", channel="wechat", user=logs.user_hash(unique()), outcome="sent", n=n)
    finally:
        app.extensions["runtime"].close()
    directory = module_dir / "logs"
    assert sorted(p.name for p in directory.glob("advisor.log*") if not p.name.endswith(".lock")) == [
        "advisor.log", "advisor.log.1", "advisor.log.2"]
    for path in directory.glob("advisor.log*"):
        assert path.stat().st_size <= 4000 and stat.S_IMODE(path.stat().st_mode) == 0o600
    newest = json_lines((directory / "advisor.log").read_text(encoding="utf-8"))
    assert newest[-1]["n"] == 59 and newest[-1]["logger"] == "webhook.messages"
    assert json_lines(capsys.readouterr().out)[-1]["n"] == 59  # stdout still gets every line


def test_a_relative_log_file_is_in_the_data_dir_an_absolute_one_where_it_says(tmp_path):
    data = {"ADVISOR_DATA_DIR": str(tmp_path / "data")}
    assert log_output.log_file({**data, "ADVISOR_LOG_FILE": "logs/a.log"}) == tmp_path / "data" / "logs" / "a.log"
    assert log_output.log_file({**data, "ADVISOR_LOG_FILE": str(tmp_path / "b.log")}) == tmp_path / "b.log"
    assert log_output.log_file({**data, "ADVISOR_LOG_FILE": ""}) is None


def test_a_bad_log_format_names_the_variable():
    with pytest.raises(settings.SettingError, match="ADVISOR_LOG_FORMAT"):
        settings.load({"ADVISOR_LOG_FORMAT": "xml"})


def _write_lines(path: str, writer: int, count: int) -> None:
    handler = log_output.SharedRotatingFileHandler(Path(path), 3000, 100)
    handler.setFormatter(log_output.JsonFormatter())
    for n in range(count):
        handler.handle(logging.makeLogRecord({"msg": "line", "fields": {"writer": writer, "n": n, "pad": "养" * 40}}))
    handler.close()


@pytest.mark.slow
def test_two_processes_rotating_one_file_lose_and_tear_no_line(tmp_path):
    """gunicorn's workers share the file: each follows the other's rotation, under one lock."""
    path = tmp_path / "shared.log"
    context = multiprocessing.get_context("spawn")  # not forked from a process with threads
    writers = [context.Process(target=_write_lines, args=(str(path), writer, 300)) for writer in (1, 2)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    lines = [line for file in tmp_path.glob("shared.log*") if not file.name.endswith(".lock")
             for line in json_lines(file.read_text(encoding="utf-8"))]
    assert sorted((line["writer"], line["n"]) for line in lines) == [(w, n) for w in (1, 2) for n in range(300)]
    assert len(list(tmp_path.glob("shared.log.[0-9]*"))) > 10  # it did rotate, many times


def test_the_dev_server_logs_paths_without_query_strings(app, capsys, monkeypatch):
    """`flask run` logs each request through werkzeug: WeChat's query carries the openid."""
    dev_server = logging.getLogger("werkzeug")
    monkeypatch.setattr(dev_server, "level", logging.INFO)  # werkzeug sets it so on its first line
    capsys.readouterr()
    dev_server.info('127.0.0.1 - - [03/Dec/2026 12:00:00] "%s" %s %s\n',  # as WSGIRequestHandler.log_request
                    "POST /webhooks/wechat?signature=ab12&openid=o6_secret HTTP/1.1", "200", "-")
    (line,) = [line for line in json_lines(capsys.readouterr().out) if line["logger"] == "werkzeug"]
    assert '"POST /webhooks/wechat HTTP/1.1" 200' in line["message"] and "o6_secret" not in line["message"]
