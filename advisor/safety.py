"""Replies that come before any search: emergencies, scams, medicine, abuse.

The first line tells the person what to do now (call 120 or 110). Nothing here is looked up
by the person's words; scam warnings cite the knowledge base's anti-fraud records when it has
them (found by their tags, not by a search of the message).
"""
from __future__ import annotations

from advisor.reply import Reply
from knowledge.records import Record

ANTI_FRAUD_TAGS = frozenset({"防骗", "诈骗", "反诈", "非法集资", "防诈骗"})
HANDOFF_OFFER = "需要顾问帮忙，回复“转人工”。"

EMERGENCY_LINES = {
    "medical": "请立刻拨打120急救电话！\n打完电话后守在老人身边，开门方便急救人员进来。",
    "missing": "请立刻拨打110报警！\n同时请家人、邻居、社区和物业一起帮忙寻找。",
    "self_harm": "请立刻拨打120急救电话，身边有人的话请一直陪着他，不要让他独处。",
}
MEDICAL = ("吃药的剂量和是不是得了什么病，要由医生看过才能定，我不能代替医生回答。\n"
           "请找家庭医生或去医院就诊；情况紧急请拨打120。\n我可以帮您查家庭病床、医养结合这类政策。")
REPORT_ABUSE = "也可以向村（居）委会、乡镇（街道）或县（区）民政部门反映，或拨打12345政务服务热线。"
ABUSE = f"如果老人正在受到伤害，请立刻拨打110报警。\n{REPORT_ABUSE}"
FRAUD = ("这很可能是骗局：要先交钱、承诺高额返利或“保本高息”的养老项目，请不要交钱、不要转账、"
         "不要告诉对方验证码。\n已经交了钱或拿不准，请拨打110报警，或打12345政务服务热线咨询。")
FRAUD_NOTE = "提醒：拿不准的项目请不要交钱、不要转账；已经交了钱请拨打110报警，或打12345政务服务热线咨询。"


def emergency(kind: str | None) -> Reply:
    line = EMERGENCY_LINES.get(kind or "medical", EMERGENCY_LINES["medical"])
    return Reply(f"{line}\n{HANDOFF_OFFER}", "emergency", suggestions=("转人工",))


def medical() -> Reply:
    return Reply(MEDICAL, "medical", suggestions=("家庭病床怎么申请", "转人工"))


def abuse() -> Reply:
    return Reply(f"{ABUSE}\n{HANDOFF_OFFER}", "abuse", suggestions=("转人工",))


def fraud(records: list[Record]) -> Reply:
    """The warning, then what the knowledge base says about such scams, with its source."""
    anti_fraud = [r for r in records if ANTI_FRAUD_TAGS & set(r.tags)][:1]
    lines = [FRAUD]
    for record in anti_fraud:
        lines.append(f"相关规定：{record.text}\n来源：{record.source.citation()}")
    return Reply("\n".join(lines), "fraud", records=tuple(anti_fraud), suggestions=("转人工",))
