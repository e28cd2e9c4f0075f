"""gunicorn settings for `advisor serve` (`--config python:webhook.gunicorn_hooks`): server hooks
and the logger class.

The app is preloaded in the master; what each worker must build for itself (threads, SQLite
connections, its searcher) is built lazily per process (webhook/runtime.py). These hooks start
that work as soon as a worker exists instead of on its first request.

gunicorn's own lines (booting, worker timeouts, the access log) go through the app's handlers
(webhook.log_output): one stream of JSON lines on stdout, and the rotating file when it is set,
instead of gunicorn's plain text on stderr beside ours on stdout.
"""
from __future__ import annotations

from gunicorn import glogging

from knowledge import settings
from webhook import log_output, recovery


def post_worker_init(worker) -> None:
    """A new worker opens its advisor and searcher in the background right away, and starts
    sweeping the ledger for answers a dead or hung worker promised (webhook/recovery.py)."""
    runtime = worker.wsgi.extensions.get("runtime")
    if runtime is not None:
        runtime.warm()
        recovery.start_sweeping(runtime)


class Logger(glogging.Logger):
    """gunicorn's error and access logs handed to the root logger's handlers, which are
    installed here already (the master logs before it loads the app) and again by the app."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in [h for h in logger.handlers if getattr(h, "_gunicorn", False)]:
                logger.removeHandler(handler)
            logger.propagate = True
        log_output.install(settings.load())

    def access(self, resp, req, environ, request_time) -> None:
        """One line per request with its fields: the path only, never the query string (it
        carries openids and signatures)."""
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        fields = {"event": "request", "remote": environ.get("REMOTE_ADDR", "-"),
                  "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                  "status": int(status) if status.isdigit() else status, "bytes": getattr(resp, "sent", None),
                  "duration_ms": round(request_time.total_seconds() * 1000, 1)}
        self.access_log.info("%s %s %s", fields["method"], fields["path"], status, extra={"fields": fields})


logger_class = Logger
