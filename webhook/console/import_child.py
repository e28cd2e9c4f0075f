"""The process a console import runs in: `python -m webhook.console.import_child DATA_DIR JOB_ID
TIMEOUT MEMORY_MB MAX_BYTES PATH...`, started by webhook.console.imports_jobs.

It limits itself first — MEMORY_MB more address space, TIMEOUT seconds of CPU — so a file
that would inflate to gigabytes fails here instead of taking the web worker's memory, then imports the files and writes the job's progress and outcome to its status file,
where the web worker (and the progress page, through any worker) reads them.
"""
from __future__ import annotations

import errno
import logging
import math
import os
import resource
import shutil
import sys
from pathlib import Path

from knowledge.store import Store, now
from webhook.console.imports_jobs import UPLOADS_DIR, Jobs, load_job

log = logging.getLogger(__name__)
MEMORY_MESSAGE = ("读取文件时超过 {0} MB 的内存上限（ADVISOR_IMPORT_MEMORY_MB），已中止，知识库没有任何改动。"
                  "文件可能太大或太复杂（例如压缩炸弹），请拆小后再导入。")


def limit_self(timeout: float, memory_mb: int) -> None:
    """At most `memory_mb` more address space than the process has once started (Python and
    the libraries it loaded), and the time limit as CPU seconds."""
    memory = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = math.ceil(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _address_space() -> int:
    """Bytes of address space this process uses now (Linux /proc; elsewhere 0, an absolute limit)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _out_of_memory(exc: Exception) -> bool:
    """Python's MemoryError, or the limit reached inside SQLite or the OS (ENOMEM)."""
    return (isinstance(exc, MemoryError) or getattr(exc, "errno", None) == errno.ENOMEM
            or "out of memory" in str(exc).lower())


def main(argv: list[str]) -> int:
    data_dir, job_id, timeout, memory_mb, max_bytes, *paths = argv
    job = load_job(Path(data_dir), job_id)
    if job is None:
        log.error("import job %s: no status file in %s", job_id, data_dir)
        return 2
    limit_self(float(timeout), int(memory_mb))
    jobs, job.worker_pid = Jobs(), os.getpid()
    try:
        store = Store.in_dir(data_dir, os.environ.get("ADVISOR_DATABASE_URL", ""))  # the worker's, not the shell's
        try:
            jobs.import_files(Path(data_dir), store, job, [Path(p) for p in paths], int(max_bytes))
        finally:
            store.close()
    except Exception as exc:  # nothing was committed: the import is one transaction
        if not _out_of_memory(exc):
            log.exception("import job %s failed", job.id)
        job.state = "failed"
        job.error = MEMORY_MESSAGE.format(memory_mb) if _out_of_memory(exc) else f"导入失败，知识库没有任何改动：{exc}"
    shutil.rmtree(Path(data_dir) / UPLOADS_DIR / job_id, ignore_errors=True)  # before the state says finished
    job.finished_at = now()
    jobs.save_finished(Path(data_dir), job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
