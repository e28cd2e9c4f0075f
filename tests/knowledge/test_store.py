"""The knowledge store's records, versions and change log: the record tests run once per backend
(`shared_store`: knowledge.db, or a PostgreSQL schema of their own); the file's own ones on SQLite."""
import sqlite3
import threading
import time

import psycopg
import pytest

from knowledge.migrations import LATEST, migrate, schema_version
from knowledge.records import Record, RecordError
from knowledge.store import Store


def make(record_id="nn-1", **changes) -> Record:
    data = {"id": record_id, "kind": "subsidy", "title": "南宁：助餐补助", "text": "给助餐机构运营补助。",
            "region": "南宁", "source": {"title": "方案", "doc_no": "南民发〔2024〕14号", "date": "2024-12-26"},
            "tags": ["助餐"], "attrs": {"amount": "文件未写明金额"}}
    return Record.from_dict(data | changes)


def test_insert_then_same_content_is_unchanged(shared_store):
    assert shared_store.put(make(), "cli") == "inserted"
    assert shared_store.put(make(), "importer") == "unchanged"
    assert [v.action for v in shared_store.history("nn-1")] == ["insert"]


def test_update_keeps_previous_version_with_actor(shared_store):
    shared_store.put(make(), "cli")
    assert shared_store.put(make(text="改了"), "console:alice") == "updated"
    history = shared_store.history("nn-1")
    assert [(v.version, v.action, v.actor) for v in history] == [(1, "insert", "cli"), (2, "update", "console:alice")]
    assert history[0].data["text"] == "给助餐机构运营补助。"
    assert shared_store.get("nn-1").record.text == "改了"


def test_retire_hides_but_keeps(shared_store):
    shared_store.put(make(), "cli")
    assert shared_store.retire("nn-1", "cli")
    assert not shared_store.retire("nn-1", "cli")
    assert shared_store.list() == []
    assert shared_store.get("nn-1").status == "retired"
    assert [s.record.id for s in shared_store.list(status="retired")] == ["nn-1"]
    assert shared_store.restore("nn-1", "cli") and shared_store.count() == 1


def test_list_filters_by_kind_and_region_prefix(shared_store):
    shared_store.put(make("nn-1"), "cli")
    shared_store.put(make("gz-1", kind="base", region="天河"), "cli")
    assert [s.record.id for s in shared_store.list(region_code="440000")] == ["gz-1"]
    assert [s.record.id for s in shared_store.list(region_code="450100")] == ["nn-1"]
    assert [s.record.id for s in shared_store.list(kind="subsidy")] == ["nn-1"]


def test_a_record_round_trips(shared_store):
    record = make(heading_path=["二、工作措施", "2.扩大老年助餐服务"], units={"responsible": ["市民政局"]},
                  valid_to="2026-12-31")
    shared_store.put(record, "cli")
    assert shared_store.get("nn-1").record == record


def test_wal_mode(fresh_store):
    assert fresh_store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_transaction_leaves_store_unchanged(shared_store):
    shared_store.put(make("nn-1"), "cli")
    with pytest.raises(RuntimeError):
        with shared_store.transaction():
            shared_store.put(make("nn-2"), "cli")
            shared_store.put(make("nn-1", text="新"), "cli")
            raise RuntimeError("crash")
    assert shared_store.get("nn-2") is None and shared_store.get("nn-1").record.text == "给助餐机构运营补助。"


@pytest.mark.parametrize("changes, message", [
    ({"kind": "news"}, "kind"), ({"id": "Bad Id"}, "id"), ({"title": ""}, "title"),
    ({"valid_to": "2026年底"}, "valid_to"), ({"units": {"boss": ["x"]}}, "units"),
])
def test_invalid_records_are_refused_with_the_field(changes, message):
    with pytest.raises(RecordError, match=message):
        make(**changes)


