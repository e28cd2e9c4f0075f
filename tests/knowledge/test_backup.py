"""`advisor backup` and `advisor restore` (issue 17): a restored data dir is the original table
for table, row for row; a backup taken while another process writes is consistent; a broken or
foreign backup is refused by name and leaves the data dir as it was."""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from index.engine import IndexFiles
from index.lexicon import Lexicon
from knowledge import backup
from knowledge.accounts import Accounts
from knowledge.backup import NOT_COPIED, BackupError, restore_backup, row_counts, take_backup, verify
from knowledge.cases import CaseBook
from knowledge.cli import load_starter
from knowledge.conversations import MessageLog
from knowledge.migrations import LATEST, migrate
from knowledge.records import Record, Source
from knowledge.store import Store
from tests.console.conftest import app_config
from webhook.app import create_app
from webhook.cli import main
from webhook.console.imports_jobs import JOBS_DIR, UPLOADS_DIR
from webhook.ledger import Ledger


def run(data_dir: Path, *args: str):
    return CliRunner().invoke(main, list(args), env={"ADVISOR_DATA_DIR": str(data_dir)})


def table_rows(data_dir: Path) -> dict:
    """Every database of the data dir: its schema, its version and every row of every table."""
    dumped = {}
    for path in sorted(data_dir.glob("*.db")):
        with closing(sqlite3.connect(path)) as db:
            tables = [name for name, in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            dumped[path.name] = {
                "schema": sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr),
                "user_version": db.execute("PRAGMA user_version").fetchone()[0],
                "rows": {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}}
    return dumped


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Path:
    """A data dir as a working installation has it: knowledge, an account with a console
    session, a case, conversations over the JSON API, a WeChat ledger row, an edited dictionary,
    the generated cookie and log-hash keys."""
    data_dir = tmp_path_factory.mktemp("served") / "instance"
    store = Store.in_dir(data_dir)
    load_starter(store)
    accounts = Accounts(store)
    accounts.add("wang", "admin", "a-long-password")
    accounts.open_session("wang")
    CaseBook(store).open("referral", user_id="api:u-case", channel="api", summary="想找助浴服务", need="助浴")
    store.close()
    lexicon = Lexicon(data_dir)
    lexicon.save_dictionary(lexicon.dictionary() + ["助浴车"])
    app = create_app(app_config(data_dir, ADVISOR_SECRET_KEY=""))
    client = app.test_client()
    for user, text in (("u1", "南宁长者饭堂有补贴吗"), ("u1", "那怎么申请"), ("u2", "你好")):
        assert client.post("/api/v1/ask", json={"user_id": user, "text": text}).status_code == 200
    ledger = app.extensions["runtime"].process.ledger
    ledger.claim("wechat:msg-1", "wechat", "o-user-1")
    ledger.answer("wechat:msg-1", ["您好"], "smalltalk")
    app.extensions["runtime"].close()
    return data_dir


def test_a_restored_data_dir_holds_every_row_of_every_table(served, tmp_path):
    made = run(served, "backup", str(tmp_path / "backup"))
    assert made.exit_code == 0, made.output
    restored = tmp_path / "restored"
    result = run(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    original, copy = table_rows(served), table_rows(restored)
    assert set(original) == {"knowledge.db", "channels.db"}
    assert copy == original
    assert all(original["knowledge.db"]["rows"][t] for t in ("records", "messages", "sessions", "users", "cases",
                                                              "console_sessions", "record_versions"))
    assert original["channels.db"]["rows"]["deliveries"] and original["channels.db"]["rows"]["rate_hits"]
    kept = ("secret_key", "log_hash_key", "lexicon/dictionary.txt")
    assert {name: (restored / name).read_bytes() for name in kept} == {name: (served / name).read_bytes()
                                                                       for name in kept}
    files = IndexFiles(restored)
    assert files.built_with(files.dictionary()) and "助浴车" in files.lexicon.dictionary()
    assert files.meta()["count"] == len(original["knowledge.db"]["rows"]["records"])
    private = [restored, *restored.iterdir(), *(tmp_path / "backup").iterdir()]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in private if not p.is_symlink()} == {
        p.name: 0o700 if p.is_dir() else 0o600 for p in private if not p.is_symlink()}


