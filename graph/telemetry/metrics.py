"""Prometheus metrics (the official `prometheus-client`), defined once for every layer.

With `PROMETHEUS_MULTIPROC_DIR` set (several uvicorn workers), prometheus-client keeps every
process's values in that folder and `exposition()` adds them up; the folder must be empty when the
server starts (`c360 serve` clears it). docs/operations.md lists each metric with alert rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "c360_http_requests",
    "HTTP requests answered, by GraphQL operation, HTTP status and first error code (OK: none).",
    ["operation", "status", "code"],
)
REQUEST_SECONDS = Histogram(
    "c360_http_request_duration_seconds",
    "Time to answer an HTTP request, by GraphQL operation and first error code.",
    ["operation", "code"],
    buckets=LATENCY_BUCKETS,
)
STATEMENTS = Counter(
    "c360_cypher_statements",
    "Cypher statements run, by statement name and outcome (ok, or the error's class).",
    ["statement", "outcome"],
)
STATEMENT_SECONDS = Histogram(
    "c360_cypher_statement_duration_seconds",
    "Time of one Cypher statement (round trip, records pulled), by statement name.",
    ["statement"],
    buckets=LATENCY_BUCKETS,
)
POOL_IN_USE = Gauge(
    "c360_neo4j_pool_connections_in_use",
    "Bolt connections of the driver's pool lent to a session (sum over workers).",
    multiprocess_mode="livesum",
)
POOL_IDLE = Gauge(
    "c360_neo4j_pool_connections_idle",
    "Bolt connections of the driver's pool open and idle (sum over workers).",
    multiprocess_mode="livesum",
)
REFUSALS = Counter(
    "c360_limit_refusals",
    "Requests refused by a limit: requests (rate), cost (budget spent), too_complex (larger than "
    "the role's budget), auth_failures (an address with too many failed logins).",
    ["limit"],
)
LOADER_ROWS = Counter(
    "c360_loader_rows",
    "Source rows handled by `c360 load`, by entity and outcome (read, written, rejected).",
    ["entity", "outcome"],
)
LOADER_BATCHES = Counter(
    "c360_loader_batches", "Batches written by the loader, by statement name.", ["statement"]
)
RUN_LAST = Gauge(
    "c360_job_last_success_timestamp_seconds",
    "When a job (load, metrics) last finished successfully, Unix time.",
    ["job"],
    multiprocess_mode="max",
)
RUN_SECONDS = Gauge(
    "c360_job_last_duration_seconds",
    "How long the job's last successful run took.",
    ["job"],
    multiprocess_mode="mostrecent",
)
METRICS_COMPUTED = Gauge(
    "c360_metrics_last_computed_timestamp_seconds",
    "When the value metrics were last computed (the newest ValueModel's computedAt), Unix time; "
    "read from the graph at each scrape.",
    multiprocess_mode="max",
)

_OPERATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATIONS = 200  # distinct operation labels per process; later names count as "other"
_seen: set[str] = set()


def operation_label(kind: str | None, name: str | None) -> str:
    """A bounded label for an operation (clients choose names: never an unbounded label set)."""
    if kind is None:
        return "none"
    if name is None or not _OPERATION.fullmatch(name):
        return f"{kind}:anonymous"
    label = f"{kind}:{name}"
    if label in _seen:
        return label
    if len(_seen) >= MAX_OPERATIONS:
        return f"{kind}:other"
    _seen.add(label)
    return label


def pool_counts(driver: Any) -> tuple[int, int] | None:
    """(in use, idle) connections of a neo4j driver's pool, or None when it cannot be read.

    The driver has no public pool statistics (neo4j 5.28 and 6.x): this reads its `_pool`'s
    connections (each with `in_use`) defensively and reports nothing if that shape changes.
    """
    pool = getattr(driver, "_pool", None)
    connections = getattr(pool, "connections", None)
    if not isinstance(connections, dict):
        return None
    try:
        every = [c for queue in list(connections.values()) for c in list(queue)]
        in_use = sum(1 for c in every if getattr(c, "in_use", False))
    except (TypeError, RuntimeError):
        return None
    return in_use, len(every) - in_use


def observe_pool(driver: Any) -> None:
    counts = pool_counts(driver)
    if counts is not None:
        POOL_IN_USE.set(counts[0])
        POOL_IDLE.set(counts[1])


def exposition(multiproc_dir: Path | None) -> tuple[bytes, str]:
    """The text exposition of every metric; every worker's when `multiproc_dir` is set (the
    settings' `PROMETHEUS_MULTIPROC_DIR`, which prometheus-client itself reads at import)."""
    if multiproc_dir is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
