"""The Flask application factory (flaskr style): config from a mapping, then the environment."""
from __future__ import annotations

import os

from flask import Flask, current_app, jsonify

from index import engine
from index.analysis import ensure_jieba
from index.search import Searcher
from knowledge import settings
from knowledge.store import Store


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.load())
    if test_config:
        app.config.update(test_config)
    data_dir = settings.data_dir({"ADVISOR_DATA_DIR": str(app.config["ADVISOR_DATA_DIR"])})
    app.config["DATA_DIR"] = data_dir
    # Work every worker would repeat is done once here; gunicorn --preload shares it after fork.
    ensure_jieba()
    engine.ensure_current(Store.in_dir(data_dir), engine.IndexFiles(data_dir))

    @app.get("/healthz")
    def healthz():
        searcher = get_searcher()
        searcher.refresh()
        return jsonify(status="ok", records=len(searcher.records), index_seq=searcher.seq)

    return app


def get_searcher() -> Searcher:
    """One searcher per worker process: open files and SQLite connections must not cross a fork."""
    cache = current_app.extensions.setdefault("searchers", {})
    if os.getpid() not in cache:
        data_dir = current_app.config["DATA_DIR"]
        cache.clear()
        cache[os.getpid()] = Searcher(Store.in_dir(data_dir), data_dir)
    return cache[os.getpid()]
