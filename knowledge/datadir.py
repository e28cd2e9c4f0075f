"""The data dir is private to the account that runs the advisor.

knowledge.db and channels.db hold phone and ID numbers, password hashes and access tokens, so
the directory is 0700 and every database in it 0600 — created that way, and tightened when an
older installation left them world-readable. SQLite creates a database's -wal and -shm files
with the database file's own mode, so creating the file 0600 before SQLite opens it covers
them too; the ones left by an older installation are tightened here as well. Secrets the
advisor generates for itself (the console's cookie key, the log-hash key) are files of their
own, created 0600, never readable by anyone else even for an instant.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def private_dir(path: Path | str) -> Path:
    """Create the directory (and its parents) if needed; the directory itself ends up 0700."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def private_database(path: Path | str) -> Path:
    """Make sure the SQLite file at `path` exists 0600 (an empty file is a new database to
    SQLite) before anything opens it; its directory is made private too."""
    path = Path(path)
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_SIDECARS)):
        _tighten(file)
    return path


def private_secret(data_dir: Path | str, name: str) -> str:
    """The random secret kept in the file `name` of the data dir, created once (0600). It is
    written to a file of its own and then linked into place, so a second process starting at
    the same moment reads either nothing (and links its own, losing the race) or all of it."""
    path = private_dir(data_dir) / name
    if not path.exists():
        draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    _tighten(path)
    return path.read_text().strip()


def _tighten(path: Path) -> None:
    try:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass
