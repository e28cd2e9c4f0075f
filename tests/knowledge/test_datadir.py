"""Data at rest (issue 13, point 13): the data dir is 0700, every database in it and the files
SQLite makes beside it (-wal, -shm) are 0600, from the first start and after an older install."""
from __future__ import annotations

import os
import stat

from knowledge.datadir import private_secret
from knowledge.store import Store
from webhook.app import create_app
from tests.console.conftest import app_config


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_fresh_data_dir_and_its_databases_are_private(tmp_path):
    data_dir = tmp_path / "instance"
    app = create_app(app_config(data_dir))
    app.extensions["runtime"].process.ledger  # opens channels.db as the first message would
    app.extensions["runtime"].close()
    assert mode(data_dir) == 0o700
    databases = [p for p in data_dir.iterdir() if p.name.endswith((".db", ".db-wal", ".db-shm"))]
    assert {p.name for p in databases} >= {"knowledge.db", "channels.db"}
    assert {p.name: mode(p) for p in databases} == {p.name: 0o600 for p in databases}


def test_wal_and_shm_are_private_while_a_store_is_open(tmp_path):
    store = Store.in_dir(tmp_path / "instance")
    try:
        store.db.execute("CREATE TABLE t (x)")
        sidecars = [tmp_path / "instance" / f"knowledge.db{s}" for s in ("-wal", "-shm")]
        assert all(p.exists() for p in sidecars)
        assert [mode(p) for p in sidecars] == [0o600, 0o600]
    finally:
        store.close()


def test_an_older_world_readable_install_is_tightened(tmp_path):
    data_dir = tmp_path / "instance"
    Store.in_dir(data_dir).close()
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "knowledge.db", 0o644)
    Store.in_dir(data_dir).close()
    assert mode(data_dir) == 0o700 and mode(data_dir / "knowledge.db") == 0o600


def test_a_generated_secret_is_private_and_made_once(tmp_path):
    first = private_secret(tmp_path / "instance", "some_key")
    assert private_secret(tmp_path / "instance", "some_key") == first and len(first) >= 32
    assert mode(tmp_path / "instance" / "some_key") == 0o600
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["some_key"]


def test_everything_the_advisor_command_writes_is_private(data_dir):
    """Index segments, job files and secrets too: `advisor` runs with umask 077."""
    from click.testing import CliRunner
    from webhook.cli import main

    before = os.umask(0o022)
    try:
        results = [CliRunner().invoke(main, args, catch_exceptions=False) for args in (["init"], ["search", "长者饭堂"])]
    finally:
        os.umask(before)
    assert [result.exit_code for result in results] == [0, 0]
    paths = [data_dir, *data_dir.rglob("*")]
    loose = {str(p.relative_to(data_dir)): oct(mode(p)) for p in paths if not p.is_symlink() and mode(p) & 0o077}
    assert len(paths) > 3 and loose == {}
