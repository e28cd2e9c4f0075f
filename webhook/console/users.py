"""Accounts and the audit log (admins only): add an advisor, change a role, reset a password,
unlock, disable. Every change is audited; passwords never are."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from knowledge.accounts import ROLE_LABELS, ROLES, AccountError
from knowledge.audit import AuditLog
from webhook.console import audit_view, context
from webhook.console.auth import admin_required

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("/")
@admin_required
def index():
    return render_template("console/users.html", accounts=context.accounts().list(), roles=ROLES,
                           role_labels=ROLE_LABELS)


@bp.post("/")
@admin_required
def add():
    form = request.form
    return _change(lambda a: a.add(form.get("name", ""), form.get("role", ""), form.get("password", "")),
                   "user_add", form.get("name", "").strip(), f"已添加用户 {form.get('name', '').strip()}",
                   role=form.get("role", ""))


@bp.post("/<name>/role")
@admin_required
def set_role(name):
    role = request.form.get("role", "")
    return _change(lambda a: a.set_role(name, role), "user_role", name, f"{name} 的角色已改为 {ROLE_LABELS.get(role, role)}",
                   role=role)


@bp.post("/<name>/password")
@admin_required
def set_password(name):
    password = request.form.get("password", "")
    return _change(lambda a: a.set_password(name, password), "user_password", name, f"{name} 的密码已重置")


@bp.post("/<name>/active")
@admin_required
def set_active(name):
    active = request.form.get("active") == "1"
    return _change(lambda a: a.set_active(name, active), "user_enable" if active else "user_disable", name,
                   f"{name} 已{'启用' if active else '停用'}")


@bp.post("/<name>/unlock")
@admin_required
def unlock(name):
    return _change(lambda a: a.unlock(name), "user_unlock", name, f"{name} 已解锁")


def _change(action, audit_action: str, target: str, done: str, **detail):
    try:
        action(context.accounts())
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        context.audit(audit_action, target, **detail)
        flash(done, "success")
    return redirect(url_for("console.users.index"))


@bp.get("/audit")
@admin_required
def audit():
    log = AuditLog(context.store())
    actor, action = request.args.get("actor") or None, request.args.get("action") or None
    return render_template("console/audit.html", entries=log.list(500, actor=actor, action=action),
                           actions=log.actions(), actor=actor or "", action=action or "", words=audit_view)
