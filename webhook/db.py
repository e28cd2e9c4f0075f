"""The channels' shared database: the delivery ledger, rate limits, access tokens and seen nonces.

Every WeChat message touches it several times, so the runtime opens one per process and hands
it to all four (nothing crosses a fork): `channels.db` in the data dir, or — with
ADVISOR_DATABASE_URL — the PostgreSQL database every node shares, so that a message, a rate
limit or a token is the same one whichever node a request lands on (knowledge/database.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from knowledge.database import PostgresDb, SqliteDb, open_database

CHANNELS_DB = "channels.db"  # apart from the knowledge db
Database = SqliteDb | PostgresDb


def channels_database(data_dir: Path, config: Mapping[str, Any]) -> Database:
    """The process's channels database: PostgreSQL when ADVISOR_DATABASE_URL is set."""
    return open_database(config.get("ADVISOR_DATABASE_URL") or Path(data_dir) / CHANNELS_DB)


def shared(db: Database | str | Path, schema: str) -> tuple[Database, bool]:
    """(the database to use, whether the caller owns it): the runtime's own for the process, or
    one opened on a path or URL (tests, tools), which its user then closes. `schema` is run either way."""
    owned = not isinstance(db, (SqliteDb, PostgresDb))
    if owned:
        db = open_database(db)
    db.ensure(schema)
    return db, owned
