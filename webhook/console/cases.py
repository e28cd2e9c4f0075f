"""转介·代办 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("cases", __name__, url_prefix="/cases" or None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="转介·代办")