def test_the_manifest_says_what_the_backup_holds(served, tmp_path):
    manifest = take_backup(served, tmp_path / "backup")
    assert json.loads((tmp_path / "backup" / "manifest.json").read_text()) == manifest
    assert manifest["format"] == "advisor-backup" and manifest["app_version"] and manifest["created_at"]
    assert manifest["migrations"] == LATEST and manifest["databases"]["knowledge.db"]["user_version"] == LATEST
    with closing(sqlite3.connect(served / "knowledge.db")) as db:
        assert manifest["databases"]["knowledge.db"]["tables"] == row_counts(db)
    assert set(manifest["files"]) == {"secret_key", "log_hash_key", "lexicon/dictionary.txt"}
    assert not (tmp_path / "backup" / "index").exists() and set(manifest["not_copied"]) == set(NOT_COPIED)


def test_a_restored_data_dir_answers_like_the_original(served, tmp_path):
    take_backup(served, tmp_path / "backup")
    restored = tmp_path / "restored"
    restore_backup(tmp_path / "backup", restored)
    for question in ("南宁长者饭堂有补贴吗", "那怎么申请"):
        asked = [run(d, "ask", question, "--user", "restore-check", "--json") for d in (served, restored)]
        assert [a.exit_code for a in asked] == [0, 0], asked[1].output
        original, copy = (json.loads(a.stdout) for a in asked)
        assert copy == original and original["sources"]


# -- while the data dir is written ------------------------------------------------------------
def keep_writing(data_dir: str, started, stop) -> None:
    """What serving does to both databases, as fast as it can: a new record (its row and its
    version row in one transaction), a turn (question and answer logged together), a ledger claim."""
    store, ledger = Store.in_dir(data_dir), Ledger(Path(data_dir) / "channels.db")
    log, number = MessageLog(store), 0
    while not stop.is_set():
        number += 1
        store.put(Record(id=f"written-{number}", kind="service", title=f"助浴点{number}", text="上门助浴服务",
                         source=Source(title="测试")), actor="test")
        with store.transaction():
            log.log(f"api:w{number}", "api", "in", "有助浴吗")
            log.log(f"api:w{number}", "api", "out", "有的", answered=True)
        ledger.claim(f"wechat:w{number}", "wechat", f"o-{number}")
        if number == 20:
            started.set()
    store.close()
    ledger.close()


def consistent(directory: Path) -> dict:
    """Row counts of a backup or data dir, after checking what each writer transaction keeps
    together: every version of a record has its row in record_versions, every logged question
    its answer."""
    with closing(sqlite3.connect(directory / "knowledge.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        versions, total = db.execute("SELECT (SELECT count(*) FROM record_versions), sum(version) FROM records").fetchone()
        asked, answered = db.execute("SELECT sum(direction = 'in'), sum(direction = 'out') FROM messages").fetchone()
        assert (versions, asked) == (total, answered)
        counts = row_counts(db)
    with closing(sqlite3.connect(directory / "channels.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return counts | {"deliveries": row_counts(db)["deliveries"]}


@pytest.mark.slow
def test_a_backup_taken_while_another_process_writes_is_consistent_and_restores(served, tmp_path):
    live = tmp_path / "live"
    shutil.copytree(served, live, symlinks=True)
    context = multiprocessing.get_context("spawn")
    started, stop = context.Event(), context.Event()
    writer = context.Process(target=keep_writing, args=(str(live), started, stop))
    writer.start()
    try:
        assert started.wait(60), "the writer did not start"
        manifests = [take_backup(live, tmp_path / f"backup-{n}") for n in range(3)]
    finally:
        stop.set()
        writer.join(30)
    assert writer.exitcode == 0
    counts = [consistent(tmp_path / f"backup-{n}") for n in range(3)]
    assert counts[0]["records"] < counts[1]["records"] < counts[2]["records"], "the writer was not writing"
    for n, manifest in enumerate(manifests):
        assert verify(tmp_path / f"backup-{n}") == manifest
        assert {k: v for k, v in counts[n].items() if k != "deliveries"} == manifest["databases"]["knowledge.db"]["tables"]
    restored = tmp_path / "restored"
    restore_backup(tmp_path / "backup-2", restored)
    assert consistent(restored) == counts[2]
    with closing(sqlite3.connect(restored / "knowledge.db")) as db:
        assert row_counts(db) == manifests[2]["databases"]["knowledge.db"]["tables"]


def test_the_backup_holds_commits_still_in_the_wal(served, tmp_path):
    """What copying knowledge.db alone would lose: the commits not yet checkpointed into it."""
    live = tmp_path / "live"
    shutil.copytree(served, live, symlinks=True)
    store = Store.in_dir(live)
    store.db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # what a busy server's open connections leave
    for number in range(30):
        store.put(Record(id=f"recent-{number}", kind="service", title=f"助餐点{number}", text="长者饭堂"), actor="test")
    try:
        take_backup(live, tmp_path / "backup")
        shutil.copy(live / "knowledge.db", tmp_path / "plain-copy.db")
        with closing(sqlite3.connect(tmp_path / "backup" / "knowledge.db")) as db:
            assert db.execute("SELECT count(*) FROM records").fetchone()[0] == store.count()
        with closing(sqlite3.connect(tmp_path / "plain-copy.db")) as db:
            assert db.execute("SELECT count(*) FROM records WHERE id LIKE 'recent-%'").fetchone()[0] == 0
        assert not (tmp_path / "backup" / "knowledge.db-wal").exists()
    finally:
        store.close()


# -- refusals ---------------------------------------------------------------------------------
def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:4096])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def edit_manifest(change):
    def edit(path: Path) -> None:
        manifest = json.loads((path.parent / "manifest.json").read_text())
        change(manifest)
        (path.parent / "manifest.json").write_text(json.dumps(manifest))
    return edit


DAMAGES = {
    "truncated database": ("knowledge.db", truncate, "knowledge.db 已损坏"),
    "changed database": ("channels.db", flip_a_byte, "channels.db 已损坏"),
    "missing key file": ("secret_key", Path.unlink, "缺少"),
    "no manifest": ("manifest.json", Path.unlink, "不是养老顾问的备份"),
    "manifest not JSON": ("manifest.json", lambda p: p.write_text("{half"), "manifest.json 已损坏"),
    "foreign manifest": ("manifest.json", lambda p: p.write_text('{"name": "other"}'), "不是养老顾问的备份清单"),
    "row counts do not match": ("knowledge.db", edit_manifest(
        lambda m: m["databases"]["knowledge.db"]["tables"].update(records=1)), "行数与备份清单不符"),
    "newer schema": ("knowledge.db", edit_manifest(
        lambda m: m["databases"]["knowledge.db"].update(user_version=LATEST + 1)), "请先升级程序"),
    "path outside the backup": ("manifest.json", edit_manifest(
        lambda m: m["files"].update({"../outside": {"bytes": 1, "sha256": ""}})), "备份目录以外"),
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_broken_backup_is_refused_by_name_and_the_data_dir_left_as_it_was(served, tmp_path, damage):
    name, spoil, says = DAMAGES[damage]
    take_backup(served, tmp_path / "backup")
    spoil(tmp_path / "backup" / name)
    target = tmp_path / "instance"
    target.mkdir()
    (target / "knowledge.db").write_bytes(b"the current data")
    before = snapshot(target)
    result = run(target, "restore", str(tmp_path / "backup"), "--force")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and says in result.output
    assert str(tmp_path / "backup") in result.output
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "instance"]


def test_a_directory_that_is_no_backup_is_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    result = run(tmp_path / "instance", "restore", str(tmp_path / "photos"))
    assert result.exit_code == 1 and f"{tmp_path / 'photos'} 不是养老顾问的备份" in result.output
    assert not (tmp_path / "instance").exists()
    missing = run(tmp_path / "instance", "restore", str(tmp_path / "no-such-backup"))
    assert missing.exit_code == 1 and f"找不到备份目录 {tmp_path / 'no-such-backup'}" in missing.output


def test_restore_replaces_a_data_dir_that_is_not_empty_only_with_force(served, tmp_path):
    take_backup(served, tmp_path / "backup")
    target = tmp_path / "instance"
    target.mkdir()
    (target / "notes.txt").write_text("still here")
    refused = run(target, "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1 and "--force" in refused.output and str(target) in refused.output
    assert snapshot(target) == {"notes.txt": b"still here"}
    forced = run(target, "restore", str(tmp_path / "backup"), "--force")
    assert forced.exit_code == 0, forced.output
    assert not (target / "notes.txt").exists() and table_rows(target) == table_rows(served)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "instance"]


def test_a_restore_failing_half_way_leaves_the_data_dir_as_it_was(served, tmp_path):
    take_backup(served, tmp_path / "backup")
    target = tmp_path / "instance"
    shutil.copytree(served, target, symlinks=True)
    store = Store.in_dir(target)
    store.put(Record(id="only-here", kind="service", title="只在这里", text="x"), actor="test")
    store.close()
    before = snapshot(target)

    def disk_full(directory: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(BackupError, match=f"恢复没有完成，{target} 保持原样（No space left on device"):
        restore_backup(tmp_path / "backup", target, force=True, prepare=disk_full)
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "instance"]


def test_an_older_backup_is_migrated_on_restore(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    with closing(sqlite3.connect(old / "knowledge.db")) as db:
        migrate(sqlite_utils.Database(db), target=4)
    take_backup(old, tmp_path / "backup")
    manifest = restore_backup(tmp_path / "backup", tmp_path / "restored")
    assert manifest["databases"]["knowledge.db"]["user_version"] == 4
    with closing(sqlite3.connect(tmp_path / "restored" / "knowledge.db")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_backup_refuses_what_it_must_not_write(served, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "old-backup").write_text("x")
    for dest, says in ((tmp_path / "taken", "已存在且不是空目录"), (served / "backups" / "today", "在数据目录")):
        result = run(served, "backup", str(dest))
        assert result.exit_code == 1 and says in result.output and "Traceback" not in result.output
    assert not (served / "backups").exists()
    empty = run(tmp_path / "never-initialised", "backup", str(tmp_path / "b"))
    assert empty.exit_code == 1 and "advisor init" in empty.output and not (tmp_path / "b").exists()


def test_a_backup_cut_short_leaves_nothing_behind(served, tmp_path, monkeypatch):
    def disk_full(source, target):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(backup, "_copy_file", disk_full)
    with pytest.raises(BackupError, match="备份没有完成.*No space left on device"):
        take_backup(served, tmp_path / "backup")
    assert list(tmp_path.iterdir()) == []


def test_what_is_not_copied_is_named_as_the_layers_name_it(tmp_path):
    from webhook.metrics import DIR_NAME as METRICS_DIR

    assert set(NOT_COPIED) == {IndexFiles(tmp_path).root.name, JOBS_DIR, UPLOADS_DIR, METRICS_DIR}


def test_lock_files_sidecars_and_drafts_are_not_state(tmp_path):
    for name in ("knowledge.db", "knowledge.db-wal", "knowledge.db-shm", "lexicon/write.lock",
                 "lexicon/.dictionary.txt.7.tmp", ".secret_key.7.ab", "lexicon/synonyms.txt", "index/current/x",
                 "import-jobs/j.json", ".instance.restore-x/knowledge.db"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in backup.state_files(tmp_path)] == [
        "knowledge.db", "lexicon/synonyms.txt"]
