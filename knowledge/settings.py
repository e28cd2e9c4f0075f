"""One declarative table of settings: it drives defaults, validation, `--help` text and the README.

Every layer reads its configuration from here, so the table lives in the lowest layer.
A setting is read from the environment each time `load()` is called, which lets tests
and the Flask app factory pass their own mapping instead.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False


def _on_off_auto(raw: str) -> str:
    value = {"1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}.get(raw.lower(), raw.lower())
    if value not in ("on", "off", "auto"):
        raise ValueError("must be on, off or auto")
    return value


def _message_mode(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("auto", "plain", "compatible", "safe"):
        raise ValueError("must be plain, compatible, safe or auto")
    return value


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("json", "text"):
        raise ValueError("must be json or text")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _region_name(raw: str) -> str:
    """A place name as people write it (浦北县, 广西南宁); '' for none. Unknown names are refused."""
    from knowledge.regions import resolve

    if raw.strip() and not resolve(raw).code:
        raise ValueError(f"{raw!r} is not a known 省/市/县 name")
    return resolve(raw).name if raw.strip() else ""


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _database_url(raw: str) -> str:
    """'' (SQLite files in the data dir) or a PostgreSQL URL; a typo must not fall back silently."""
    value = raw.strip()
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a postgresql:// URL (or unset for SQLite in the data dir)")
    return value


def _node_name(raw: str) -> str:
    """This node's name in the shared ledger; unset, the host name (one node per machine)."""
    value = raw.strip() or socket.gethostname()
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError("must be a name without blanks or control characters")
    return value


