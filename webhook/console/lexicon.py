"""词典与同义词 (placeholder until this area is built)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("lexicon", __name__, url_prefix="/lexicon" or None)


@bp.get("/")
def index():
    return render_template("console/placeholder.html", title="词典与同义词")
