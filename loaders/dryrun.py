"""`c360 load MAPPING --dry-run`: read and validate every file, then ask the graph (read-only) what a
load would create, update or leave unchanged. Resolves nothing and writes nothing to the graph.

The counts keep the load's invariant: rows read = created + updated + unchanged + rejected. A row whose
id an earlier row of the same file had counts as the load counts it (unchanged when identical, else
updated). A row of a record erased on request counts as rejected (and erased), as in a load.
"""

from __future__ import annotations

import time
from typing import IO, Any

from neo4j import AsyncDriver

from graph.ingest import rows as prepare
from graph.ingest.lookup import Fate, fates
from loaders.files import FileError
from loaders.load import LoadReport, Progress, SourceReport, records_of
from loaders.mapping import Mapping
from loaders.rejects import Rejects
from loaders.snapshots import end_vanished_records


async def _classify(
    driver: AsyncDriver,
    database: str,
    pending: dict[str, list[dict[str, Any]]],
    report: SourceReport,
) -> None:
    for statement, batch in pending.items():
        for found in await fates(driver, database, statement, batch):
            if found is Fate.ERASED:
                report.rejected += 1
                report.erased += 1
            else:
                setattr(report, found.value, getattr(report, found.value) + 1)
        batch.clear()


async def dry_run(
    driver: AsyncDriver,
    database: str,
    mapping: Mapping,
    *,
    rejects: IO[bytes] | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> LoadReport:
    """The report a load of the mapping would give now (without `merged`: nothing is resolved)."""
    began = time.perf_counter()
    report = LoadReport()
    sink = Rejects(rejects)
    for source in mapping.sources:
        path = mapping.path(source)
        found = SourceReport(file=source.file, entity=source.entity, system=source.system)
        found.seen = set() if source.snapshot else None
        if progress:
            progress(source, 0)
        started = time.perf_counter()
        seen: dict[str, str] = {}  # id -> hash of its first row in this file
        pending: dict[str, list[dict[str, Any]]] = {}
        count = 0
        try:
            for record, _ in records_of(path, source, found, sink):
                row = prepare.row(source.entity, source.system, record)
                if row["id"] in seen:  # a repeated id: counted as the load's `_dedupe` counts it
                    if seen[row["id"]] == row["hash"]:
                        found.unchanged += 1
                    else:
                        found.updated += 1
                    continue
                seen[row["id"]] = row["hash"]
                pending.setdefault(prepare.statement_for(source.entity, record), []).append(row)
                count += 1
                if count % batch_size == 0:
                    await _classify(driver, database, pending, found)
                if progress and count % 1000 == 0:
                    progress(source, found.read)
            await _classify(driver, database, pending, found)
        except FileError as exc:
            found.error = str(exc)
        await end_vanished_records(driver, database, source, found, dry=True)
        if progress:
            progress(source, found.read)
        found.seconds = time.perf_counter() - started
        report.sources.append(found)
    report.seconds = time.perf_counter() - began
    return report
