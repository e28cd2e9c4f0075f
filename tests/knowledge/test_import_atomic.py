"""One import is one transaction: `kill -9` half-way leaves the store exactly as before."""
import os
import signal
import subprocess
import sys
import time

import pytest

from knowledge.store import Store

pytestmark = pytest.mark.slow


def snapshot(store: Store) -> tuple:
    return (store.db.execute("SELECT count(*), coalesce(max(seq), 0) FROM record_versions").fetchone(),
            store.db.execute("SELECT group_concat(content_hash) FROM records").fetchone())


def test_kill_during_import_leaves_store_unchanged(data_dir, tmp_path):
    store = Store.in_dir(data_dir)
    small = tmp_path / "first.csv"
    small.write_text("名称,市\n南宁长者饭堂,南宁\n", encoding="utf-8")
    from knowledge.importing import import_paths

    import_paths(store, [small])
    before = snapshot(store)
    big = tmp_path / "big.csv"
    big.write_text("名称,市,地址\n" + "".join(f"养老机构{i},南宁,民族大道{i}号\n" for i in range(20000)), encoding="utf-8")
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    with subprocess.Popen([sys.executable, "-m", "webhook.cli", "import", str(big)], env=env,
                          stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as proc:
        started = proc.stderr.readline()  # "写入 N 条记录…" is printed when the writing begins
        assert "写入" in started, started
        time.sleep(0.5)
        assert proc.poll() is None, "import finished before it could be killed; make the file bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert snapshot(Store.in_dir(data_dir)) == before
    assert snapshot(store) == before
