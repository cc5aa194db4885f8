"""`c360 load`: run a load with a progress bar and print its report."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.ops import load_finished, load_progress
from graph.config import Settings
from graph.driver import open_driver
from loaders.load import LoadReport, load
from loaders.mapping import MappingError, Source, read_mapping


def report_table(report: LoadReport) -> Table:
    table = Table(title="load report")
    for column in (
        "file",
        "entity",
        "read",
        "created",
        "updated",
        "unchanged",
        "merged",
        "rejected",
        "s",
        "rows/s",
    ):
        table.add_column(column, justify="left" if column in {"file", "entity"} else "right")
    for s in report.sources:
        table.add_row(
            s.file + (f" [red]({s.error})[/red]" if s.error else ""),
            s.entity,
            str(s.read),
            str(s.created),
            str(s.updated),
            str(s.unchanged),
            str(s.merged),
            str(s.rejected),
            f"{s.seconds:.1f}",
            f"{s.rows_per_second:,.0f}",
        )
    return table


def run_load(
    settings: Settings,
    mapping_path: Path,
    rejects_path: Path | None,
    base: Path | None,
    batch_size: int,
    max_reject_share: float | None,
    console: Console,
) -> int:
    try:
        mapping = read_mapping(mapping_path, base)
    except MappingError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    limit = mapping.max_reject_share if max_reject_share is None else max_reject_share

    async def go() -> LoadReport:
        driver = open_driver(settings)
        try:
            with ExitStack() as stack:
                rejects = stack.enter_context(rejects_path.open("wb")) if rejects_path else None
                progress = stack.enter_context(
                    Progress(
                        SpinnerColumn(),
                        TextColumn("{task.description}"),
                        TimeElapsedColumn(),
                        console=console,
                        transient=True,
                    )
                )
                tasks: dict[int, TaskID] = {}

                def advance(source: Source, read: int) -> None:
                    key = id(source)
                    if key not in tasks:
                        tasks[key] = progress.add_task(source.file)
                    progress.update(tasks[key], description=f"{source.file}: {read:,} rows")
                    load_progress(source.file, read)

                return await load(
                    driver,
                    settings.neo4j_database,
                    mapping,
                    rejects=rejects,
                    batch_size=batch_size,
                    progress=advance,
                )
        finally:
            await driver.close()

    report = asyncio.run(go())
    load_finished(settings, report)
    console.print(report_table(report))
    if report.resolution:
        r = report.resolution
        console.print(
            f"identity: {r.records:,} party records → {r.parties:,} parties "
            f"({r.merged:,} merged, {r.moved:,} moved now, {r.reconciled:,} parties written) "
            f"in {r.seconds:.1f}s"
        )
    console.print(
        f"{report.read:,} rows read, {report.rejected:,} rejected ({report.erased:,} erased on "
        f"request; bad input {report.reject_share:.2%}) "
        f"in {report.seconds:.1f}s" + (f"; rejects in {rejects_path}" if rejects_path else "")
    )
    if report.failed_files:
        return 1
    if report.reject_share > limit:
        console.print(f"[red]rejected share {report.reject_share:.2%} exceeds {limit:.2%}[/red]")
        return 2
    return 0
