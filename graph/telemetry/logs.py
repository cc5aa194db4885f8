"""Structured logs: one JSON object a line (or `key=value` text with `LOG_FORMAT=text`).

Every record of the `customer360` loggers is written with its time (UTC, ISO 8601), level, logger
and message, the fields passed as `extra={"fields": {...}}`, and the trace and span ids of the
current OpenTelemetry span when there is one, so a log line can be matched to its trace.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, TextIO

import orjson
from opentelemetry import trace

from graph.config import Settings

ROOT = "customer360"
_HANDLER_NAME = "customer360-structured"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The line's content: standard keys first, then the record's `fields`, then trace ids."""
    line: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": record.getMessage(),
    }
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):
        line.update(extra)
    for key in ("trace_id", "span_id"):
        found = getattr(record, key, None)
        if found is not None:
            line.setdefault(key, found)
    if record.exc_info and record.exc_info[0] is not None:
        line["error"] = logging.Formatter().formatException(record.exc_info)
    return line


_base_factory = logging.getLogRecordFactory()


def _record_with_trace(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every log record made inside a span carries its trace and span ids (taken when the record
    is made: a handler may format it later, outside the span)."""
    record = _base_factory(*args, **kwargs)
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        record.trace_id = format(context.trace_id, "032x")
        record.span_id = format(context.span_id, "016x")
    return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(fields_of(record), default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = fields_of(record)
        head = f"{line.pop('time')} {line.pop('level').upper():7} {line.pop('logger')}: "
        error = line.pop("error", None)
        text = head + str(line.pop("message")) + "".join(f" {k}={v}" for k, v in line.items())
        return text + (f"\n{error}" if error else "")


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to `sys.stderr` as it is when a record is written (as logging's last resort does),
    so a process that swaps stderr (a CLI command run in tests) never logs to a closed one."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]  # read-only: always the current one
        return sys.stderr


def configure(settings: Settings) -> None:
    """Send the `customer360` loggers to the current stderr in the configured format and level
    (configured again, its one handler is replaced by one on the stderr of now)."""
    if logging.getLogRecordFactory() is not _record_with_trace:
        logging.setLogRecordFactory(_record_with_trace)
    logger = logging.getLogger(ROOT)
    logger.setLevel(settings.log_level.upper())
    formatter = TextFormatter() if settings.log_format == "text" else JsonFormatter()
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:  # an earlier command's, on its stderr
            logger.removeHandler(handler)
    handler = _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
