"""The console-editable lexicon shared by every node on PostgreSQL (ADVISOR_DATABASE_URL).

The shared table `lexicon` holds one row per override file (dictionary.txt, synonyms.txt,
colloquial.txt): its whole text, a version counted up at each save, when and by whom. Every
node keeps reading its own `<data_dir>/lexicon/` files (index/lexicon.py), so `Lexicon.stamp()`
and all that follows it — synonyms at the next search, a dictionary change rebuilding the index
aside — work as on one box; what this module adds is keeping those files equal to the rows:

* `pull` mirrors a row into its file when the row's version is not the one this process last
  mirrored (one small query, at most every CHECK_EVERY seconds: the searcher asks at each
  search through `Lexicon.stamp()`, a node starting asks before its index is checked);
* a console save (`editing` + `publish`) takes the lexicon writers' turn on every node, mirrors
  the rows first — so adding a pair on node A and another on node B at once keeps both — and
  writes the row in that transaction, the file once it is committed.

A node that has an override the table lacks (one edited before the URL was set) publishes it;
when several do, the first wins and the others mirror it. Without a database URL there is no
SharedLexicon and the files are all there is (SQLite keeps the lexicon file-only).
"""
from __future__ import annotations

import socket
import time
from contextlib import contextmanager
from typing import Iterator

from index.lexicon import NAMES, Lexicon
from knowledge.database import PostgresDb
from knowledge.store import Store, now

CHECK_EVERY = 1.0  # seconds between two looks at the shared versions, per searcher (a console request looks once)
LEXICON_WRITES = "lexicon"  # the turn lexicon writers on every node take (PostgresDb.serialize)
SCHEMA = """
CREATE TABLE IF NOT EXISTS lexicon (name TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL,
    saved_at TEXT, saved_by TEXT);
"""
_UPSERT = ("INSERT INTO lexicon (name, body, version, saved_at, saved_by) VALUES (?, ?, 1, ?, ?) "
           "ON CONFLICT (name) DO UPDATE SET body = excluded.body, version = lexicon.version + 1, "
           "saved_at = excluded.saved_at, saved_by = excluded.saved_by RETURNING version")
_mirrored: dict[tuple[str, str], dict[str, int]] = {}  # (url, lexicon dir) → versions its files hold


def shared_of(store: Store, actor: str = "") -> "SharedLexicon | None":
    """The lexicon table of a store on PostgreSQL (`actor`: who saves, for `saved_by`); None on
    SQLite, where each data dir's files are the lexicon."""
    return SharedLexicon(store.shared, actor) if store.database_url else None


class SharedLexicon:
    def __init__(self, db: PostgresDb, actor: str = ""):
        db.ensure(SCHEMA)
        self.db, self.actor = db, actor
        self._next_check = 0.0  # monotonic seconds
        self._saving: dict[str, str] | None = None  # name → text published in the open `editing`

    def pull(self, lexicon: Lexicon) -> None:
        """Mirror the rows saved since this process last did, on any node; asks the database at
        most every CHECK_EVERY seconds."""
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + CHECK_EVERY
        versions = dict(self.db.connection().execute("SELECT name, version FROM lexicon").fetchall())
        if versions != _mirrored.get(self._key(lexicon)):
            with lexicon.file_lock():
                self._mirror(lexicon)

    def _key(self, lexicon: Lexicon) -> tuple[str, str]:
        return self.db.url, str(lexicon.dir)

    def _mirror(self, lexicon: Lexicon) -> None:
        """Under the lexicon's file lock, so the rows are read after any mirror before ours: a
        process never writes back an older text than another one has just written."""
        rows = self.db.connection().execute("SELECT name, version, body FROM lexicon").fetchall()
        for name, _, body in rows:
            lexicon.mirror(name, body)
        for name in set(NAMES) - {row[0] for row in rows}:
            if (text := lexicon.override_text(name)) is not None:
                self._seed(name, text)
        _mirrored[self._key(lexicon)] = {name: version for name, version, _ in rows}

    def _seed(self, name: str, body: str) -> None:
        """This node's override becomes everyone's, unless another node's got there first (then
        the next pull, seeing a version not mirrored yet, writes that one here)."""
        self.db.connection().execute(
            "INSERT INTO lexicon (name, body, version, saved_at, saved_by) VALUES (?, ?, 1, ?, ?) "
            "ON CONFLICT (name) DO NOTHING", (name, body, now(), f"node:{socket.gethostname()}"))

    @contextmanager
    def editing(self, lexicon: Lexicon) -> Iterator[None]:
        """One save, inside the lexicon's file lock: the writers of every node take turns, each
        starting from the shared rows. What is `publish`ed is written to its file once committed
        (a failed commit leaves the file as the row is)."""
        self._saving = {}
        try:
            with self.db.transaction():
                self.db.serialize(LEXICON_WRITES)
                self._mirror(lexicon)
                yield
                versions = {name: self._upsert(name, text) for name, text in self._saving.items()}
            for name, text in self._saving.items():
                lexicon.write_file(name, text)
            _mirrored[self._key(lexicon)] = _mirrored.get(self._key(lexicon), {}) | versions
        finally:
            self._saving = None

    def publish(self, name: str, text: str) -> None:
        """Inside `editing`: save `text` as the override `name` on every node."""
        self._saving[name] = text

    def _upsert(self, name: str, text: str) -> int:
        return self.db.connection().execute(_UPSERT, (name, text, now(), self.actor)).fetchone()[0]