def test_migration_from_v1_keeps_every_row(tmp_path):
    path = tmp_path / "old.db"
    import sqlite_utils

    old = sqlite_utils.Database(path)
    migrate(old, target=1)
    old["records"].insert({"id": "old-1", "kind": "policy", "title": "旧记录", "text": "旧内容", "region": "",
                           "region_code": "", "heading_path": "[]", "units": "{}", "tags": "[]", "attrs": "{}",
                           "status": "active", "version": 1, "created_at": "2024-01-01", "updated_at": "2024-01-01"})
    old["record_versions"].insert({"record_id": "old-1", "version": 1, "action": "insert", "actor": "cli",
                                   "at": "2024-01-01", "data": "{}"})
    old.close()
    store = Store(path)
    assert schema_version(store.db) == LATEST
    assert store.get("old-1").record.title == "旧记录"
    assert store.get("old-1").retired_at == ""
    assert len(store.history("old-1")) == 1


def test_newer_schema_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "future.db")
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(tmp_path / "future.db")


def test_a_single_write_needs_no_savepoint_inside_a_transaction(fresh_store):
    """Store.shared on SQLite (OwnConnection): a statement is atomic by itself, so inside a
    transaction it runs as it is (a failing one undoes only itself), and outside one it commits
    on its own — its RETURNING rows read out before that commit."""
    db = fresh_store.db
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    seen = []
    db.conn.set_trace_callback(seen.append)
    with fresh_store.transaction():
        fresh_store.shared.connection().execute("INSERT INTO notes (text) VALUES (?)", ["kept"])
        with pytest.raises(sqlite3.IntegrityError):
            fresh_store.shared.connection().execute("INSERT INTO notes (text) VALUES (?)", [None])
    db.conn.set_trace_callback(None)
    assert not [s for s in seen if "SAVEPOINT" in s]
    assert fresh_store.shared.connection().execute("INSERT INTO notes (text) VALUES (?) RETURNING id",
                                                   ["alone"]).fetchone() == (2,)
    other = sqlite3.connect(fresh_store.path)
    assert [row[0] for row in other.execute("SELECT text FROM notes ORDER BY id")] == ["kept", "alone"]
    other.close()


def test_last_version_by_an_actor_and_its_content_hash(shared_store):
    shared_store.put(make(), "init")
    shared_store.put(make(text="改了"), "console:alice")
    assert shared_store.last_version_by("nn-1", "init").version == 1
    assert shared_store.last_version_by("nn-1", "console:alice").content_hash == make(text="改了").content_hash
    assert shared_store.last_version_by("nn-1", "cli") is None


def test_the_change_log_counts_every_change_in_order(shared_store):
    shared_store.put(make("nn-1"), "cli")
    shared_store.put(make("nn-2"), "cli")
    shared_store.retire("nn-1", "cli")
    changes = shared_store.changes_since(0)
    assert [record_id for _, record_id in changes] == ["nn-1", "nn-2", "nn-1"]
    assert [seq for seq, _ in changes] == sorted(seq for seq, _ in changes)
    assert shared_store.last_seq() == changes[-1][0] and shared_store.changes_since(changes[1][0]) == changes[2:]


def test_record_writers_on_two_nodes_commit_their_changes_in_seq_order(data_dir, tmp_path, postgres_url):
    """Node A's transaction has drawn a seq and not committed; node B's write waits for A's
    commit (the records' advisory lock) instead of committing a later seq first — which an
    index catching up in between would have taken as its last, never reading A's."""
    node_a, node_b = Store.in_dir(data_dir, postgres_url), Store.in_dir(tmp_path / "node-b", postgres_url)
    try:
        with node_a.transaction():
            node_a.put(make("nn-1"), "console:a")
            writing = threading.Thread(target=node_b.put, args=(make("nn-2"), "console:b"))
            writing.start()
            _wait_for(lambda: _advisory_waiters(postgres_url) == 1)
            assert node_b.changes_since(0) == []  # nothing committed: B waits, having drawn no seq
        writing.join(10)
        assert [record_id for _, record_id in node_b.changes_since(0)] == ["nn-1", "nn-2"]
    finally:
        node_a.close()
        node_b.close()


def _advisory_waiters(url: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0]


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
