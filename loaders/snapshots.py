"""The hook a load (or a dry run) calls after each source: a full snapshot ends its vanished records
(`graph.ingest.snapshots`). Nothing happens for a source that is not a snapshot, or whose file could not
be read (an unreadable extract says nothing about which records vanished)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neo4j import AsyncDriver

from graph.ingest.snapshots import end_vanished, vanished
from loaders.mapping import Source

if TYPE_CHECKING:
    from loaders.load import SourceReport


async def end_vanished_records(
    driver: AsyncDriver, database: str, source: Source, report: SourceReport, *, dry: bool = False
) -> None:
    seen, report.seen = report.seen, None
    if not source.snapshot or seen is None or report.error is not None:
        return
    run = vanished if dry else end_vanished
    found = await run(driver, database, source.system, source.entity, seen)
    report.ended, report.revived = len(found.ended), len(found.revived)
