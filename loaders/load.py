"""Ingest a mapping's source files: read, validate, reject with reasons, upsert in batches, resolve.

Invariant, per source: rows read = created + updated + unchanged + rejected; values set to null in
loaded records (field issues, `loaders.transform`) are counted apart. A row that fails, a nulled value
and an id repeated with other data are written to the rejects file (`loaders.rejects`) and never stop
the load. After a full snapshot's file, the records it no longer holds are ended (`loaders.snapshots`).
A row whose record was erased on request (`graph.identity.erase`) is rejected with the reason `ERASED`, and its
raw values are not written to the rejects file (they are the personal data that was erased).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from neo4j import AsyncDriver

from graph.ingest import rows as prepare
from graph.ingest.records import PARTY_ENTITIES, Record
from graph.ingest.upsert import write_batch
from graph.migrations import migrate
from graph.planner import replan
from loaders.checkpoint import checkpoint
from loaders.files import FileError, Row, rows
from loaders.mapping import Mapping, Source
from loaders.rejects import Rejects
from loaders.resolve import ResolutionReport, combined, resolve
from loaders.snapshots import end_vanished_records
from loaders.transform import validate

Progress = Callable[[Source, int], None]

ERASED = "erased on request"
PROGRESS_EVERY = 1000  # rows between two progress calls


@dataclass
class SourceReport:
    file: str
    entity: str
    system: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # party records of this source resolved into a party with other records
    rejected: int = 0
    erased: int = 0  # of the rejected: records erased on request
    field_issues: int = 0  # values set to null in loaded records (counted apart from the rows)
    issues_by_field: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0  # rows whose id an earlier row of the file had with other data (last wins)
    ended: int = 0  # snapshot sources: stored records missing from the file, now ended
    revived: int = 0  # snapshot sources: ended records the file holds again
    seen: set[str] | None = field(default=None, repr=False)  # snapshot sources: every id read
    seconds: float = 0.0
    error: str | None = None  # the whole file could not be read

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0


@dataclass
class LoadReport:
    sources: list[SourceReport] = field(default_factory=list)
    resolution: ResolutionReport | None = None
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return sum(s.read for s in self.sources)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.sources)

    @property
    def erased(self) -> int:
        return sum(s.erased for s in self.sources)

    @property
    def field_issues(self) -> int:
        return sum(s.field_issues for s in self.sources)

    @property
    def reject_share(self) -> float:
        """The share of rows rejected as bad input (rows of erased records are not bad input)."""
        return (self.rejected - self.erased) / self.read if self.read else 0.0

    @property
    def failed_files(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error is not None]


def _dedupe(batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """Keep the last row per id. Returns rows, duplicates identical to the kept row, others."""
    last: dict[str, dict[str, Any]] = {}
    for item in batch:
        last[item["id"]] = item
    same = sum(
        1
        for item in batch
        if item is not last[item["id"]] and item["hash"] == last[item["id"]]["hash"]
    )
    return list(last.values()), same, len(batch) - len(last) - same


async def _flush(
    driver: AsyncDriver,
    database: str,
    pending: dict[str, list[dict[str, Any]]],
    report: SourceReport,
    written_ids: set[str],
    reject_erased: Callable[[str], int],
) -> int:
    """Write the pending rows; returns how many rows were rejected as erased records' (counted
    into the report by the caller, which may still be reading)."""
    rejected = 0
    for statement, batch in pending.items():
        if not batch:
            continue
        unique, same, superseded = _dedupe(batch)
        written = await write_batch(driver, database, statement, unique)
        if written.erased:  # every row of an erased record is a reject, duplicates included
            erased = set(written.erased)
            rejected += sum(reject_erased(record_id) for record_id in written.erased)
            batch[:] = [item for item in batch if item["id"] not in erased]
            unique, same, superseded = _dedupe(batch)
        report.created += written.created
        report.updated += written.updated + superseded
        report.unchanged += len(unique) - written.created - written.updated + same
        if statement == "party":
            written_ids.update(item["id"] for item in unique)
        batch.clear()
    return rejected


def records_of(
    path: Path, source: Source, report: SourceReport, rejects: Rejects
) -> Iterator[tuple[Record, Row]]:
    """The valid records of a file; rejected rows, nulled values and repeated ids go to `rejects`."""
    seen: dict[str, tuple[int, int]] = {}  # id -> (first line, hash of its record)
    for row in rows(path, source):
        report.read += 1
        found = validate(source, row)
        if report.seen is not None:  # a rejected row's record has not vanished from the file
            record_id = found.record.id if found.record is not None else found.record_id
            if record_id is not None:
                report.seen.add(record_id)
        if found.record is None:
            report.rejected += 1
            rejects.write(path, source, row, found.reasons)
            continue
        record = found.record
        for issue in found.issues:
            report.field_issues += 1
            report.issues_by_field[issue.field] = report.issues_by_field.get(issue.field, 0) + 1
            rejects.issue(path, source, row, record.id, issue)
        digest = hash(record)  # frozen: hashed by value (cheaper than the stored blake2b hash)
        first = seen.setdefault(record.id, (row.line, digest))
        if first[1] != digest:  # the same id with other data: the last row wins, reported
            report.duplicates += 1
            rejects.duplicate(path, source, row, record.id, first[0])
        yield record, row


@dataclass
class _Batch:
    """Rows read for one write: each statement's rows, and the source rows of each id (to reject
    the rows of an erased record)."""

    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lines: dict[str, list[Row]] = field(default_factory=dict)


def _batches(
    records: Iterator[tuple[Record, Row]],
    source: Source,
    report: SourceReport,
    batch_size: int,
    progress: Progress | None,
) -> Iterator[_Batch]:
    """The file's valid records, prepared for writing, `batch_size` at a time."""
    batch = _Batch()
    for count, (record, row) in enumerate(records, start=1):
        statement = prepare.statement_for(source.entity, record)
        batch.pending.setdefault(statement, []).append(
            prepare.row(source.entity, source.system, record)
        )
        batch.lines.setdefault(record.id, []).append(row)
        if count % batch_size == 0:
            yield batch
            batch = _Batch()
        if progress and count % PROGRESS_EVERY == 0:
            progress(source, report.read)
    yield batch


