"""A console import on a full disk: the upload is removed first, even when every status write fails."""
from __future__ import annotations

import errno
import threading

import pytest

from webhook.console.imports_jobs import ImportLimits, Job, Jobs


@pytest.mark.expect_errors(r"import job \w+ failed", r"import job \w+ ended failed but its status file could not")
def test_a_failed_status_write_still_removes_the_upload(tmp_path, monkeypatch):
    jobs = Jobs()
    job_id, upload = jobs.upload_dir(tmp_path)
    (upload / "canteens.csv").write_text("名称,类型\n南关长者饭堂,服务\n", encoding="utf-8")
    job = Job(job_id, "admin", ["canteens.csv"])
    real_save, saves = Jobs._save, []

    def save(self, data_dir, saved, force=False):
        saves.append(saved.state)
        if len(saves) > 1:  # the disk filled up once the job was queued
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(self, data_dir, saved, force)

    monkeypatch.setattr(Jobs, "_save", save)
    jobs.start(tmp_path, job, [upload / "canteens.csv"], 10 ** 6, ImportLimits(60, 1536))
    next(t for t in threading.enumerate() if t.name == f"import-{job_id}").join(30)
    assert job.state == "failed" and "No space left" in job.error
    assert not upload.exists()
