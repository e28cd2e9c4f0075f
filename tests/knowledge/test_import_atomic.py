"""One import is one transaction: `kill -9` half-way leaves the store exactly as before — on
SQLite and on PostgreSQL (ADVISOR_DATABASE_URL), where the records are then."""
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from knowledge.store import Store

pytestmark = pytest.mark.slow


def snapshot(store: Store) -> tuple:
    db = store.shared.connection()
    return (db.execute("SELECT count(*), coalesce(max(seq), 0) FROM record_versions").fetchone(),
            db.execute("SELECT id, content_hash FROM records ORDER BY id").fetchall())


def _writers_on(url: str) -> int:
    """Transactions holding the record writers' turn (an advisory lock) in PostgreSQL."""
    with psycopg.connect(url) as db:
        return db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").fetchone()[0]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_during_import_leaves_store_unchanged(data_dir, tmp_path, backend, request):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""
    store = Store.in_dir(data_dir, url)
    small = tmp_path / "first.csv"
    small.write_text("名称,市\n南宁长者饭堂,南宁\n", encoding="utf-8")
    from knowledge.importing import import_paths

    import_paths(store, [small])
    before = snapshot(store)
    big = tmp_path / "big.csv"
    big.write_text("名称,市,地址\n" + "".join(f"养老机构{i},南宁,民族大道{i}号\n" for i in range(20000)), encoding="utf-8")
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_DATABASE_URL": url}
    with subprocess.Popen([sys.executable, "-m", "webhook.cli", "import", str(big)], env=env,
                          stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as proc:
        started = proc.stderr.readline()  # "写入 N 条记录…" is printed when the writing begins
        assert "写入" in started, started
        time.sleep(0.5)
        assert proc.poll() is None, "import finished before it could be killed; make the file bigger"
        assert not url or _writers_on(url) == 1, "the import does not write to PostgreSQL"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    again = Store.in_dir(data_dir, url)
    assert snapshot(again) == before and snapshot(store) == before
    again.close()
    store.close()