def proxy_networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The reverse proxies' addresses or networks, comma- or space-separated ('' for none).
    Addresses, not a hop count: only an address tells a proxy from a client that reached the
    port directly and sent its own X-Forwarded-For (webhook/proxies.py)."""
    networks = []
    for item in raw.replace(",", " ").split():
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)") from None
        if network.prefixlen == 0:
            raise ValueError(f"{item!r} would trust every client's X-Forwarded-For")
        networks.append(network)
    return tuple(networks)


SETTINGS: tuple[Setting, ...] = (
    Setting("ADVISOR_DATA_DIR", "./instance", "Directory for the SQLite databases, the search index, the metrics files of `advisor serve` and the log file (when ADVISOR_LOG_FILE is a relative path).", Path),
    Setting("ADVISOR_DATABASE_URL", "", "PostgreSQL database that several nodes share (postgresql://user:password@host/db); unset = SQLite files in the data dir. What lives there: the delivery ledger, seen nonces, rate limits, access tokens, conversation sessions and takeovers, console accounts and logins, the audit log, the message log, cases, notes and canned replies, urgent marks, import history, the knowledge records with their versions and change log, and the console's dictionary, synonym and colloquial edits (each node's search index stays in its data dir; docs/storage.md).", _database_url, secret=True),
    Setting("ADVISOR_NODE_NAME", "", "This node's name in the shared delivery ledger (ADVISOR_DATABASE_URL): a claim's process is checked for life only by processes of the same name, so nodes whose process ids say nothing to each other need different names — two containers that share the host's name, say; unset = the host name.", _node_name),
    Setting("ADVISOR_API_TOKEN", "", "Bearer token for POST /api/v1/ask and GET /metrics; unset = loopback clients only.", secret=True),
    Setting("ADVISOR_SECRET_KEY", "", "Secret for console session cookies and CSRF tokens (generated per data dir when unset; several nodes need the same value, or a login made on one is refused by the others).", secret=True),
    Setting("ADVISOR_COOKIE_SECURE", "auto", "Send the console's cookie only over HTTPS: on, off, or auto = on when the request came over HTTPS (X-Forwarded-Proto from a trusted proxy) or the browser addresses the console by a name other than loopback (localhost, 127.0.0.1, ::1).", _on_off_auto),
    Setting("ADVISOR_TRUSTED_PROXIES", "", "Addresses or networks of the reverse proxies in front (e.g. 127.0.0.1 for nginx on the same host; comma-separated). Only a request from one of them has its X-Forwarded-For (the client's address: loopback check, login throttle, logs) and X-Forwarded-Proto (https) believed; unset = no proxy is trusted and those headers are ignored.", proxy_networks),
    Setting("ADVISOR_LOG_HASH_KEY", "", "Key of the hashes that stand for user ids in the logs (HMAC-SHA256; generated per data dir when unset; set the same value on every server whose logs are read together).", secret=True),
    Setting("ADVISOR_LOG_FORMAT", "json", "Log lines on stdout (and in ADVISOR_LOG_FILE): json = one JSON object per line (time, level, logger, message, pid and the event's fields); text = the same for reading at a terminal.", _log_format),
    Setting("ADVISOR_LOG_FILE", "", "Also write the log to this file, rotated by size (e.g. logs/advisor.log; a relative path is inside ADVISOR_DATA_DIR); unset = stdout only.", str),
    Setting("ADVISOR_LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, "Size at which ADVISOR_LOG_FILE is rotated (to .1, .2, …).", _positive_int),
    Setting("ADVISOR_LOG_FILE_BACKUPS", 5, "Rotated log files kept beside ADVISOR_LOG_FILE; older ones are deleted.", _positive_int),
    Setting("ADVISOR_MAX_BODY_BYTES", 65536, "Largest request body accepted by the webhooks and the JSON API (413 above).", _positive_int),
    Setting("ADVISOR_IMPORT_MAX_BYTES", 50 * 1024 * 1024, "Largest file `advisor import` reads; bigger files are reported and skipped.", _positive_int),
    Setting("ADVISOR_IMPORT_TIMEOUT", 600.0, "Seconds a console import may take; it runs in a process of its own, which is stopped past this (the job fails, nothing is imported).", _positive_float),
    Setting("ADVISOR_IMPORT_MEMORY_MB", 1536, "Memory (MB of address space) a console import's process may take on top of its start; past this the file fails to read, nothing of it is imported.", _positive_int),
    Setting("ADVISOR_SESSION_TTL", 1800, "Seconds a conversation's remembered region and last answer stay valid.", _positive_int),
    Setting("ADVISOR_HOME_REGION", "", "The place this deployment serves (e.g. 浦北县): questions that name no place are about it, unless the person said where they live.", _region_name),
    Setting("ADVISOR_ANSWER_CACHE", 1000, "Search results each worker keeps for repeated questions (LRU; any knowledge edit empties it); 0 turns it off.", int),
    Setting("ADVISOR_RATE_LIMIT", 20, "Messages per user per minute; beyond it the user gets a polite \"please wait\" reply.", _positive_int),
    Setting("WECHAT_REPLY_DEADLINE", 4.0, "Seconds a WeChat/WeCom callback waits for the answer before replying \"success\" and sending it through the send API.", float),
    Setting("WECHAT_TOKEN", "", "WeChat Official Account token; unset disables /webhooks/wechat.", secret=True),
    Setting("WECHAT_APP_ID", "", "WeChat Official Account AppID."),
    Setting("WECHAT_APP_SECRET", "", "WeChat AppSecret, for the customer-service send API.", secret=True),
    Setting("WECHAT_ENCODING_AES_KEY", "", "WeChat EncodingAESKey (43 chars) for compatible and safe modes.", secret=True),
    Setting("WECHAT_MESSAGE_MODE", "auto", "Which WeChat message modes /webhooks/wechat accepts: plain (signed URL, body in the clear), compatible (plain and encrypted, as WeChat sends both while an account switches), or safe (only the encrypted body under a valid msg_signature); auto = safe when WECHAT_ENCODING_AES_KEY is set, else plain. Anything else is refused with 403.", _message_mode),
    Setting("WECHAT_API_BASE", "https://api.weixin.qq.com", "Base URL of the WeChat API (a local fake in tests)."),
    Setting("WECOM_TOKEN", "", "WeCom callback token; unset disables /webhooks/wecom.", secret=True),
    Setting("WECOM_CORP_ID", "", "WeCom CorpID."),
    Setting("WECOM_ENCODING_AES_KEY", "", "WeCom EncodingAESKey (43 chars).", secret=True),
    Setting("WECOM_AGENT_ID", "", "WeCom application AgentID."),
    Setting("WECOM_SECRET", "", "WeCom application secret, for the application message API.", secret=True),
    Setting("WECOM_API_BASE", "https://qyapi.weixin.qq.com", "Base URL of the WeCom API (a local fake in tests)."),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


class SettingError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from `environ` (default: os.environ), parsed and validated."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        values[setting.name] = setting.parse(str(setting.default)) if raw in (None, "") else _parse(setting, raw)
    return values


def _parse(setting: Setting, raw: str) -> Any:
    try:
        return setting.parse(raw)
    except ValueError as exc:
        shown = "(secret, not shown)" if setting.secret else repr(raw)  # a database URL carries its password
        raise SettingError(f"{setting.name}={shown}: {exc}") from None


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The data directory, resolved to an absolute path."""
    return Path(load(environ)["ADVISOR_DATA_DIR"]).resolve()
