"""v5 keys sessions, messages and cases on the conversation ("<channel>:<user id>"); rows a v4
database kept under the bare id move with their channel, and nothing is lost."""
import sqlite_utils

from advisor.session import SessionStore
from knowledge.cases import CaseBook
from knowledge.conversations import MessageLog
from knowledge.migrations import migrate
from knowledge.store import Store


def _v4_database(path):
    db = sqlite_utils.Database(path)
    assert migrate(db, target=4) == 4
    db["sessions"].insert_all([
        {"user_id": "lisi", "channel": "wecom", "state": '{"region": "640424"}', "updated_at": 4e9,
         "paused_by": "顾问甲", "paused_at": "2026-11-01"},
        {"user_id": "zhangsan", "channel": "api", "state": "{}", "updated_at": 4e9, "paused_by": "", "paused_at": ""},
    ])
    db["messages"].insert_all([
        {"user_id": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "channel": "wechat", "direction": "in", "text": "你好", "at": "2026-11-01"},
        {"user_id": "zhangsan", "channel": "api", "direction": "in", "text": "查进度", "at": "2026-11-02"},
    ])
    db["cases"].insert_all([
        {"number": "RG-20261101-0001", "kind": "handoff", "user_id": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
         "channel": "wechat", "status": "new", "summary": "转人工"},
        {"number": "DB-20261101-0002", "kind": "errand", "user_id": "", "channel": "", "status": "new",
         "summary": "电话来访，代办高龄津贴"},
    ])
    db.close()


def test_v4_rows_move_to_their_conversations(tmp_path):
    path = tmp_path / "v4.db"
    _v4_database(path)
    store = Store(path)
    try:
        sessions = {row["user_id"] for row in store.db["sessions"].rows}
        assert sessions == {"wecom:lisi", "api:zhangsan"}
        assert [m.text for m in MessageLog(store).transcript("wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M")] == ["你好"]
        assert [m.text for m in MessageLog(store).transcript("api:zhangsan")] == ["查进度"]
        assert [c.number for c in CaseBook(store).list(user_id="wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M")] == ["RG-20261101-0001"]
        hand_made = store.db.execute("SELECT user_id, channel FROM cases WHERE number = 'DB-20261101-0002'").fetchone()
        assert hand_made == ("", "")
        kept = SessionStore(store, ttl=10**10).load("wecom:lisi")
        assert (kept.region, kept.paused_by) == ("640424", "顾问甲")
    finally:
        store.close()
