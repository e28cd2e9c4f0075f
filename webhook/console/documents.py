"""文件: every imported document with its metadata and records, correctable in one place.

An import guesses title, region, 文号 and date per document; a wrong guess sits in every record
it made. Here the advisor fixes it once (knowledge.documents.correct: a new version of each
record, audited) instead of editing record after record.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from knowledge.documents import FIELDS, correct, document, documents
from webhook.console import context
from webhook.console.auth import admin_required
from webhook.console.records_form import KIND_LABELS
from webhook.routes import runtime

bp = Blueprint("documents", __name__, url_prefix="/documents")
LABELS = {"title": "标题", "issuer": "发文单位", "doc_no": "文号", "date": "日期（如 2024-12-26）", "region": "地区"}


@bp.get("/")
def index():
    return render_template("console/documents.html", documents=documents(context.store()))


@bp.get("/<key>")
def view(key):
    found = _found(key)
    values = {field: getattr(found.source, field) for field in FIELDS} | {"region": found.region}
    return _page(found, values)


@bp.post("/<key>")
@admin_required
def save(key):
    found = _found(key)
    values = {field: request.form.get(field, "").strip() for field in (*FIELDS, "region")}
    try:
        changed = correct(context.store(), found, values, context.actor())
    except ValueError as error:
        return _page(found, values, str(error)), 400
    context.audit("document_edit", found.source.title, records=changed,
                  **{field: values[field] for field in values})
    runtime().refresh_searcher(wait=False)
    flash(f"已更新这份文件的 {changed} 条记录，机器人从下一个问题起按新信息回答。", "success")
    return redirect(url_for(".view", key=_found_after(found, values).key if changed else key), code=303)


def _page(found, values: dict, error: str = ""):
    return render_template("console/document.html", document=found, values=values, labels=LABELS,
                           kinds=KIND_LABELS, error=error)


def _found(key: str):
    found = document(context.store(), key)
    if found is None:
        abort(404, description="没有这份文件（可能已被停用或改名）。")
    return found


def _found_after(before, values: dict):
    """The document under its new identity (a corrected 文号 or title changes its key)."""
    for candidate in documents(context.store()):
        if {r.record.id for r in candidate.records} == {r.record.id for r in before.records}:
            return candidate
    return before
