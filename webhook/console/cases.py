"""转介·代办: the cases advisors follow to their end — from the bot's referral flow and handoffs,
or opened here by hand.

Every change goes through knowledge.cases.CaseBook (which keeps the event trail, attributed
with context.actor()) and is audited. A status change is also told to the elder through their
own channel when the case belongs to a chat user, and the flash says whether it was pushed.
Contact phones stay masked unless the advisor asks to reveal them (audited, one response only).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for

from advisor.session import SessionStore
from knowledge.cases import KIND_LABELS, STATUS_LABELS, Case, CaseBook, CaseNotFound, next_statuses
from knowledge.clock import china_clock
from knowledge.privacy import mask
from webhook.console import context
from webhook.console.cases_forms import (CHANNEL_LABELS, EVENT_LABELS, LIMITS, Filters, actor_label,
                                         consent_error, describe_problem, list_rows, notice_text, parse_due,
                                         read_new_case, refusal)
from webhook.console.handoffs import state as handoff_state
from webhook.console.outbox import send_to_user

bp = Blueprint("cases", __name__, url_prefix="/cases")
LABELS = {"kinds": KIND_LABELS, "statuses": STATUS_LABELS, "channels": CHANNEL_LABELS}


def book() -> CaseBook:
    return CaseBook(context.store())


def account_names() -> list[str]:
    return [account.name for account in context.accounts().list() if account.active]


@bp.get("/")
def index():
    cases = book()
    filters = Filters.from_args(request.args)
    rows = list_rows(cases, filters, context.user().name)
    return render_template("console/cases.html", rows=rows, filters=filters, counts=cases.counts(),
                           handoff_states=_handoff_states([row.case for row in rows]),
                           overdue_count=cases.overdue_count(), accounts=account_names(),
                           **LABELS)


@bp.route("/new", methods=["GET", "POST"])
def new():
    cases, accounts = book(), account_names()
    if request.method == "GET":
        values = {"kind": "referral", "assignee": context.user().name}
        return _form(values, {}, accounts, cases)
    form = read_new_case(request.form, cases.today(), accounts)
    if form.errors:
        return _form(form.values, form.errors, accounts, cases, 400)
    try:
        case = cases.open(form.kind, actor=context.actor(), **form.options)
    except ValueError:  # CaseBook refuses a phone without consent
        return _form(form.values, {"consent": consent_error()}, accounts, cases, 400)
    if form.values["assignee"]:
        case = cases.assign(case.number, form.values["assignee"], context.actor())
    context.audit("case_create", case.number, kind=case.kind, assignee=case.assignee,
                  phone=bool(case.contact_phone), chat_user=bool(case.user_id))
    flash(f"已登记，编号 {case.number}。", "success")
    return redirect(url_for(".show", number=case.number))


def _handoff_states(cases: list[Case]) -> dict[str, str]:
    """转人工 tickets read as the conversation does: 等待顾问 / X 处理中 / 已解决."""
    sessions = SessionStore(context.store())
    return {case.number: handoff_state(case, sessions.paused_by(case.user_id) if case.is_open else "")
            for case in cases if case.kind == "handoff"}


def _form(values: dict, errors: dict, accounts: list[str], cases: CaseBook, status: int = 200):
    return render_template("console/cases_new.html", values=values, errors=errors, accounts=accounts,
                           today=cases.today().isoformat(), limits=LIMITS, **LABELS), status


@bp.get("/<number>")
def show(number):
    return _page(_case_or_404(number))


@bp.post("/<number>/reveal")
def reveal(number):
    """The full phone and summary for this one response; the audit log says who looked."""
    case = _case_or_404(number)
    context.audit("case_reveal", case.number)
    response = _page(case, reveal=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(case: Case, reveal: bool = False):
    cases = book()
    events = [{"at": china_clock(event.at), "actor": actor_label(event.actor),
               "action": EVENT_LABELS.get(event.action, event.action), "status": STATUS_LABELS.get(event.status, ""),
               "note": event.note if reveal else mask(event.note)} for event in cases.events(case.number)]
    html = render_template("console/cases_show.html", case=case, data=case.to_dict(reveal), reveal=reveal,
                           events=events, moves=next_statuses(case.status), overdue=cases.is_overdue(case),
                           editable=reveal or all(mask(text) == text for text in (case.need, case.summary)),
                           accounts=account_names(), today=cases.today().isoformat(), me=context.user().name,
                           limits=LIMITS, **LABELS)
    return make_response(html)


def _case_or_404(number: str) -> Case:
    case = book().get(number)
    if case is None:
        abort(404, description=f"没有编号为 {number} 的案件。")
    return case


@bp.post("/<number>/status")
def status(number):
    before = _case_or_404(number)
    wanted, note = request.form.get("status", ""), request.form.get("note", "").strip()[:LIMITS["note"]]
    if wanted == before.status:
        flash(f"状态本来就是「{STATUS_LABELS[wanted]}」，没有改动。", "warning")
        return _back(number)
    if wanted == "closed" and request.form.get("confirmed") != "1":
        return render_template("console/cases_close.html", case=before, note=note,
                               notice=notice_text(replace(before, status="closed")) if before.user_id else "")
    try:
        case = book().transition(number, wanted, context.actor(), note)
    except (ValueError, CaseNotFound):
        flash(refusal(before, wanted), "error")
        return _back(number)
    flash(f"状态已改为「{STATUS_LABELS[case.status]}」。", "success")
    notified = _tell_the_elder(case)
    context.audit("case_status", number, status=case.status, previous=before.status, notified=notified)
    return _back(number)


@bp.post("/<number>/reopen")
def reopen(number):
    """A closed or finished case taken up again; told to the elder like any status change."""
    before = _case_or_404(number)
    if before.is_open:
        flash(f"案件还没有结束（现在是「{STATUS_LABELS[before.status]}」），不需要重新打开。", "warning")
        return _back(number)
    note = request.form.get("note", "").strip()[:LIMITS["note"]]
    case = book().reopen(number, context.actor(), note)
    flash(f"已重新打开，状态改为「{STATUS_LABELS[case.status]}」。", "success")
    notified = _tell_the_elder(case)
    context.audit("case_reopen", number, previous=before.status, status=case.status, notified=notified)
    return _back(number)


@bp.post("/<number>/describe")
def describe(number):
    """Correct the need and the summary; the trail keeps what they said before."""
    before = _case_or_404(number)
    need, summary = request.form.get("need", "").strip(), request.form.get("summary", "").strip().replace("\r\n", "\n")
    problem = describe_problem(need, summary)
    if problem:
        flash(problem, "error")
        return _back(number)
    if (need, summary) == (before.need, before.summary):
        flash("需求和情况说明没有改动。", "warning")
    else:
        book().describe(number, need, summary, context.actor())
        context.audit("case_edit", number, need=need != before.need, summary=summary != before.summary)
        flash("需求和情况说明已保存。", "success")
    return _back(number)


def _tell_the_elder(case: Case) -> bool:
    """Push the status notice when the case belongs to a chat user; flash what happened."""
    if not (case.user_id and case.channel):
        flash("这个案件没有关联聊天用户，老人收不到自动通知，请电话告知。", "warning")
        return False
    delivery = send_to_user(case.user_id, case.channel, notice_text(case))
    flash(f"通知老人：{delivery.note}", "success" if delivery.sent else "warning")
    return delivery.sent


@bp.post("/<number>/assign")
def assign(number):
    _case_or_404(number)
    name = request.form.get("assignee", "").strip()
    if name and name not in account_names():
        flash(f"没有可用的账号“{name}”。", "error")
        return _back(number)
    book().assign(number, name, context.actor())
    context.audit("case_assign", number, assignee=name)
    flash(f"已分配给 {name}。" if name else "已取消分配。", "success")
    return _back(number)


@bp.post("/<number>/note")
def note(number):
    _case_or_404(number)
    text = request.form.get("note", "").strip()
    if not text:
        flash("备注是空的，没有保存。", "error")
    elif len(text) > LIMITS["note"]:
        flash(f"备注太长了，最多 {LIMITS['note']} 个字。", "error")
    else:
        book().add_note(number, text, context.actor())
        context.audit("case_note", number)
        flash("备注已保存。", "success")
    return _back(number)


@bp.post("/<number>/due")
def due(number):
    _case_or_404(number)
    cases = book()
    value, problem = parse_due(request.form.get("due_date", ""), cases.today())
    if problem:
        flash(problem, "error")
        return _back(number)
    cases.set_due(number, value, context.actor())
    context.audit("case_due", number, due_date=value)
    flash(f"到期日已改为 {value}。", "success")
    return _back(number)


def _back(number: str):
    return redirect(url_for(".show", number=number))
