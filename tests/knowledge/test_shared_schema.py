"""The shared tables have the same columns on both backends: PostgreSQL gets them from one
CREATE script (knowledge.migrations.POSTGRES_SHARED), SQLite from the numbered migrations, and
a migration that changes one without the other fails here."""
from __future__ import annotations

import psycopg

from knowledge.migrations import SHARED_TABLES
from knowledge.store import Store


def test_shared_tables_have_the_same_columns_on_both_backends(data_dir, postgres_url):
    sqlite = Store.in_dir(data_dir)
    postgres = Store.in_dir(data_dir, postgres_url)
    try:
        for table in SHARED_TABLES:
            on_sqlite = {row[1] for row in sqlite.db.execute(f"PRAGMA table_info({table})")}
            with psycopg.connect(postgres_url) as db:
                on_postgres = {row[0] for row in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND table_schema = current_schema()", [table])}
            assert on_sqlite == on_postgres, table
    finally:
        sqlite.close()
        postgres.close()
