"""Whether a re-import may overwrite a stored record, or an advisor has made it theirs since.

`advisor init` reloads the shipped knowledge on every start (`make run`). It used to put every
shipped record back as shipped, so an advisor's console edit lasted only until the next start
(the edit survived in the history alone). Now an import that keeps edits writes a record only
while the store still holds exactly what that importer (its actor, `init`) last wrote there:

- no record under the id yet, or the stored one is active and says what the importer last
  wrote → the import writes (insert, update, or unchanged as `Store.put` decides);
- someone else changed it since, or retired it (an importer never retires JSON records) →
  the stored version stays: **kept** when the incoming record is what the importer wrote last
  time (the release did not touch it), else **conflict** — the release changed a record the
  advisor changed too, and only a person can merge the two, so it is reported by id.

"What the importer last wrote", not "any version it ever wrote": an advisor who restores an old
shipped version in the console means it, and it stays. Retire-and-restore, or an edit undone,
brings the store back to the importer's text, and the record takes releases again.
"""
from __future__ import annotations

from knowledge.records import Record
from knowledge.store import Store

KEPT, CONFLICT = "kept", "conflict"


def advisor_claim(store: Store, record: Record, actor: str) -> str:
    """'' when `actor` may write `record`; KEPT or CONFLICT when the stored version is someone else's."""
    stored = store.get(record.id)
    if stored is None:
        return ""
    active = stored.status == "active"
    if active and stored.record.content_hash == record.content_hash:
        return ""  # Store.put: unchanged
    last = store.last_version_by(record.id, actor)
    if last is not None and active and last.content_hash == stored.record.content_hash:
        return ""
    upstream_unchanged = last is not None and last.content_hash == record.content_hash
    return KEPT if upstream_unchanged or stored.record.content_hash == record.content_hash else CONFLICT
