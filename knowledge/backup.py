"""Backups of a data dir taken while it serves, and restoring one (`advisor backup`, `advisor restore`).

What a data dir holds, and what a backup does with each part:

- **Every SQLite database** (knowledge.db: records and their history, conversations, cases,
  accounts; channels.db: the WeChat ledger, rate limits, tokens, nonces) is copied with SQLite's
  online backup API. Copying the file instead would miss every commit still in its -wal file
  (all of them since the last checkpoint) and could catch a page half-written. The API reads
  through SQLite in one read transaction, so each copy is that database at one instant with
  every commit before it, while the workers go on writing (in WAL mode a reader never blocks a
  writer). The databases are copied one after the other, so two of them are a moment apart: the
  ledger may know a message the log does not have yet — what a crash between the two writes
  leaves too, and what both already cope with.
- **The other files that cannot be rebuilt** are copied as they are: the console's cookie key
  and the log-hash key (without them every console session ends and the log hashes change) and
  the lexicon overrides advisors edited. Each is replaced by a rename, never written in place,
  so a copy holds one version or the other.
- **NOT_COPIED**: the search index is rebuilt from the restored records instead of copied. A
  copy taken while a worker catches it up could pair segments of two generations, and a rebuild
  from the store is what the advisor does whenever it doubts an index (index/engine.py), so a
  rebuilt index is never wrong where a copied one might be. Console import jobs are in flight
  by nature: a restored server runs none of them, and the /metrics counters belong to the
  server that counted them.

A backup is a directory: the copies, under the names they have in the data dir, and
manifest.json — when, by which version of the program, each database's schema version and the
row count of each of its tables, and the size and SHA-256 of every file — so a restore checks
everything it restores before it touches the data dir. It holds all the data dir does (phone
numbers, password hashes, keys), so it is private (0700/0600) like the data dir.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from knowledge.datadir import FILE_MODE, SQLITE_SIDECARS, private_dir
from knowledge.migrations import LATEST
from knowledge.store import DB_NAME, Store, now

MANIFEST = "manifest.json"
FORMAT, FORMAT_VERSION = "advisor-backup", 1
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT = 30.0  # seconds; a read waits only while SQLite recovers a WAL after a crash
# The names are those of index/engine.py (IndexFiles.root), webhook/console/imports_jobs.py
# (JOBS_DIR, UPLOADS_DIR) and webhook/metrics.py (DIR_NAME), which this layer cannot import; a
# test checks they agree.
NOT_COPIED = {
    "index": "search index: rebuilt from the restored records",
    "import-jobs": "status of console imports in flight: a restored server runs none",
    "import-uploads": "files of console imports in flight: each is removed when its import ends",
    "metrics": "the running server's /metrics counters: advisor serve empties them when it starts",
}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message names the file and says why."""


# -- backup ----------------------------------------------------------------------------------
def take_backup(data_dir: Path | str, dest: Path | str) -> dict:
    """Copy the state of `data_dir` into the new directory `dest`; returns the manifest. It is
    written into a hidden directory beside `dest` and renamed at the end, so a backup cut short
    (a full disk, Ctrl-C) never looks like one."""
    data_dir, dest = Path(data_dir).resolve(), Path(dest).resolve()
    if dest.is_relative_to(data_dir):
        raise BackupError(f"{dest} 在数据目录 {data_dir} 里面：备份要放在数据目录以外")
    if not (data_dir / DB_NAME).is_file():
        raise BackupError(f"{data_dir / DB_NAME} 不存在：数据目录还没有初始化（advisor init），没有可备份的内容")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} 已存在且不是空目录：备份不会覆盖它，请换一个新目录")
    with _failures(f"备份没有完成，{dest} 没有写入"), _staging_beside(dest, "partial") as staging:
        manifest = _copy_state(data_dir, staging)
        _write_private(staging / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(staging, dest)  # onto nothing or an empty directory
    return manifest


def _copy_state(data_dir: Path, staging: Path) -> dict:
    databases, files = {}, {}
    for path in state_files(data_dir):
        name = path.relative_to(data_dir).as_posix()
        target = staging / name
        private_dir(target.parent)
        try:
            if _is_database(path):
                databases[name] = _copy_database(path, target)
            else:
                files[name] = _copy_file(path, target)
        except FileNotFoundError:
            continue  # removed since it was listed (a lexicon reset): the data dir no longer has it
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": now(), "app_version": app_version(),
            "migrations": LATEST, "data_dir": str(data_dir), "databases": databases, "files": files,
            "not_copied": NOT_COPIED}


