"""Batch jobs (`c360 load`, `c360 metrics compute`): their progress and summary as structured log
lines, their rows and last success as metrics.

A CLI run is a short process nobody scrapes: with `METRICS_TEXTFILE_DIR` set, a finished job also
writes its metrics to `<dir>/c360_<job>.prom` for node_exporter's textfile collector. The API's
`/metrics` reports the last metrics run from the graph itself (`last_metrics_run`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, LiteralString

from neo4j import AsyncDriver
from neo4j.exceptions import DriverError, Neo4jError
from prometheus_client import REGISTRY, write_to_textfile

from graph.telemetry.metrics import LOADER_ROWS, RUN_LAST, RUN_SECONDS

log = logging.getLogger("customer360.jobs")

LAST_METRICS_RUN: LiteralString = (
    "MATCH (m:ValueModel) WHERE m.computedAt IS NOT NULL "
    "RETURN max(m.computedAt).epochMillis / 1000.0 AS at"
)


def progress(job: str, **fields: Any) -> None:
    log.info(f"{job} progress", extra={"fields": {"job": job, **fields}})


def rows(entity: str, **counts: int) -> None:
    """Count an entity's rows by outcome (`read=`, `written=`, `rejected=`)."""
    for outcome, n in counts.items():
        if n:
            LOADER_ROWS.labels(entity, outcome).inc(n)


def finished(
    job: str, seconds: float, finished_at: float, textfile_dir: Path | None, **fields: Any
) -> None:
    """A job's summary line and last-success metrics (and textfile, see the module docstring)."""
    RUN_LAST.labels(job).set(finished_at)
    RUN_SECONDS.labels(job).set(seconds)
    summary = {"job": job, "seconds": round(seconds, 2), **fields}
    log.info(f"{job} finished", extra={"fields": summary})
    if textfile_dir is not None:
        textfile_dir.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(textfile_dir / f"c360_{job}.prom"), REGISTRY)


async def last_metrics_run(driver: AsyncDriver, database: str) -> float | None:
    """When the value metrics were last computed (Unix time), from the stored models."""
    try:
        records, _, _ = await driver.execute_query(LAST_METRICS_RUN, database_=database)
    except (Neo4jError, DriverError):
        return None  # the scrape goes on without it
    found = records[0]["at"] if records else None
    return float(found) if found is not None else None
