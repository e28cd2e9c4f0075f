"""v3 adds conversations and cases; an existing v2 database must keep every record."""
import sqlite_utils

from knowledge.migrations import LATEST, migrate, schema_version
from knowledge.store import Store

V3_TABLES = {"sessions", "messages", "cases", "case_events", "audit_log"}


def _v2_database(path):
    db = sqlite_utils.Database(path)
    assert migrate(db, target=2) == 2
    db["records"].insert({"id": "nn-1", "kind": "subsidy", "title": "南宁：助餐补助",
                          "text": "给助餐机构运营补助。",
                          "region": "广西壮族自治区南宁市", "region_code": "450100", "heading_path": "[]",
                          "units": "{}", "tags": "[]", "attrs": "{}", "status": "active", "version": 1,
                          "created_at": "2025-01-01", "updated_at": "2025-01-01", "origin": "seed"})
    db["record_versions"].insert({"record_id": "nn-1", "version": 1, "action": "insert", "actor": "cli",
                                  "at": "2025-01-01", "data": "{}"})
    db["imports"].insert({"actor": "cli", "started_at": "2025-01-01", "finished_at": "2025-01-01",
                          "paths": "[]", "summary": "{}"})
    db.close()


def test_v2_database_migrates_to_v3_keeping_records(tmp_path):
    path = tmp_path / "v2.db"
    _v2_database(path)
    store = Store(path)
    try:
        assert schema_version(store.db) == LATEST >= 3
        assert V3_TABLES <= set(store.db.table_names())
        kept = store.get("nn-1")
        assert (kept.record.title, kept.origin, kept.record.region.code) == ("南宁：助餐补助", "seed", "450100")
        assert len(store.history("nn-1")) == 1
        assert store.db["imports"].count == 1
    finally:
        store.close()


def test_v3_columns_and_indexes(fresh_store):
    db = fresh_store.db
    assert set(db["messages"].columns_dict) >= {"user_id", "direction", "answered", "sources", "feedback", "handled"}
    assert db["sessions"].pks == ["user_id"]
    assert {tuple(i.columns) for i in db["messages"].indexes} >= {("user_id", "id"), ("at",), ("answered",)}
    unique = {tuple(i.columns) for i in db["cases"].indexes if i.unique}
    assert ("number",) in unique
    assert {tuple(i.columns) for i in db["cases"].indexes} >= {("status",), ("user_id",)}


def test_migrating_twice_changes_nothing(tmp_path):
    path = tmp_path / "v3.db"
    Store(path).close()
    store = Store(path)
    try:
        assert schema_version(store.db) == LATEST
    finally:
        store.close()
