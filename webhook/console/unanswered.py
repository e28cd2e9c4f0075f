"""未答问题 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("unanswered", __name__, url_prefix="/unanswered" or None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="未答问题")
