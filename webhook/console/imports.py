"""导入 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("imports", __name__, url_prefix="/import" or None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="导入")
