"""Timing one Cypher statement: its span, its metrics, its share of the request's record, and a
slow-statement log line above the threshold (`LOG_SLOW_STATEMENT_MS`).

A statement is known by a name (`read:Customer#3f2a9c1b`: kind, first label, a digest of the
text) so that logs and metrics can tell statements apart without ever showing their text or their
parameters' values: the slow log gives the parameters' shapes (types, list lengths) only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry.trace import SpanKind

from graph.telemetry import metrics, record, tracing

log = logging.getLogger("customer360.cypher")

_LABEL = re.compile(r"\(\s*\w*\s*:\s*`?(\w+)")
_names: dict[str, str] = {}
SLOW_MS = [500.0]  # LOG_SLOW_STATEMENT_MS, set by `set_slow_threshold` from the settings


def set_slow_threshold(ms: float) -> None:
    SLOW_MS[0] = ms


def name_of(kind: str, text: str) -> str:
    """`kind:FirstLabel#digest` for a statement's text (cached)."""
    key = kind + text
    found = _names.get(key)
    if found is None:
        label = _LABEL.search(text)
        digest = hashlib.blake2s(text.encode(), digest_size=4).hexdigest()
        found = f"{kind}:{label.group(1) if label else 'stmt'}#{digest}"
        if len(_names) < 10_000:
            _names[key] = found
    return found


def shape(value: Any) -> Any:
    """A parameter value's shape: its type, a list's length and first item's shape, a map's keys."""
    if isinstance(value, dict):
        return {str(k): shape(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [f"list[{len(value)}]", shape(value[0])] if value else "list[0]"
    return type(value).__name__


@contextmanager
def timed(name: str, params: dict[str, Any]) -> Iterator[None]:
    """Time the block as the statement `name` with `params` (see the module docstring)."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        attributes = {"db.system.name": "neo4j", "db.query.summary": name}
        with tracing.span("cypher " + name, SpanKind.CLIENT, **attributes):
            yield
    except Exception as exc:
        outcome = type(exc).__name__
        # The class and the Neo4j code only: a server message may quote a value (personal data).
        fields = {"statement": name, "error": outcome, "neo4j_code": getattr(exc, "code", None)}
        found = record.current()
        log.warning("statement failed", extra={"fields": {"request_id": _id(found), **fields}})
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics.STATEMENTS.labels(name, outcome).inc()
        metrics.STATEMENT_SECONDS.labels(name).observe(seconds)
        found = record.current()
        if found is not None:
            found.statements += 1
            found.neo4j_ms += 1000 * seconds
        if 1000 * seconds >= SLOW_MS[0]:
            log.warning(
                "slow statement",
                extra={
                    "fields": {
                        "request_id": _id(found),
                        "statement": name,
                        "ms": round(1000 * seconds, 1),
                        "outcome": outcome,
                        "params": shape(params),
                    }
                },
            )


def _id(found: record.RequestRecord | None) -> str | None:
    return found.request_id if found else None
