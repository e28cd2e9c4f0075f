"""导入: upload documents (.txt .md .html .docx .pdf) or directories (.xlsx .csv .json) and import
them into the knowledge, with a progress bar and the import summary, skipped rows included.

Uploads are far larger than a webhook body, so this one route has its own limit,
ADVISOR_IMPORT_MAX_BYTES (set in webhook.errors before the body is read). A bad file never
costs the others, and an import that fails leaves the store exactly as it was.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from knowledge.importers.spreadsheets import template_bytes
from knowledge.importing import SUFFIXES
from knowledge.regions import resolve
from webhook.console import context
from webhook.console.auth import admin_required
from webhook.console.auth import signed_in_account
from webhook.console.imports_jobs import JOBS, ImportLimits, Job, plain_reason, safe_name
from webhook.console.records_form import KIND_LABELS, NATIONAL_WORDS
from webhook.routes import runtime

bp = Blueprint("imports", __name__, url_prefix="/import")
RECENT = 20
ACCEPT = ",".join(SUFFIXES)


@bp.get("/")
def index():
    return _page()


@bp.post("/")
@admin_required
def upload():
    """Save the files, start the job, and go to its progress page."""
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kind, region = request.form.get("kind", "").strip(), request.form.get("region", "").strip()
    error = _check(files, kind, region)
    if error:
        return _page(error, kind=kind, region=region), 400
    data_dir = Path(current_app.config["DATA_DIR"])
    job_id, directory = JOBS.upload_dir(data_dir)
    paths = _save(files, directory)
    account = context.user()
    job = Job(job_id, account.name, [p.name for p in paths], kind, resolve(region).name if region else "")
    rt = runtime()
    JOBS.start(data_dir, job, paths, int(current_app.config["ADVISOR_IMPORT_MAX_BYTES"]),
               ImportLimits.from_config(current_app.config), after=lambda: rt.refresh_searcher(wait=False),
               database_url=current_app.config.get("ADVISOR_DATABASE_URL", ""))
    return redirect(url_for(".job", job_id=job_id), code=303)


@bp.get("/template.xlsx")
def template():
    """The directory template: the headers the importer knows, and what to write under each."""
    return Response(template_bytes(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=directory-template.xlsx"})


@bp.get("/<job_id>")
def job(job_id):
    found = _job(job_id)
    return render_template("console/import_job.html", job=found, kinds=KIND_LABELS)


@bp.get("/<job_id>.json")
def job_json(job_id):
    return jsonify(_job(job_id).public())


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A clear message instead of a dropped connection or a bare 413."""
    limit = int(current_app.config["ADVISOR_IMPORT_MAX_BYTES"])
    message = (f"文件太大：一次最多上传 {_size(limit)}（设置 ADVISOR_IMPORT_MAX_BYTES）。"
               "请把文件拆小后分几次导入。没有导入任何内容。")
    if not _signed_in():  # refused before the console's guard ran: no page with data on it
        return render_template("console/error.html", code=413, title="文件太大", message=message), 413
    return _page(message), 413


def _signed_in() -> bool:
    """webhook.errors refuses an oversize body before the console's login guard runs, so the
    error page looks the account up itself (as the guard would) before showing the import page."""
    if context.user() is None:
        g.console_user = signed_in_account()
    return context.user() is not None


def _check(files, kind: str, region: str) -> str:
    if not files:
        return "请选择要导入的文件。"
    for file in files:
        suffix = Path(safe_name(file.filename)).suffix.lower()
        if suffix not in SUFFIXES:
            return f"{file.filename}：不支持这种文件（可导入 {' '.join(SUFFIXES)}）。"
    if kind and kind not in KIND_LABELS:
        return "请选择记录类别，或选“按文件内容判断”。"
    if region and region not in NATIONAL_WORDS and not resolve(region).code:
        return f"不认识的地区「{region}」：请写省、市或县/区的名称，如“南宁市”“天河区”。"
    return ""


def _save(files, directory: Path) -> list[Path]:
    """Each file under its own name (it becomes the records' origin); same names get a number."""
    paths = []
    for file in files:
        name = safe_name(file.filename)
        target, counter = directory / name, 1
        while target.exists():
            counter += 1
            target = directory / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        file.save(target)
        paths.append(target)
    return paths


def _job(job_id: str) -> Job:
    found = JOBS.get(Path(current_app.config["DATA_DIR"]), job_id)
    if found is None:
        abort(404, description="找不到这个导入任务（可能已过期）。导入结果见“最近导入”。")
    return found


def _page(error: str = "", kind: str = "", region: str = ""):
    return render_template("console/import.html", error=error, kind=kind, region=region, kinds=KIND_LABELS,
                           accept=ACCEPT, limit=_size(int(current_app.config["ADVISOR_IMPORT_MAX_BYTES"])),
                           running=JOBS.running(), recent=_recent())


def _recent() -> list[dict]:
    """The last imports from the store's log (CLI, `advisor init` and the console alike)."""
    recent = []
    for row in context.store().recent_imports(RECENT):
        summary = json.loads(row["summary"] or "{}")
        recent.append({"actor": row["actor"], "started_at": row["started_at"], "finished_at": row["finished_at"],
                       "files": [Path(p).name for p in json.loads(row["paths"] or "[]")],
                       "summary": summary, "skipped": [_skipped_line(line) for line in summary.get("skipped", [])]})
    return recent


def _skipped_line(text: str) -> str:
    """`file:line: reason` (the log's form) → 文件 第N行：原因, in Chinese where known."""
    match = re.match(r"^(.*?)(?::(\d+))?: (.*)$", text)
    if not match:
        return text
    file, line, reason = match.groups()
    return f"{file}{f' 第 {line} 行' if line else ''}：{plain_reason(reason)}"


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit / 1024:.0f} KB"
