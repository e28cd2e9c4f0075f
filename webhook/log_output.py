"""Where log lines go and what they look like: one line per record on stdout, and in a rotating
file when ADVISOR_LOG_FILE names one; JSON (ADVISOR_LOG_FORMAT=json, the default) or text.

A JSON line is one object: `time` (ISO-8601, UTC), `level`, `logger`, `message`, `pid`, then
the record's structured fields (webhook.logs.event) and `exception` when there is one. Log
stores, `jq` and container runtimes read stdout line by line, so nothing else goes there.

Every line is masked here, whichever logger wrote it (ours, gunicorn's, a library's): phone
and ID numbers in a message, a field or a traceback never reach the output. Only the fields
webhook.logs computes itself (the user hash) are left as they are.

The app installs these handlers on the root logger when it is created (webhook.app), and
gunicorn's own loggers are routed through them (webhook.gunicorn_hooks), so `advisor serve`, the
Flask dev server and the tests all log the same way.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, Iterator, Mapping

from knowledge.privacy import mask

OWN_FIELDS = frozenset({"user"})  # computed by webhook.logs, never free text: a hash must stay followable
APP_LOGGERS = ("webhook", "advisor", "index", "knowledge")  # shown from INFO; everything else from WARNING
BASE_KEYS = ("time", "level", "logger", "message", "pid")


def masked(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Structured fields with every string value masked, except OWN_FIELDS."""
    return {key: mask(value) if isinstance(value, str) and key not in OWN_FIELDS else value
            for key, value in fields.items()}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    return masked(getattr(record, "fields", {}))


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


def _message(record: logging.LogRecord) -> str:
    """The record's `summary` when it has one (webhook.logs: the event's name, as its fields
    follow on their own), else its own message."""
    return mask(str(getattr(record, "summary", None) or record.getMessage()).rstrip())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": _time(record), "level": record.levelname, "logger": record.name,
                "message": _message(record), "pid": record.process}
        line.update((key, value) for key, value in fields_of(record).items() if key not in BASE_KEYS)
        if record.exc_info or record.stack_info:
            line["exception"] = mask(self._trace(record))
        return json.dumps(line, ensure_ascii=False, default=str)

    def _trace(self, record: logging.LogRecord) -> str:
        parts = [self.formatException(record.exc_info)] if record.exc_info else []
        return "\n".join(parts + ([self.formatStack(record.stack_info)] if record.stack_info else []))


class TextFormatter(logging.Formatter):
    """For a person at a terminal: `time LEVEL logger message key=value …`, a traceback below."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{key}={_text_value(value)}" for key, value in fields_of(record).items() if key != "event")
        line = " ".join(part for part in (_time(record), record.levelname, record.name, _message(record), pairs) if part)
        if record.exc_info:
            line += "\n" + mask(self.formatException(record.exc_info))
        return line


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(text, ensure_ascii=False) if not text or any(c in text for c in ' ="\n') else text


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is *now* (gunicorn's worker, pytest's capture), never a stale one."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


class SharedRotatingFileHandler(RotatingFileHandler):
    """A size-rotated file that several processes append to: gunicorn's workers each hold one.

    Python's RotatingFileHandler assumes it is the file's only writer: two workers rotating at
    once rename each other's files, and a worker that did not rotate goes on writing into the
    renamed file. Here every write takes an flock on a lock file beside the log (never rotated
    itself), reopens the log when another process has rotated it (its inode changed, as
    logging's WatchedFileHandler checks, so an external logrotate works too), and only then
    decides whether to rotate. The file is created 0600: the log is operational data of the
    installation, like the databases beside it.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock_path = f"{path}.lock"
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)

    def _open(self):
        return os.fdopen(os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
                         "a", encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with self._file_lock():
                self._follow_rotation()
                if self._full(record):
                    self.doRollover()
                logging.FileHandler.emit(self, record)
        except Exception:
            self.handleError(record)

    def _full(self, record: logging.LogRecord) -> bool:
        """Whether the line would take the file past its size, in bytes (Chinese text is three
        per character; RotatingFileHandler counts characters). An empty file is never rotated,
        however long the line, nor anything but a regular file (/dev/null)."""
        if not os.path.isfile(self.baseFilename):
            return False
        if self.stream is None:
            self.stream = self._open()
        size = os.fstat(self.stream.fileno()).st_size  # every process's lines, flushed after each
        return size > 0 and size + len(self.format(record).encode("utf-8")) + 1 > self.maxBytes

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        fd = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _follow_rotation(self) -> None:
        if self.stream is None:
            return
        try:
            moved = os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
        except FileNotFoundError:
            moved = True
        if moved:
            self.stream.close()
            self.stream = self._open()


class PathsOnly(logging.Filter):
    """The Flask dev server's request lines without their query strings, as gunicorn's access
    log (webhook.gunicorn_hooks): WeChat's carry the openid and the signature."""

    QUERY = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            record.args = (self.QUERY.sub("", record.args[0]), *record.args[1:])
        return True


def log_file(config: Mapping[str, Any]) -> Path | None:
    """ADVISOR_LOG_FILE as a path: a relative one lives in the data dir; None when unset."""
    name = str(config.get("ADVISOR_LOG_FILE") or "").strip()
    if not name:
        return None
    path = Path(name).expanduser()
    return path if path.is_absolute() else Path(config["ADVISOR_DATA_DIR"]).resolve() / path


def install(config: Mapping[str, Any]) -> None:
    """Replace the handlers this module installed before (an app created again, gunicorn's
    logger set up again on a reload) with ones for `config`: stdout, and the file if set."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_advisor_output", False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [StdoutHandler()]
    path = log_file(config)
    if path is not None:
        handlers.append(SharedRotatingFileHandler(path, int(config["ADVISOR_LOG_FILE_MAX_BYTES"]),
                                                  int(config["ADVISOR_LOG_FILE_BACKUPS"])))
    formatter = FORMATTERS[config["ADVISOR_LOG_FORMAT"]]()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._advisor_output = True
        root.addHandler(handler)
    dev_server = logging.getLogger("werkzeug")
    if not any(isinstance(f, PathsOnly) for f in dev_server.filters):
        dev_server.addFilter(PathsOnly())
    for name in APP_LOGGERS:
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.INFO)
