"""The audit log: who changed what, when — every console change and every reveal of a phone
or ID number. Rows are only ever inserted; admins read them in the console. It lives in the
store's shared database (Store.shared), so with ADVISOR_DATABASE_URL one log holds what was
done on every node."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from knowledge.store import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict


class AuditLog:
    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None):
        self.db = store.shared
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def record(self, actor: str, action: str, target: str = "", **detail) -> None:
        """One entry; `detail` must not carry secrets (passwords) or unmasked phone numbers."""
        self.db.connection().execute(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            [self.clock().astimezone(timezone.utc).isoformat(timespec="seconds"), actor, action, target,
             json.dumps(detail, ensure_ascii=False, sort_keys=True)])

    def list(self, limit: int = 200, actor: str | None = None, action: str | None = None,
             target: str | None = None) -> list[AuditEntry]:
        where, params = ["1=1"], []
        for column, value in (("actor", actor), ("action", action), ("target", target)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        sql = (f"SELECT id, at, actor, action, target, detail FROM audit_log WHERE {' AND '.join(where)}"
               " ORDER BY id DESC LIMIT ?")
        rows = self.db.connection().execute(sql, [*params, limit]).fetchall()
        return [AuditEntry(id_, at, actor, action_, target_ or "", json.loads(detail or "{}"))
                for id_, at, actor, action_, target_, detail in rows]

    def actions(self) -> list[str]:
        rows = self.db.connection().execute("SELECT DISTINCT action FROM audit_log ORDER BY action").fetchall()
        return [row[0] for row in rows]
