"""What a console request works with: its own Store (SQLite connections are per thread, and a
console request is short; its shared tables in ADVISOR_DATABASE_URL when set), the signed-in
account, and the audit trail.

Views call `store()`, `lexicon()`, `user()` and `audit(...)` instead of opening things themselves, so every
change they make is attributed to the person who made it.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g

from index.lexicon import Lexicon
from index.shared_lexicon import shared_of
from knowledge.clock import china_clock
from knowledge.accounts import Account, Accounts
from knowledge.audit import AuditLog
from knowledge.store import Store
from webhook.console import display


def init(bp: Blueprint) -> None:
    bp.teardown_request(_close_store)
    bp.app_context_processor(_template_globals)


def store() -> Store:
    if "console_store" not in g:
        g.console_store = Store.in_dir(current_app.config["DATA_DIR"], current_app.config.get("ADVISOR_DATABASE_URL", ""))
    return g.console_store


def lexicon() -> Lexicon:
    """The data dir's lexicon; with a shared database (ADVISOR_DATABASE_URL) caught up with
    what any node saved, and saved for every node, attributed to the signed-in account."""
    lexicon = Lexicon(current_app.config["DATA_DIR"], shared_of(store(), actor()))
    lexicon.follow()
    return lexicon


def _close_store(_exc) -> None:
    opened = g.pop("console_store", None)
    if opened is not None:
        opened.close()


def accounts() -> Accounts:
    return Accounts(store())


def user() -> Account | None:
    """The signed-in account, or None (set by auth's guard for every console request)."""
    return g.get("console_user")


def actor() -> str:
    """How changes are attributed in record versions, case events and the audit log."""
    account = user()
    return f"console:{account.name}" if account else "console"


def audit(action: str, target: str = "", **detail) -> None:
    """Write one audit entry for the signed-in user; call it for every change and every reveal."""
    account = user()
    audit_as(account.name if account else "-", action, target, **detail)


def audit_as(name: str, action: str, target: str = "", **detail) -> None:
    """For entries written before anyone is signed in (failed logins)."""
    AuditLog(store()).record(name, action, target, **detail)


def _template_globals() -> dict:
    return {"current_user": user(), "person": display.person,
            "actor_name": display.actor, "origin_name": display.origin, "fact": display.fact,
            "clock": china_clock}
