"""What goes into the advisor and what comes out: the answer object of DESIGN.md."""
from __future__ import annotations

from dataclasses import dataclass, replace

from knowledge.records import Record


@dataclass(frozen=True)
class Message:
    user_id: str  # as the channel knows the person: a WeChat openid, a WeCom account, an API caller's id
    text: str = ""
    channel: str = "cli"
    region: str = ""  # a division code a channel already knows (a WeChat location message)

    @property
    def conversation(self) -> str:
        return conversation_id(self.channel, self.user_id)


def conversation_id(channel: str, user_id: str) -> str:
    """Whom the advisor talks to, as sessions, cases and the message log key it: "wecom:zhangsan".
    A user id is unique only within its channel, so a WeCom "zhangsan" and a JSON API caller's
    "zhangsan" are two people, and an API caller cannot name a WeChat user's conversation."""
    return f"{channel}:{user_id}"


def channel_user_id(conversation: str, channel: str) -> str:
    """The id `channel` itself knows a conversation's person by (to send them a message)."""
    return conversation.removeprefix(f"{channel}:")


@dataclass(frozen=True)
class Reply:
    reply: str
    intent: str
    handoff: bool = False
    confidence: float = 0.0
    records: tuple[Record, ...] = ()  # what the reply rests on; empty for greetings and safety lines
    suggestions: tuple[str, ...] = ()
    case_number: str = ""

    @property
    def sources(self) -> list[dict]:
        return [source_of(record) for record in self.records]

    def to_dict(self) -> dict:
        """The JSON answer object (`/api/v1/ask`, `advisor ask --json`)."""
        data = {"reply": self.reply, "intent": self.intent, "handoff": self.handoff,
                "confidence": round(self.confidence, 3), "sources": self.sources,
                "suggestions": list(self.suggestions)}
        if self.case_number:
            data["case_number"] = self.case_number
        return data

    def with_text(self, text: str) -> "Reply":
        return replace(self, reply=text)


def source_of(record: Record) -> dict:
    return {"id": record.id, "kind": record.kind, "title": record.title, "region": record.region.name,
            "issuer": record.source.issuer, "doc_no": record.source.doc_no, "date": record.source.date}
