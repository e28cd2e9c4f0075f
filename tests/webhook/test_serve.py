"""`advisor serve` as `make run` starts it: a real gunicorn with 2 workers, driven over HTTP."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from webhook.app import create_app


def test_healthz_reports_records(data_dir):
    from knowledge.cli import load_starter
    from knowledge.store import Store

    load_starter(Store.in_dir(data_dir))
    client = create_app({"ADVISOR_DATA_DIR": str(data_dir)}).test_client()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["records"] == 166


def test_a_new_worker_opens_its_searcher_before_the_first_request(data_dir):
    """gunicorn calls post_worker_init in each worker; the advisor (and its searcher) is then
    opened on the advisor thread, not by whichever question comes first."""
    from types import SimpleNamespace

    from knowledge.cli import load_starter
    from knowledge.store import Store
    from webhook import gunicorn_hooks

    load_starter(Store.in_dir(data_dir))
    app = create_app({"ADVISOR_DATA_DIR": str(data_dir)})
    runtime = app.extensions["runtime"]
    assert runtime.process.advisor is None
    gunicorn_hooks.post_worker_init(SimpleNamespace(wsgi=app))
    runtime.submit(lambda: None).result()  # the thread has done what was queued before
    assert runtime.process.advisor is not None and len(runtime.process.advisor.searcher.records) == 166
    runtime.close()


def test_serve_passes_the_hooks_to_gunicorn(data_dir, monkeypatch):
    """…and names an emptied metrics directory in the data dir for gunicorn's workers to count in."""
    from click.testing import CliRunner

    from webhook import cli
    from webhook.metrics import SHARED_DIR_ENV

    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    monkeypatch.setenv(SHARED_DIR_ENV, "")  # serve sets it for gunicorn: restored to unset afterwards
    (data_dir / "metrics").mkdir(parents=True)
    (data_dir / "metrics" / "counter_123.db").write_bytes(b"from the last run")
    CliRunner().invoke(cli.main, ["serve", "--port", "8123"])
    (argv,) = calls
    assert argv[argv.index("--config") + 1] == "python:webhook.gunicorn_hooks" and "--preload" in argv
    assert argv[argv.index("--forwarded-allow-ips") + 1] == ""  # webhook/proxies.py alone believes X-Forwarded-*
    assert os.environ[SHARED_DIR_ENV] == str(data_dir.resolve() / "metrics")
    assert list((data_dir / "metrics").iterdir()) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_advisor_serve_runs_gunicorn_with_two_workers(data_dir):
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "webhook.cli", "init"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "webhook.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = _wait_for_health(port)
        assert body["status"] == "ok" and body["records"] == 166
    finally:
        server.terminate()
        server.wait(20)


def _wait_for_health(port: int) -> dict:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
