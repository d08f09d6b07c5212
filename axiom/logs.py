"""Logging configured once per process: JSON lines for machines or console text for people (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from axiom.redaction import redact, redact_value
from axiom.settings import Settings

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; secrets redacted from the message, the `extra` fields and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = redact_value(key, value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    """Text lines for people, redacted like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


@dataclass(frozen=True)
class LogSettings:
    """How a process logs (LOG_LEVEL, LOG_FORMAT): the part of `axiom.settings.Settings` logging reads."""

    level: str
    format: str  # "json" or "console"

    @classmethod
    def of(cls, settings: Settings) -> LogSettings:
        return cls(level=settings.log_level, format=settings.log_format)


def log_handler(log: LogSettings, service: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing to `stream` (stderr) in the configured format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s"))
    return handler


def configure_logging(log: LogSettings, service: str) -> None:
    """Route the root logger to stderr in the configured format; idempotent."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler(log, service)]
    root.setLevel(log.level)
    # The neo4j driver logs every notification at INFO; keep it quiet unless asked.
    logging.getLogger("neo4j").setLevel(max(logging.WARNING, root.level))
    # Alembic announces each of its plugins at INFO on every run; the migrations themselves stay visible.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, root.level))
