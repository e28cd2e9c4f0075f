"""The shared tables have the same columns on both backends: PostgreSQL gets them from one
CREATE script (knowledge.migrations.POSTGRES_SHARED and POSTGRES_RECORDS), SQLite from the
numbered migrations, and a migration that changes one without the other fails here — a column,
its NOT NULL, whether it has a default, or the primary key."""
from __future__ import annotations

import psycopg

from knowledge.migrations import SHARED_TABLES
from knowledge.store import Store

PG_COLUMNS = ("SELECT column_name, is_nullable = 'NO', column_default IS NOT NULL FROM information_schema.columns"
              " WHERE table_name = %s AND table_schema = current_schema()")
PG_KEY = ("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
          " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary")


def test_shared_tables_have_the_same_columns_on_both_backends(data_dir, postgres_url):
    sqlite = Store.in_dir(data_dir)
    postgres = Store.in_dir(data_dir, postgres_url)
    try:
        for table in SHARED_TABLES:
            assert _on_sqlite(sqlite, table) == _on_postgres(postgres_url, table), table
    finally:
        sqlite.close()
        postgres.close()


def _on_sqlite(store: Store, table: str) -> tuple[dict, set]:
    """{column: (NOT NULL, has a default)} of the columns outside the key, and the key's columns
    (a PostgreSQL key is NOT NULL by itself; a SQLite one says so only for INTEGER PRIMARY KEY)."""
    rows = list(store.db.execute(f"PRAGMA table_info({table})"))
    return {r[1]: (bool(r[3]), r[4] is not None) for r in rows if not r[5]}, {r[1] for r in rows if r[5]}


def _on_postgres(url: str, table: str) -> tuple[dict, set]:
    with psycopg.connect(url) as db:
        key = {row[0] for row in db.execute(PG_KEY, [table])}
        columns = {name: (not_null, default) for name, not_null, default in db.execute(PG_COLUMNS, [table])
                   if name not in key}
    return columns, key
