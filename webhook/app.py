"""The Flask application factory (flaskr style): config from a mapping, then the environment."""
from __future__ import annotations

from flask import Flask

from index import engine
from index.analysis import ensure_jieba
from knowledge import settings
from knowledge.store import Store
from webhook import errors, logs, metrics, proxies, routes
from webhook.channels.wechat import accepts
from webhook.channels.wxcrypto import InvalidAESKey, decode_aes_key
from webhook.runtime import Runtime


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.load())
    if test_config:
        app.config.update(test_config)
    data_dir = settings.data_dir({"ADVISOR_DATA_DIR": str(app.config["ADVISOR_DATA_DIR"])})
    app.config["DATA_DIR"] = data_dir
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["ADVISOR_MAX_BODY_BYTES"])
    check_channel_keys(app.config)
    logs.init_app(app)
    # Work every worker would repeat is done once here; gunicorn --preload shares it after fork.
    ensure_jieba()
    with Store.in_dir(data_dir, app.config.get("ADVISOR_DATABASE_URL", "")) as store:
        engine.ensure_current(store, engine.IndexFiles(data_dir))
    app.extensions["runtime"] = Runtime(data_dir, app.config, metrics.init_app(app))
    proxies.init_app(app)
    errors.register(app)
    routes.register(app)
    return app


def check_channel_keys(config) -> None:
    """A malformed EncodingAESKey, or an encrypted WECHAT_MESSAGE_MODE without a key, is a
    deployment error: refuse to start, naming the variable, rather than answer every callback
    with a 500 (or refuse every one)."""
    for enabled, key in (("WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY"), ("WECOM_TOKEN", "WECOM_ENCODING_AES_KEY")):
        if config.get(enabled) and config.get(key):
            try:
                decode_aes_key(config[key])
            except InvalidAESKey as exc:
                raise settings.SettingError(f"{key}: {exc}") from None
    if config.get("WECHAT_TOKEN"):
        try:
            accepts(config.get("WECHAT_MESSAGE_MODE", "auto"), config.get("WECHAT_ENCODING_AES_KEY", ""))
        except ValueError as exc:
            raise settings.SettingError(f"WECHAT_MESSAGE_MODE: {exc}") from None

