"""`advisor init` runs on every `make run` and must never undo an advisor's work: it updates a
shipped record only while the store still holds what init itself last wrote there."""
import json
import shutil

import pytest
from click.testing import CliRunner

import knowledge.cli
from knowledge.cli import STARTER_DIR, load_starter
from knowledge.records import Record
from knowledge.store import Store
from webhook.cli import main

RECORD = "nn-overview"  # the first record of nanning-2024-14.json
SHIPPED_FILE = "nanning-2024-14.json"


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A copy of the shipped knowledge that init reads, so a test can play the upstream release."""
    directory = tmp_path / "shipped"
    shutil.copytree(STARTER_DIR, directory)
    monkeypatch.setattr(knowledge.cli, "STARTER_DIR", directory)
    return directory


@pytest.fixture
def store(shared_store, shipped):
    """The shipped knowledge loaded, once per backend (the records in knowledge.db or PostgreSQL)."""
    load_starter(shared_store)
    return shared_store


def release(shipped, record_id: str, **changes) -> None:
    """Upstream changes one shipped record (or drops it, with changes=None)."""
    path = shipped / SHIPPED_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    if changes:
        data["records"] = [r | changes if r["id"] == record_id else r for r in data["records"]]
    else:
        data["records"] = [r for r in data["records"] if r["id"] != record_id]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def edit(store: Store, record_id: str, text: str) -> None:
    store.put(store.get(record_id).record.with_changes(text=text), actor="console:alice")


def test_init_twice_writes_no_new_versions_also_after_an_edit(store):
    seq = store.last_seq()
    load_starter(store)
    assert store.last_seq() == seq
    edit(store, RECORD, "顾问改写的概况。")
    seq = store.last_seq()
    for _ in range(2):
        report = load_starter(store)
        assert report.changes["inserted"] == report.changes["updated"] == 0
    assert store.last_seq() == seq


def test_an_edited_record_survives_init_and_is_reported(store):
    edit(store, RECORD, "顾问改写的概况。")
    report = load_starter(store)
    assert store.get(RECORD).record.text == "顾问改写的概况。"
    assert [v.actor for v in store.history(RECORD)] == ["init", "console:alice"]
    assert report.changes["kept"] == 1 and report.conflicts == []


def test_a_retired_shipped_record_stays_retired(store, shipped):
    store.retire(RECORD, "console:alice")
    seq = store.last_seq()
    report = load_starter(store)
    assert store.get(RECORD).status == "retired" and store.last_seq() == seq
    assert report.changes["kept"] == 1
    release(shipped, RECORD, text="发布方更新了概况。")
    report = load_starter(store)
    stored = store.get(RECORD)
    assert stored.status == "retired" and "发布方" not in stored.record.text and store.last_seq() == seq
    assert report.conflicts == [RECORD]


def test_an_upstream_change_to_an_unedited_record_is_applied(store, shipped):
    release(shipped, RECORD, text="发布方更新了概况。")
    report = load_starter(store)
    assert store.get(RECORD).record.text == "发布方更新了概况。"
    assert [v.actor for v in store.history(RECORD)] == ["init", "init"]
    assert report.changes["updated"] == 1 and report.changes["kept"] == 0 and report.conflicts == []


def test_a_record_an_advisor_put_back_to_the_shipped_text_takes_upstream_changes(store, shipped):
    """Retired and restored, or edited and reverted: the store again holds what init wrote, so
    nothing of the advisor's would be lost and the release applies."""
    shipped_text = store.get(RECORD).record.text
    store.retire(RECORD, "console:alice")
    store.restore(RECORD, "console:alice")
    edit(store, RECORD, "顾问改写的概况。")
    edit(store, RECORD, shipped_text)
    release(shipped, RECORD, text="发布方更新了概况。")
    report = load_starter(store)
    assert store.get(RECORD).record.text == "发布方更新了概况。" and report.changes["updated"] == 1


def test_an_upstream_change_to_an_edited_record_is_reported_not_applied(store, shipped):
    edit(store, RECORD, "顾问改写的概况。")
    release(shipped, RECORD, text="发布方更新了概况。")
    seq = store.last_seq()
    report = load_starter(store)
    assert store.get(RECORD).record.text == "顾问改写的概况。" and store.last_seq() == seq
    assert report.conflicts == [RECORD] and report.changes["updated"] == 0


def test_a_record_dropped_upstream_stays_as_it_is(store, shipped):
    """As before this fix: init reads JSON files, which never retire what they no longer hold."""
    seq = store.last_seq()
    release(shipped, RECORD)
    load_starter(store)
    assert store.get(RECORD).status == "active" and store.last_seq() == seq


def test_new_shipped_records_are_still_added(store, shipped):
    path = shipped / SHIPPED_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["records"].append(data["records"][0] | {"id": "nn-new", "title": "南宁：新增的一条"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edit(store, RECORD, "顾问改写的概况。")
    report = load_starter(store)
    assert store.get("nn-new").record.title == "南宁：新增的一条" and report.changes["inserted"] == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_advisor_init_says_which_edits_it_kept(data_dir, shipped, backend, request, monkeypatch):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    monkeypatch.setenv("ADVISOR_DATABASE_URL", url)
    run = lambda: CliRunner().invoke(main, ["init"], catch_exceptions=False)
    run()
    store = Store.in_dir(data_dir, url)
    edit(store, RECORD, "顾问改写的概况。")
    edit(store, "nn-target-2026", "顾问改写的目标。")
    release(shipped, "nn-target-2026", text="发布方更新了目标。")
    store.close()
    result = run()
    assert result.exit_code == 0, result.output
    assert "保留了顾问修改过的 2 条" in result.output
    assert "nn-target-2026" in result.output and RECORD not in result.output


def test_a_shipped_id_an_advisor_already_uses_is_a_conflict(fresh_store, shipped):
    """The release brings an id the store holds but init never wrote: that record is someone's."""
    path = shipped / SHIPPED_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["records"].append(data["records"][0] | {"id": "nn-new", "title": "南宁：发布的新记录", "text": "发布的内容。"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    mine = Record.from_dict({"id": "nn-new", "kind": "service", "title": "顾问自己写的", "text": "顾问的内容。"})
    fresh_store.put(mine, actor="console:alice", origin="console")
    report = load_starter(fresh_store)
    assert fresh_store.get("nn-new").record.text == "顾问的内容。" and report.conflicts == ["nn-new"]
