"""The audit log: who changed what, when — every console change and every reveal of a phone
or ID number. Rows are only ever inserted; admins read them in the console."""
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
        self.store = store
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def record(self, actor: str, action: str, target: str = "", **detail) -> None:
        """One entry; `detail` must not carry secrets (passwords) or unmasked phone numbers."""
        with self.store.transaction():
            self.store.db["audit_log"].insert({
                "at": self.clock().astimezone(timezone.utc).isoformat(timespec="seconds"),
                "actor": actor, "action": action, "target": target,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)})

    def list(self, limit: int = 200, actor: str | None = None, action: str | None = None,
             target: str | None = None) -> list[AuditEntry]:
        where, params = ["1=1"], []
        for column, value in (("actor", actor), ("action", action), ("target", target)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        rows = self.store.db.query(sql, [*params, limit])
        return [AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["target"] or "",
                           json.loads(r["detail"] or "{}")) for r in rows]

    def actions(self) -> list[str]:
        return [row[0] for row in self.store.db.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]
