"""Registering a need (转介): need → place → phone → explicit consent → a case a human follows up.

One question per turn, each short. The phone number is only kept after the person agrees that
an advisor may call it; refusing still registers the need, answered through the chat itself.
"""
from __future__ import annotations

from advisor import intents
from advisor.reply import Reply
from advisor.session import Session
from advisor.slots import extract
from knowledge.cases import CaseBook
from knowledge.privacy import find_phone, mask_phone
from knowledge.regions import Region, from_code

CANCEL = ("算了", "取消", "不用了", "不登记", "不要了")
ASK_NEED = "好的，我帮您登记，顾问会跟进。请问需要什么服务？比如助餐、助浴、上门看病、找养老院、适老化改造。"
ASK_REGION = "请问老人住在哪个市、县（区）？写到区县就行，比如“某某市某某区”。"
ASK_PHONE = "请留一个联系电话，只用于顾问打电话联系您，不做别的用途。不想留电话，回复“不留”。"
ASK_CONSENT = "确认同意顾问用 {phone} 联系您吗？回复“同意”或“不同意”。"


def start(text: str, session: Session, region: Region | None) -> Reply:
    """Begin with whatever the first message already says (需要助餐, 在南宁)."""
    needs = extract(text).needs or tuple(session.slots.get("needs", ()))
    session.pending = {"type": "referral", "summary": text, "need": "、".join(needs),
                       "region": region.code if region else session.region, "phone": "", "step": ""}
    return _next_question(session)


def step(text: str, session: Session, region: Region | None, cases: CaseBook, channel: str) -> Reply:
    """Take the answer to the question we asked, then ask the next one or open the case."""
    state = session.pending
    if any(word in text for word in CANCEL):
        session.pending = {}
        return Reply("好的，已取消登记。需要时随时发“帮我登记”。", "refer")
    asked = state.get("step")
    if region:
        state["region"] = region.code  # a place named at any step is where the elder lives
    if asked == "need":
        state["need"] = "、".join(extract(text).needs) or text[:40]
    elif asked == "phone":
        state["phone"] = find_phone(text) or ("-" if "不留" in text or intents.consent(text) is False else "")
    elif asked == "consent":
        agreed = intents.consent(text)
        if agreed is None:
            return Reply(ASK_CONSENT.format(phone=mask_phone(state["phone"])), "refer")
        return _open_case(session, cases, channel, agreed)
    return _next_question(session, cases, channel)


def _next_question(session: Session, cases: CaseBook | None = None, channel: str = "") -> Reply:
    state = session.pending
    for key, question in (("need", ASK_NEED), ("region", ASK_REGION), ("phone", ASK_PHONE)):
        if not state.get(key):
            state["step"] = key
            return Reply(question, "refer", suggestions=("算了",))
    if state["phone"] == "-" or cases is None:
        return _open_case(session, cases, channel, False) if cases else Reply(ASK_PHONE, "refer")
    state["step"] = "consent"
    return Reply(ASK_CONSENT.format(phone=mask_phone(state["phone"])), "refer", suggestions=("同意", "不同意"))


def _open_case(session: Session, cases: CaseBook, channel: str, consent: bool) -> Reply:
    state, session.pending = session.pending, {}
    region = from_code(state["region"]) if state.get("region") else None
    phone = state["phone"] if consent and state["phone"] != "-" else ""
    case = cases.open("referral", user_id=session.user_id, channel=channel, summary=state["summary"],
                      need=state["need"], region=region.name if region else "",
                      region_code=region.code if region else "", contact_phone=phone, consent=bool(phone))
    how = f"顾问会打 {mask_phone(phone)} 联系您" if phone else "顾问会在这里给您回消息"
    text = (f"已为您登记，编号 {case.number}。\n需求：{case.need}；地区：{case.region or '未填'}。\n"
            f"{how}，一般在{case.due_date}前。想查进度，发“查进度”。")
    return Reply(text, "refer", handoff=True, case_number=case.number, suggestions=("查进度",))