def state_files(data_dir: Path) -> list[Path]:
    """Every file of the data dir a backup keeps, sorted. Not the NOT_COPIED directories, not
    SQLite's -wal/-shm/-journal (their content comes through the backup API), not lock files (a
    process holds them; they say nothing) and no dot file or folder: drafts being written, such
    as a secret before it is linked into place or a lexicon save before its rename."""
    found = []
    for folder, subfolders, names in os.walk(data_dir):
        top = Path(folder) == data_dir
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and not (top and name in NOT_COPIED)]
        found += [Path(folder) / name for name in names if _is_state(Path(folder) / name)]
    return sorted(found)


def _is_state(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not path.is_symlink() and not name.startswith(".")
            and not name.endswith(SQLITE_SIDECARS) and not name.endswith(".lock"))


def _is_database(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _copy_database(source: Path, target: Path) -> dict:
    """The database at one instant as one self-contained file: the backup API in a single step
    (one read transaction), then journal_mode DELETE, so no -wal beside the copy holds part of
    it; checked before it is counted."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        entry = _database_entry(copy, target)
    return entry | _fingerprint(target)


def _copy_file(source: Path, target: Path) -> dict:
    with open(source, "rb") as reader, os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE),
                                                  "wb") as writer:
        shutil.copyfileobj(reader, writer)
    return _fingerprint(target)


def _database_entry(db: sqlite3.Connection, path: Path) -> dict:
    problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} 没有通过 SQLite 完整性检查：{'; '.join(problems[:3])}")
    return {"user_version": db.execute("PRAGMA user_version").fetchone()[0], "tables": row_counts(db)}


def row_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Rows per table, every table of the database by name."""
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: db.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            for name in names}


def _fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def app_version() -> str:
    try:
        return metadata.version("elder-care-advisor")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


# -- restore ---------------------------------------------------------------------------------
def restore_backup(source: Path | str, data_dir: Path | str, force: bool = False,
                   prepare: Callable[[Path], None] | None = None) -> dict:
    """Make `data_dir` what the backup `source` holds; returns its manifest.

    Every file is checked first (`verify`). The backup is then copied into a new directory
    beside the data dir, its schema migrated up to this program's there, `prepare` run on it
    (the CLI rebuilds the search index) — and only then is it swapped in for the data dir. So
    the data dir is at every moment either the old one whole or the restored one whole, and a
    backup that fails a check or a copy that fails half-way leaves it as it was. A data dir that
    is not empty is replaced only with `force`. Stop the server first: its workers keep the old
    files open and would go on writing into them.
    """
    source, data_dir = Path(source).resolve(), Path(data_dir).resolve()
    if source.is_relative_to(data_dir):
        raise BackupError(f"{source} 在数据目录 {data_dir} 里面：恢复会删掉它，请先把备份移到数据目录以外")
    manifest = verify(source)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())) and not force:
        raise BackupError(f"数据目录 {data_dir} 不是空的，恢复不会覆盖它；确定要用备份替换其中的全部内容时加 --force")
    with _failures(f"恢复没有完成，{data_dir} 保持原样"), _staging_beside(data_dir, "restore") as staging:
        for name in (*manifest["databases"], *manifest["files"]):
            private_dir((staging / name).parent)
            _copy_file(source / name, staging / name)
        Store.in_dir(staging).close()  # an older backup's schema is migrated here, not in the data dir
        if prepare:
            prepare(staging)
        replaced = _swap_in(staging, data_dir)
    if replaced:
        shutil.rmtree(replaced, ignore_errors=True)
        if replaced.exists():
            raise BackupError(f"已恢复到 {data_dir}，但原来的数据目录（改名为 {replaced}）没能删除，请手动删除")
    return manifest


