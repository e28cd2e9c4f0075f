"""Console imports run outside the web worker, with limits (issue 13, point 9): a file is parsed
in a child process with a time and a memory limit; a job whose child dies, runs out of time or
memory, or whose worker died with it, ends as failed with its upload removed and the knowledge
unchanged."""
from __future__ import annotations

import io
import json
import os
import signal
import time
import zipfile

import pytest

from tests.console.conftest import app_config, login
from tests.console.test_imports import CSV, count, upload, wait
from tests.knowledge.test_import_archives import _with_member
from tests.knowledge.test_import_documents import NOTICE, docx_bytes
from webhook.app import create_app
from webhook.console.imports_jobs import JOBS_DIR, UPLOADS_DIR

# Uploads stay under werkzeug's 500 KB in-memory threshold: bigger test uploads leave a temporary
# file unclosed in the test client (a ResourceWarning that fails the run), whatever the view does.
BIG_CSV = ("名称,市,区,地址\n" + "".join(f"长者饭堂{i},南宁,青秀区,民族大道{i}号\n" for i in range(8000))).encode()


@pytest.fixture
def limited(console_dir, request):
    app = create_app(app_config(console_dir, **request.param))
    yield login(app.test_client())
    app.extensions["runtime"].close()


def job_file(console_dir, location) -> dict:
    return json.loads((console_dir / JOBS_DIR / f"{location.rsplit('/', 1)[-1]}.json").read_text())


def final_job_file(console_dir, location, timeout=10.0) -> dict:
    """The job's file once its last state is written (the page may show it a moment earlier)."""
    deadline = time.monotonic() + timeout
    while not (state := job_file(console_dir, location))["finished_at"] and time.monotonic() < deadline:
        time.sleep(0.05)
    return state


def uploads_left(console_dir) -> list:
    return list((console_dir / UPLOADS_DIR).glob("*/*"))


def test_the_file_is_parsed_in_a_process_of_its_own(admin, console_dir):
    location = upload(admin, "南宁机构.csv", CSV.encode()).location
    assert wait(admin, location, timeout=60)["state"] == "done"
    worker = job_file(console_dir, location)["worker_pid"]
    assert worker and worker != os.getpid()


@pytest.mark.parametrize("limited", [{"ADVISOR_IMPORT_TIMEOUT": "0.5"}], indirect=True)
def test_an_import_past_its_time_limit_fails_and_its_upload_goes(limited, console_dir):
    before = count(console_dir)
    location = upload(limited, "big.csv", BIG_CSV).location
    state = wait(limited, location, timeout=60)
    assert state["state"] == "failed" and "超过" in final_job_file(console_dir, location)["error"]
    assert uploads_left(console_dir) == [] and count(console_dir) == before


def memory_hungry_docx() -> bytes:
    """A .docx of 300k short paragraphs (~300 KB, 17 MB inflated): it passes the zip-bomb checks
    (about 55-fold, far under the size limit), but python-docx needs hundreds of MB and minutes for it."""
    paragraphs = "".join(f"<w:p><w:r><w:t>第{n % 7}条 {n // 15} 号助餐点</w:t></w:r></w:p>" for n in range(300_000))
    data = docx_bytes(NOTICE)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    return _with_member(data, "word/document.xml", xml.replace("<w:body>", "<w:body>" + paragraphs, 1).encode())


@pytest.mark.parametrize("limited", [{"ADVISOR_IMPORT_MEMORY_MB": "64"}], indirect=True)
def test_an_import_past_its_memory_limit_costs_nothing(limited, console_dir):
    """Under the limit the file cannot be read: it fails (or is skipped as unreadable), the web
    worker never held its XML, and nothing of it is imported."""
    before = count(console_dir)
    location = upload(limited, "大文件.docx", memory_hungry_docx()).location
    state = final_job_file(console_dir, location) if wait(limited, location, timeout=120) else None
    assert state["state"] == "failed" and "内存" in state["error"] or state["skipped"]
    assert uploads_left(console_dir) == [] and count(console_dir) == before


def test_a_killed_import_process_ends_the_job_as_failed(admin, console_dir):
    location = upload(admin, "大文件.docx", memory_hungry_docx()).location
    deadline = time.monotonic() + 30
    while not job_file(console_dir, location).get("worker_pid") and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(job_file(console_dir, location)["worker_pid"], signal.SIGKILL)
    assert wait(admin, location, timeout=60)["state"] == "failed"
    assert uploads_left(console_dir) == []


def test_a_job_left_running_by_a_dead_worker_ends_as_failed(admin, console_dir):
    """The web worker died with its job (kill -9, a restart): the page must not say 正在读取文件 forever."""
    job_id = "0123456789abcdef"
    (console_dir / UPLOADS_DIR / job_id).mkdir(parents=True)
    (console_dir / UPLOADS_DIR / job_id / "bomb.docx").write_bytes(b"PK")
    (console_dir / JOBS_DIR).mkdir(exist_ok=True)
    (console_dir / JOBS_DIR / f"{job_id}.json").write_text(json.dumps(
        {"id": job_id, "user": "顾问小王", "files": ["bomb.docx"], "state": "reading", "started_at": "2026-12-01T00:00:00",
         "deadline": time.time() - 1}))
    state = admin.get(f"/console/import/{job_id}.json").get_json()
    assert state["state"] == "failed" and state["finished"]
    assert not (console_dir / UPLOADS_DIR / job_id).exists()
    assert "失败" in admin.get(f"/console/import/{job_id}").get_data(as_text=True)