async def load_source(
    driver: AsyncDriver,
    database: str,
    mapping: Mapping,
    source: Source,
    rejects: Rejects,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> tuple[SourceReport, set[str]]:
    """Load one source; returns its report and the ids of the party records it holds.

    A thread reads, validates and prepares the next batch while the previous one is written, one
    write in flight at a time (so batches land in file order, and reading costs no wall time while
    Neo4j writes). Only the reading thread touches the rejects file until a batch is written; the
    rows of erased records, which a write reports, are rejected after the reading is done."""
    path = mapping.path(source)
    report = SourceReport(file=source.file, entity=source.entity, system=source.system)
    report.seen = set() if source.snapshot else None
    if progress:
        progress(source, 0)  # the source starts: rates count from here
    began = time.perf_counter()
    party_ids: set[str] = set()
    erased_rows: list[Row] = []
    erased = [0]  # rows rejected as erased records' (added to the report once reading is done)

    async def write(batch: _Batch) -> None:
        def reject_erased(record_id: str) -> int:
            found = batch.lines.get(record_id, [])
            erased_rows.extend(found)
            return len(found)

        erased[0] += await _flush(driver, database, batch.pending, report, party_ids, reject_erased)
        checkpoint("batch")

    batches = _batches(
        records_of(path, source, report, rejects), source, report, batch_size, progress
    )
    writing: asyncio.Task[None] | None = None
    try:
        while (batch := await asyncio.to_thread(next, batches, None)) is not None:
            if writing is not None:
                await writing
            writing = asyncio.create_task(write(batch))
    except FileError as exc:
        report.error = str(exc)
    finally:
        if writing is not None:
            await writing
    for row in erased_rows:
        rejects.write(path, source, row, [ERASED], raw=False)
    report.rejected += erased[0]
    report.erased += erased[0]
    if progress:
        progress(source, report.read)
    report.seconds = time.perf_counter() - began
    return report, party_ids


async def load(
    driver: AsyncDriver,
    database: str,
    mapping: Mapping,
    *,
    rejects: IO[bytes] | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
    resolve_identities: bool = True,
) -> LoadReport:
    """Load every source of the mapping in order, resolving identities before each source of other
    records (so orders, interactions and relationships attach to the resolved parties instead of
    being moved later), and once more at the end. A resolution finishes every party record still
    `:Pending` in the graph, this load's and any a killed load left; with none it does nothing."""
    began = time.perf_counter()
    await migrate(driver, database)  # idempotent; resolution needs its indexes
    report = LoadReport()
    sink = Rejects(rejects)
    held: list[set[str]] = []
    runs: list[ResolutionReport] = []

    async def resolve_pending() -> None:
        if resolve_identities:
            checkpoint("resolve")
            found = await resolve(driver, database, priority=mapping.priority)
            if found is not None:
                runs.append(found)

    for source in mapping.sources:
        if source.entity not in PARTY_ENTITIES:
            await resolve_pending()
        found, party_ids = await load_source(
            driver, database, mapping, source, sink, batch_size, progress
        )
        await end_vanished_records(driver, database, source, found)
        report.sources.append(found)
        held.append(party_ids)
    await resolve_pending()
    if any(found.created or found.updated for found in report.sources):
        await replan(driver, database)  # the next statements plan with the new graph's statistics
    if runs:
        report.resolution = combined(runs)
        for found, party_ids in zip(report.sources, held, strict=True):
            found.merged = len(party_ids & report.resolution.merged_ids)
    report.seconds = time.perf_counter() - began
    return report