def verify(source: Path) -> dict:
    """The backup's manifest, once every file it lists is there and whole (size and SHA-256)
    and every database passes integrity_check with the schema version and row counts the
    manifest gives; otherwise a BackupError naming the file."""
    manifest = _read_manifest(source)
    for name, entry in (*manifest["databases"].items(), *manifest["files"].items()):
        _check_file(source / name, entry)
    for name, entry in manifest["databases"].items():
        _check_database(source / name, entry)
    return manifest


def _read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"找不到备份目录 {source}")
    if not path.is_file():
        raise BackupError(f"{source} 不是养老顾问的备份：找不到 {path}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise BackupError(f"{path} 已损坏，读不出备份清单（{exc}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} 不是养老顾问的备份清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path} 是第 {manifest.get('format_version')} 版的备份格式，本程序只认第 {FORMAT_VERSION} 版")
    _check_listing(path, manifest)
    return manifest


def _check_listing(path: Path, manifest: dict) -> None:
    """The manifest names files inside the backup only, and a knowledge.db this program can open."""
    databases, files = manifest.get("databases"), manifest.get("files")
    if not isinstance(databases, dict) or not isinstance(files, dict) or DB_NAME not in databases:
        raise BackupError(f"{path} 不完整或被改动过：没有列出 {DB_NAME}")
    for name in (*databases, *files):
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            raise BackupError(f"{path} 被改动过：列出了备份目录以外的文件 {name}")
    schema = databases[DB_NAME].get("user_version", 0)
    if schema > LATEST:
        raise BackupError(f"{path.parent / DB_NAME} 的数据库结构是 v{schema}，比本程序（v{LATEST}）新：请先升级程序再恢复")


def _check_file(path: Path, entry: dict) -> None:
    if not path.is_file():
        raise BackupError(f"备份不完整：缺少 {path}")
    if path.stat().st_size != entry.get("bytes") or _fingerprint(path)["sha256"] != entry.get("sha256"):
        raise BackupError(f"{path} 已损坏：与备份清单的校验和不符（文件被截断或改动过）")


def _check_database(path: Path, entry: dict) -> None:
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            found = _database_entry(db, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是可用的 SQLite 数据库（{exc}）") from None
    if found != {"user_version": entry.get("user_version"), "tables": entry.get("tables")}:
        raise BackupError(f"{path} 的表或行数与备份清单不符")


@contextmanager
def _staging_beside(final: Path, purpose: str) -> Iterator[Path]:
    """A private directory next to `final` — on the same file system, so moving it into place is
    one rename — removed again unless the caller moved it there."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.{purpose}-", dir=final.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, data_dir: Path) -> Path | None:
    """Rename the restored directory into place; returns where the data dir it replaced went.
    That one is renamed aside first and is to be removed only once the restored one has its name
    (it is put back if that rename fails)."""
    if not data_dir.exists():
        os.rename(staging, data_dir)
        return None
    old = data_dir.with_name(f".{data_dir.name}.replaced-{secrets.token_hex(4)}")
    os.rename(data_dir, old)
    try:
        os.rename(staging, data_dir)
    except BaseException:
        os.rename(old, data_dir)
        raise
    return old


@contextmanager
def _failures(outcome: str) -> Iterator[None]:
    """A full disk, a missing permission or an unreadable database is one line naming what
    failed and what state things are left in, not a traceback."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        where = f"：{exc.filename}" if getattr(exc, "filename", None) else ""
        raise BackupError(f"{outcome}（{getattr(exc, 'strerror', None) or exc}{where}）") from exc


def _write_private(path: Path, data: bytes) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb") as handle:
        handle.write(data)
