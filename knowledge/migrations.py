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


def _v3_conversations_and_cases(db: sqlite_utils.Database) -> None:
    """Adds what the conversation layer and the advisors' console keep: sessions, the message
    log, cases (转介/转人工/代办) with their event trail, and an audit log of console actions."""
    db["sessions"].create(
        {"user_id": str, "channel": str, "state": str, "updated_at": float, "paused_by": str, "paused_at": str},
        pk="user_id",
    )
    db["messages"].create(
        {"id": int, "user_id": str, "channel": str, "direction": str, "text": str, "intent": str,
         "confidence": float, "handoff": int, "answered": int, "sources": str, "feedback": str,
         "handled": int, "at": str},
        pk="id",
        not_null={"user_id", "direction", "text", "at"},
        defaults={"feedback": "", "handled": 0, "handoff": 0, "answered": 0, "sources": "[]"},
    )
    db["messages"].create_index(["user_id", "id"])
    db["messages"].create_index(["at"])
    db["messages"].create_index(["answered"])
    _v3_cases(db)
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "action": str, "target": str, "detail": str}, pk="id",
    )


def _v3_cases(db: sqlite_utils.Database) -> None:
    """Cases and their events; `number` (ZJ-20261122-0007) is unique so two writers can never share one."""
    db["cases"].create(
        {"id": int, "number": str, "kind": str, "user_id": str, "channel": str, "need": str, "region": str,
         "region_code": str, "contact_phone": str, "consent": int, "summary": str, "status": str,
         "assignee": str, "due_date": str, "created_at": str, "updated_at": str},
        pk="id",
        not_null={"number", "kind", "status"},
        defaults={"status": "new", "consent": 0},
    )
    db["cases"].create_index(["number"], unique=True)
    db["cases"].create_index(["status"])
    db["cases"].create_index(["user_id"])
    db["case_events"].create(
        {"id": int, "case_id": int, "at": str, "actor": str, "action": str, "status": str, "note": str},
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["case_events"].create_index(["case_id", "id"])


def _v4_console_accounts(db: sqlite_utils.Database) -> None:
    """Console accounts: a password hash (never the password), a role, and the counters that
    lock an account after repeated failed logins."""
    db["users"].create(
        {"name": str, "role": str, "password_hash": str, "active": int, "failed_logins": int,
         "locked_until": str, "created_at": str, "last_login": str},
        pk="name",
        not_null={"role", "password_hash"},
        defaults={"active": 1, "failed_logins": 0, "locked_until": "", "last_login": ""},
    )
    db["audit_log"].create_index(["at"])


def _v5_conversations_per_channel(db: sqlite_utils.Database) -> None:
    """Sessions, messages and cases key on the conversation, "<channel>:<user id>" (see
    `advisor.reply.conversation_id`): a user id is unique only within its channel. Rows kept
    under the bare id get their channel put in front; rows without a channel or id stay."""
    for table in ("sessions", "messages", "cases"):
        db.execute(f"UPDATE {table} SET user_id = channel || ':' || user_id "
                   "WHERE channel IS NOT NULL AND channel != '' AND user_id IS NOT NULL AND user_id != ''")


def _v6_urgent_seen(db: sqlite_utils.Database) -> None:
    """Which emergency and scam replies an advisor has seen (the console's urgent list shows the
    others at the top until someone marks them); one row per reply, who and when."""
    db["urgent_seen"].create({"message_id": int, "seen_by": str, "seen_at": str}, pk="message_id")


def _v7_console_sessions_and_login_throttle(db: sqlite_utils.Database) -> None:
    """Console sessions kept server-side, so logout, a password reset and disabling an account
    end every copy of a cookie (only a hash of the session id is kept: a copied database opens
    no session); and failed logins counted per client address and typed name, so guesses lock
    out the guessing client rather than the account for everyone. The users table's
    failed_logins and locked_until columns are no longer written."""
    db["console_sessions"].create({"id_hash": str, "name": str, "created_at": str}, pk="id_hash")
    db["console_sessions"].create_index(["name"])
    db["login_failures"].create(
        {"client": str, "name": str, "first_at": str, "count": int, "locked_until": str},
        pk=("client", "name"), not_null={"count"}, defaults={"count": 0, "locked_until": ""},
    )
    db["login_failures"].create_index(["name"])
    db.execute("UPDATE users SET failed_logins = 0, locked_until = ''")


def _v8_canned_replies_and_notes(db: sqlite_utils.Database) -> None:
    """常用回复 an advisor inserts when answering a taken-over conversation, and private notes on
    a conversation that only advisors read (the elder never sees them)."""
    db["canned_replies"].create({"id": int, "text": str, "created_by": str, "created_at": str}, pk="id")
    db["conversation_notes"].create({"id": int, "user_id": str, "at": str, "author": str, "text": str}, pk="id")
    db["conversation_notes"].create_index(["user_id", "id"])


# The tables several nodes share, as PostgreSQL gets them (knowledge.store.Store.shared): the
# state the migrations above leave them in. A migration that changes one of these changes these
# scripts too; tests/knowledge/test_shared_schema.py compares the columns of both backends.
SHARED_TABLES = ("sessions", "users", "console_sessions", "login_failures", "audit_log", "messages", "cases",
                 "case_events", "urgent_seen", "canned_replies", "conversation_notes", "imports", "records",
                 "record_versions")
POSTGRES_SHARED = """
CREATE TABLE IF NOT EXISTS sessions (user_id TEXT PRIMARY KEY, channel TEXT, state TEXT, updated_at REAL,
    paused_by TEXT, paused_at TEXT);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    active INTEGER DEFAULT 1, failed_logins INTEGER DEFAULT 0, locked_until TEXT DEFAULT '',
    created_at TEXT, last_login TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS console_sessions (id_hash TEXT PRIMARY KEY, name TEXT, created_at TEXT);
CREATE INDEX IF NOT EXISTS idx_console_sessions_name ON console_sessions (name);
CREATE TABLE IF NOT EXISTS login_failures (client TEXT, name TEXT, first_at TEXT,
    count INTEGER NOT NULL DEFAULT 0, locked_until TEXT DEFAULT '', PRIMARY KEY (client, name));
CREATE INDEX IF NOT EXISTS idx_login_failures_name ON login_failures (name);
CREATE TABLE IF NOT EXISTS audit_log (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at TEXT,
    actor TEXT, action TEXT, target TEXT, detail TEXT);
CREATE INDEX IF NOT EXISTS idx_audit_log_at ON audit_log (at);
CREATE TABLE IF NOT EXISTS messages (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL, channel TEXT, direction TEXT NOT NULL, text TEXT NOT NULL, intent TEXT,
    confidence REAL, handoff INTEGER DEFAULT 0, answered INTEGER DEFAULT 0, sources TEXT DEFAULT '[]',
    feedback TEXT DEFAULT '', handled INTEGER DEFAULT 0, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_messages_user_id_id ON messages (user_id, id);
CREATE INDEX IF NOT EXISTS idx_messages_at ON messages (at);
CREATE INDEX IF NOT EXISTS idx_messages_answered ON messages (answered);
CREATE TABLE IF NOT EXISTS cases (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, number TEXT NOT NULL,
    kind TEXT NOT NULL, user_id TEXT, channel TEXT, need TEXT, region TEXT, region_code TEXT, contact_phone TEXT,
    consent INTEGER DEFAULT 0, summary TEXT, status TEXT NOT NULL DEFAULT 'new', assignee TEXT, due_date TEXT,
    created_at TEXT, updated_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS idx_cases_number ON cases (number);
CREATE INDEX IF NOT EXISTS idx_cases_status ON cases (status);
CREATE INDEX IF NOT EXISTS idx_cases_user_id ON cases (user_id);
CREATE TABLE IF NOT EXISTS case_events (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id BIGINT REFERENCES cases (id), at TEXT, actor TEXT, action TEXT, status TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS idx_case_events_case_id_id ON case_events (case_id, id);
CREATE TABLE IF NOT EXISTS urgent_seen (message_id INTEGER PRIMARY KEY, seen_by TEXT, seen_at TEXT);
CREATE TABLE IF NOT EXISTS canned_replies (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, text TEXT,
    created_by TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS conversation_notes (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id TEXT, at TEXT, author TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS idx_conversation_notes_user_id_id ON conversation_notes (user_id, id);
CREATE TABLE IF NOT EXISTS imports (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, actor TEXT,
    started_at TEXT, finished_at TEXT, paths TEXT, summary TEXT);
"""
# The knowledge records and their change log. `seq` is drawn from an identity sequence when a
# change is written, and every index catches up on `seq > last`: record writers take turns
# (Store.transaction), so changes commit in the order of their seqs and no reader skips one.
POSTGRES_RECORDS = """
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
    text TEXT NOT NULL, region TEXT, region_code TEXT, source_title TEXT, source_issuer TEXT, doc_no TEXT,
    source_date TEXT, source_file TEXT, heading_path TEXT, units TEXT, valid_from TEXT, valid_to TEXT, tags TEXT,
    attrs TEXT, content_hash TEXT, status TEXT NOT NULL DEFAULT 'active', version INTEGER DEFAULT 1,
    created_at TEXT, updated_at TEXT, retired_at TEXT, origin TEXT);
CREATE INDEX IF NOT EXISTS idx_records_kind_status ON records (kind, status);
CREATE INDEX IF NOT EXISTS idx_records_region_code ON records (region_code);
CREATE INDEX IF NOT EXISTS idx_records_origin ON records (origin);
CREATE TABLE IF NOT EXISTS record_versions (seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    record_id TEXT, version INTEGER, action TEXT, actor TEXT, at TEXT, data TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS idx_record_versions_record_id_version ON record_versions (record_id, version);
"""

MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_records, _v2_imports_and_retirement, _v3_conversations_and_cases, _v4_console_accounts,
    _v5_conversations_per_channel, _v6_urgent_seen, _v7_console_sessions_and_login_throttle,
    _v8_canned_replies_and_notes,
)
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
