"""Logging configured once per process: JSON lines for machines or console text for people (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import sys
import time

from axiom.settings import Settings

# Keys that must never appear in log output, whatever a caller passes in `extra`.
_SECRET_KEYS = frozenset({"password", "secret", "token", "authorization", "encryption_key", "api_key"})
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = "[redacted]" if key.lower() in _SECRET_KEYS else value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings, service: str) -> None:
    """Route the root logger to stderr in the configured format; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # The neo4j driver logs every notification at INFO; keep it quiet unless asked.
    logging.getLogger("neo4j").setLevel(max(logging.WARNING, root.level))
    # Alembic announces each of its plugins at INFO on every run; the migrations themselves stay visible.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, root.level))
