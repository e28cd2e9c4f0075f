"""命中测试 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("hittest", __name__, url_prefix="/hittest" or None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="命中测试")
