"""Versioned schema migrations: a later version opens an older database and keeps every row.

`PRAGMA user_version` holds the number of migrations applied. Each step runs in the same
transaction as the version bump, so a crash mid-migration leaves the old schema intact.
"""
from __future__ import annotations

from typing import Callable

import sqlite_utils


def _v1_records(db: sqlite_utils.Database) -> None:
    """The first schema: current records plus one row per version of each record."""
    db["records"].create(
        {
            "id": str, "kind": str, "title": str, "text": str, "region": str, "region_code": str,
            "source_title": str, "source_issuer": str, "doc_no": str, "source_date": str,
            "source_file": str, "heading_path": str, "units": str, "valid_from": str,
            "valid_to": str, "tags": str, "attrs": str, "content_hash": str, "status": str,
            "version": int, "created_at": str, "updated_at": str,
        },
        pk="id",
        not_null={"kind", "title", "text", "status"},
        defaults={"status": "active", "version": 1},
    )
    db["record_versions"].create(
        {"seq": int, "record_id": str, "version": int, "action": str, "actor": str, "at": str, "data": str},
        pk="seq",
    )
    db["record_versions"].create_index(["record_id", "version"], unique=True)


def _v2_imports_and_retirement(db: sqlite_utils.Database) -> None:
    """Adds when a record was retired, where it came from, and a log of import runs."""
    db["records"].add_column("retired_at", str)
    db["records"].add_column("origin", str)
    db.execute("UPDATE records SET origin = '' WHERE origin IS NULL")
    db["records"].create_index(["kind", "status"])
    db["records"].create_index(["region_code"])
    db["records"].create_index(["origin"])
    db["imports"].create(
        {"id": int, "actor": str, "started_at": str, "finished_at": str, "paths": str, "summary": str},
        pk="id",
    )


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (_v1_records, _v2_imports_and_retirement)
LATEST = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int = LATEST) -> int:
    """Apply the missing migrations up to `target`; returns the version reached."""
    current = schema_version(db)
    if current > LATEST:
        raise RuntimeError(f"database schema v{current} is newer than this program (v{LATEST}); upgrade the program")
    for number in range(current, target):
        with db.atomic():
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
    return schema_version(db)
