"""看板 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("dashboard", __name__, url_prefix=None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="看板")
