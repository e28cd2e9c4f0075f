"""Import jobs: an uploaded file is imported in a child process, watched from a background
thread of the web worker, while the page polls its progress.

The file is parsed outside the web worker (webhook.console.import_child) under a time and a
memory limit (ADVISOR_IMPORT_TIMEOUT, ADVISOR_IMPORT_MEMORY_MB): a 214 KB .docx with 50 MB of
XML inside once pinned a worker at 100 % CPU and 1 GB for minutes. A child that runs out of
time is killed, one that runs out of memory fails, and a job whose child died, or whose web
worker died with it (its deadline passed with the job unfinished), ends as failed with its
upload removed.

The table lives in this process, and each job is also mirrored to a small JSON file in the data
dir, so a progress page polled through another server worker still finds it. One import runs at
a time per process (they would only queue on the database's write lock otherwise); the import
itself is one transaction (knowledge.importing), so a failure leaves the store as it was.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

from knowledge.audit import AuditLog
from knowledge.importing import import_paths
from knowledge.store import Store, now

log = logging.getLogger(__name__)
JOBS_DIR = "import-jobs"
UPLOADS_DIR = "import-uploads"
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
KEEP_SECONDS = 7 * 24 * 3600
GRACE_SECONDS = 60  # past its time limit by this much, an unfinished job's owner is gone
WRITE_EVERY = 0.3  # seconds between progress mirrors to disk
STATE_LABELS = {"queued": "排队中", "reading": "正在读取文件", "writing": "正在写入知识库", "done": "已完成",
                "failed": "失败"}


@dataclass
class Job:
    id: str
    user: str
    files: list[str]
    kind: str = ""
    region: str = ""
    state: str = "queued"
    done: int = 0
    total: int = 0
    summary: dict = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)  # {"file", "line", "reason"}
    error: str = ""
    started_at: str = ""
    finished_at: str = ""
    deadline: float = 0.0  # epoch seconds: unfinished after this, the job is dead
    worker_pid: int = 0  # the child process parsing the files

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def public(self) -> dict:
        """What the progress page polls."""
        return {"id": self.id, "state": self.state, "label": self.label, "done": self.done, "total": self.total,
                "finished": self.finished}


@dataclass(frozen=True)
class ImportLimits:
    timeout: float  # seconds of wall-clock (and CPU) time for the whole child
    memory_mb: int  # address space of the child

    @classmethod
    def from_config(cls, config) -> "ImportLimits":
        return cls(float(config["ADVISOR_IMPORT_TIMEOUT"]), int(config["ADVISOR_IMPORT_MEMORY_MB"]))


class Jobs:
    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self._written: dict[str, float] = {}

    def get(self, data_dir: Path, job_id: str) -> Job | None:
        """The job as its owner last wrote it; an unfinished one past its deadline is ended here."""
        if not JOB_ID.match(job_id or ""):
            return None
        with self._lock:
            mine = self._jobs.get(job_id)
        if mine is not None and mine.finished:
            return mine
        stored = load_job(data_dir, job_id)
        if stored is not None and not stored.finished and stored.deadline and time.time() > stored.deadline:
            return self._abandoned(Path(data_dir), stored)
        return stored or mine

    def running(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if not job.finished]

    def upload_dir(self, data_dir: Path) -> tuple[str, Path]:
        """A fresh job id and the directory its uploaded files are saved in."""
        job_id = secrets.token_hex(8)
        directory = Path(data_dir) / UPLOADS_DIR / job_id
        directory.mkdir(parents=True)
        return job_id, directory

    def start(self, data_dir: Path, job: Job, paths: list[Path], max_bytes: int, limits: ImportLimits,
              after: Callable[[], None] | None = None, database_url: str = "") -> None:
        """Run the import in a child process watched by a daemon thread; `after` runs once it
        committed (e.g. index refresh). A queued job's deadline leaves room for those ahead.
        The child writes its audit entry and import history into `database_url`'s shared
        tables (ADVISOR_DATABASE_URL), given in its environment: a command line is public."""
        _prune(Path(data_dir))
        job.deadline = time.time() + (limits.timeout + GRACE_SECONDS) * (1 + len(self.running()))
        with self._lock:
            self._jobs[job.id] = job
        self._save(data_dir, job, force=True)
        thread = threading.Thread(target=self._run, args=(Path(data_dir), job, paths, max_bytes, limits, after, database_url),
                                  name=f"import-{job.id}", daemon=True)
        thread.start()

    def _run(self, data_dir: Path, job: Job, paths: list[Path], max_bytes: int, limits: ImportLimits, after,
             database_url: str) -> None:
        with self._one_at_a_time:
            try:
                self._run_child(data_dir, job, paths, max_bytes, limits, database_url)
            except Exception as exc:  # nothing was committed: the import is one transaction
                log.exception("import job %s failed", job.id)
                job.state, job.error = "failed", f"导入失败，知识库没有任何改动：{exc}"
            finally:  # clean-up first: on a full disk the status write below fails, the upload must still go
                shutil.rmtree(data_dir / UPLOADS_DIR / job.id, ignore_errors=True)
                job.finished_at = job.finished_at or now()
                self.save_finished(data_dir, job)
        if after is not None and job.state == "done":
            try:
                after()
            except Exception:  # the import is committed; searches catch up by themselves
                log.exception("after-import hook of job %s failed", job.id)

    def _run_child(self, data_dir: Path, job: Job, paths: list[Path], max_bytes: int, limits: ImportLimits,
                   database_url: str) -> None:
        """Start the child, wait at most the time limit, then take over the state it wrote."""
        job.deadline = time.time() + limits.timeout + GRACE_SECONDS
        self._save(data_dir, job, force=True)
        command = [sys.executable, "-m", "webhook.console.import_child", str(data_dir), job.id, str(limits.timeout),
                   str(limits.memory_mb), str(max_bytes), *map(str, paths)]
        environment = {**os.environ, "ADVISOR_DATABASE_URL": database_url}
        child, timed_out = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=environment), False
        try:
            child.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            timed_out = True
        self._adopt(data_dir, job)
        if not job.finished:  # the reason first: a page polling this table sees "failed" with it
            job.error = _death_reason(child.returncode, timed_out, limits)
            job.state = "failed"
            log.warning("import job %s stopped: %s", job.id, job.error)

    def _adopt(self, data_dir: Path, job: Job) -> None:
        """The child's last word on the job, copied into this process's table."""
        stored = load_job(data_dir, job.id)
        for item in fields(Job) if stored is not None else ():
            setattr(job, item.name, getattr(stored, item.name))

    def _abandoned(self, data_dir: Path, job: Job) -> Job:
        """A job whose owner died with it: failed, its upload removed (another worker may do this)."""
        shutil.rmtree(data_dir / UPLOADS_DIR / job.id, ignore_errors=True)
        job.state, job.finished_at = "failed", now()
        job.error = "导入中断（处理它的服务进程已停止），知识库没有任何改动。请重新上传。"
        self.save_finished(data_dir, job)
        return job

    def import_files(self, data_dir: Path, store: Store, job: Job, paths: list[Path], max_bytes: int) -> None:
        job.state, job.started_at = "reading", now()
        self._save(data_dir, job, force=True)

        def progress(done: int, total: int) -> None:
            job.state, job.done, job.total = "writing", done, total
            self._save(data_dir, job)

        report = import_paths(store, paths, kind=job.kind or None, region=job.region or None,
                              actor=f"console:{job.user}", max_bytes=max_bytes, progress=progress)
        job.summary = {k: v for k, v in report.summary().items() if k != "skipped"}
        job.skipped = [{"file": p.file, "line": p.line, "reason": p.reason, "plain": plain_reason(p.reason)}
                       for p in report.skipped]
        job.done = job.total = report.records
        job.state = "done"
        AuditLog(store).record(job.user, "import", "、".join(job.files),
                               **{k: job.summary[k] for k in ("records", "inserted", "updated", "unchanged",
                                                              "retired")}, skipped=len(job.skipped))

    def save_finished(self, data_dir: Path, job: Job) -> None:
        """The final mirror; when it cannot be written (a full disk) this process's table still
        shows the outcome, and the log says why the file is stale."""
        try:
            self._save(data_dir, job, force=True)
        except OSError as exc:
            log.error("import job %s ended %s but its status file could not be written: %s", job.id, job.state, exc)

    def _save(self, data_dir: Path, job: Job, force: bool = False) -> None:
        """Mirror the job to disk (throttled while it counts records)."""
        stamp = time.monotonic()
        if not force and stamp - self._written.get(job.id, 0) < WRITE_EVERY:
            return
        self._written[job.id] = stamp
        directory = Path(data_dir) / JOBS_DIR
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f"{job.id}.json.tmp"
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False))
        os.replace(tmp, directory / f"{job.id}.json")


def load_job(data_dir: Path, job_id: str) -> Job | None:
    try:
        return Job(**json.loads((Path(data_dir) / JOBS_DIR / f"{job_id}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def count_by_state(data_dir: Path) -> dict[str, int]:
    """How many of the kept jobs (the last KEEP_SECONDS) are in each state, for /metrics, from
    the files every worker mirrors them to; an unfinished job past its deadline counts as
    failed, as `Jobs.get` would end it."""
    counts = dict.fromkeys(STATE_LABELS, 0)
    directory = Path(data_dir) / JOBS_DIR
    for path in directory.glob("*.json") if directory.is_dir() else ():
        job = load_job(data_dir, path.stem)
        if job is not None:
            state = "failed" if not job.finished and job.deadline and time.time() > job.deadline else job.state
            counts[state] = counts.get(state, 0) + 1
    return counts


def _death_reason(returncode: int, timed_out: bool, limits: ImportLimits) -> str:
    """Why a child ended without finishing its job, for the person who uploaded the file."""
    if timed_out or returncode == -signal.SIGXCPU:  # killed by us, or by its CPU limit
        return (f"导入超过 {limits.timeout:g} 秒的时间上限（ADVISOR_IMPORT_TIMEOUT），已中止，知识库没有任何改动。"
                "文件可能太大或太复杂，请拆小后再导入。")
    return f"导入进程意外退出（退出码 {returncode}），知识库没有任何改动。请重新上传。"


def _prune(data_dir: Path) -> None:
    """Job files older than a week go: the imports table keeps the lasting record."""
    cutoff = time.time() - KEEP_SECONDS
    for path in (data_dir / JOBS_DIR).glob("*.json") if (data_dir / JOBS_DIR).is_dir() else ():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


# The importers explain problems in English (the CLI's language); the console says it in Chinese.
REASONS = (
    (r"^no name", "没有名称（名称/name 列是空的）"),
    (r"^beds '(.*)': not a whole number", "床位「{0}」不是整数"),
    (r"^phone '(.*)': not a phone number", "电话「{0}」不像电话号码"),
    (r"^region '(.*)': not a known", "地区「{0}」不是已知的省/市/县/区"),
    (r"^date '(.*)': expected", "日期「{0}」看不懂，请写成 2024-12-26 或 2024年12月26日"),
    (r"^kind '(.*)': must be one of", "类别「{0}」不认识，请写 政策/服务/基地/补贴"),
    (r"^(\d+) more cell", "这一行比表头多出 {0} 个格子（多了逗号？）"),
    (r"^neither UTF-8 nor GB18030", "文件编码不是 UTF-8 或 GBK，无法读取（请另存为 UTF-8）"),
    (r"^invalid (\S+) byte", "文件里有不合 {0} 编码的字节，无法读取"),
    (r"^binary data", "不是文本文件（含二进制数据），文件可能损坏或扩展名不对"),
    (r"^not a readable PDF", "PDF 文件损坏或无法读取"),
    (r"^PDF has no text layer", "PDF 里没有文字（可能是扫描件），暂不支持识别图片文字"),
    (r"^not a readable \.docx", "Word 文件损坏或不是 .docx 格式"),
    (r"^zip archive", "文件解压后过大或压缩比异常（疑似压缩炸弹），没有读取"),
    (r"^no title found", "找不到文件标题，这可能不是一份公文"),
    (r"^invalid JSON: (.*)", "JSON 格式错误：{0}"),
    (r"^larger than (\d+) bytes", "文件超过 {0} 字节的上限"),
    (r"^unsupported file type", "不支持这种文件类型"),
    (r"^title is empty", "标题是空的"),
    (r"^text is empty", "正文是空的"),
)


def plain_reason(reason: str) -> str:
    """The reason in Chinese when we know it, else as the importer wrote it."""
    for pattern, template in REASONS:
        match = re.match(pattern, reason)
        if match:
            return template.format(*match.groups())
    return reason


def safe_name(name: str) -> str:
    """The uploaded file's own name (it becomes the records' origin and source file), minus any
    path, control characters and leading dots; Chinese names are kept as they are."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        return base[:120] or "upload"
    return f"{stem[:100] or 'upload'}.{suffix[:10].lower()}"


JOBS = Jobs()
