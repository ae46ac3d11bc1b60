"""Logs as JSON lines: gunicorn's access and error logs and the application's own log
(``zhanqun``), one object a line on the streams gunicorn writes to, ready for a log shipper.

``gunicorn.conf.py`` names :class:`JsonLogger` as gunicorn's logger class. An access line:

    {"time": "2024-06-01T02:03:04.567Z", "level": "info", "logger": "gunicorn.access",
     "message": "GET /v1/search 200", "pid": 4711, "method": "GET", "path": "/v1/search",
     "query": "q=...", "status": 200, "bytes": 5120, "duration_ms": 12.3,
     "client": "203.0.113.9", "proxy": "127.0.0.1", "referer": "-", "user_agent": "..."}

``client`` is the address the request came from, resolved through the trusted proxies exactly
as the guard resolves it (``--trusted-proxies``); ``proxy`` is the trusted proxy that passed it
on, or null when the client connected itself.
"""

import logging
import traceback
from datetime import UTC, datetime

import orjson
from gunicorn.glogging import Logger

from exchange.guard.clients import ClientAddresses
from exchange.settings import from_env

APP_LOGGER = "zhanqun"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object; fields passed as ``extra={"fields": {...}}`` join it."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return orjson.dumps(entry, default=str).decode()


class JsonLogger(Logger):
    """gunicorn's logger with JSON lines for its own logs and the application's."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.addresses = ClientAddresses.parse(from_env().trusted_proxies)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
        # The application logs where gunicorn's error log goes, in the same format.
        app = logging.getLogger(APP_LOGGER)
        app.handlers = list(self.error_log.handlers)
        app.setLevel(self.loglevel)
        app.propagate = False

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        origin = self.addresses.origin(atoms["h"], environ.get("HTTP_X_FORWARDED_FOR"))
        fields = {
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 3),
            "client": origin.client,
            "proxy": origin.proxy,
            "referer": atoms["f"],
            "user_agent": atoms["a"],
        }
        message = f"{atoms['m']} {atoms['U']} {atoms['s']}"
        try:
            self.access_log.info(message, extra={"fields": fields})
        except Exception:  # a log line must never fail a request; gunicorn does the same
            self.error(traceback.format_exc())
