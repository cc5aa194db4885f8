"""`c360 load`: run a load (or a dry run) with progress, print and record its report; `c360 load
history` lists the recorded runs; `c360 load reference` rewrites docs/mappings.md.

`c360 load MAPPING ...` is short for `c360 load run MAPPING ...` (`LoadGroup`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer
from neo4j import AsyncDriver
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from cli import collector
from cli.ops import backup_first as backup_first_of
from cli.ops import configure_logs, load_finished, load_progress
from cli.progress import progress_for
from graph.config import PROJECT_ROOT, Settings, get_settings
from graph.driver import open_driver, run_with
from graph.ingest.history import recent_runs, record_run
from loaders import runs
from loaders.dryrun import dry_run
from loaders.files import check_headers
from loaders.load import LoadReport, load
from loaders.mapping import Mapping, MappingError, Source, read_mapping

REJECTS_DIR = PROJECT_ROOT / "var" / "rejects"
COLUMNS = ("file", "entity", "read", "created", "updated", "unchanged", "merged", "rejected",
           "field issues", "duplicates", "ended", "s", "rows/s")  # fmt: skip


class LoadGroup(TyperGroup):
    """`c360 load X ...` runs the `run` command unless X names another subcommand."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


load_app = typer.Typer(
    cls=LoadGroup, help="Load source files into the graph; `c360 load MAPPING` runs a load."
)
console = Console()
log = logging.getLogger("customer360.jobs")


def _error(console: Console, message: str) -> None:
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def report_table(report: LoadReport, title: str = "load report") -> Table:
    table = Table(title=title)
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in {"file", "entity"} else "right")
    for s in report.sources:
        table.add_row(
            escape(s.file) + (f" [red]({escape(s.error)})[/red]" if s.error else ""),
            s.entity,
            *(f"{n:,}" for n in (s.read, s.created, s.updated, s.unchanged, s.merged)),
            *(f"{n:,}" for n in (s.rejected, s.field_issues, s.duplicates, s.ended)),
            f"{s.seconds:.1f}",
            f"{s.rows_per_second:,.0f}",
        )
    return table


def print_table(console: Console, table: Table) -> None:
    """The whole table, never cut to the terminal's (or a pipe's 80-column) width."""
    wide = console.options.update_width(10_000)
    needed = console.measure(table, options=wide).maximum
    if needed <= console.width:
        console.print(table)
        return
    width = console.width
    console.width = needed
    try:
        console.print(table, crop=False)
    finally:
        console.width = width


def _rejects_file(mapping: Mapping, given: Path | None, started: dt.datetime) -> Path:
    if given is not None:
        return given
    stamp = started.strftime("%Y%m%dT%H%M%S%fZ")
    return REJECTS_DIR / f"{mapping.name}-{stamp}.jsonl"


def _summary(console: Console, report: LoadReport, rejects: Path | None) -> None:
    if report.resolution:
        r = report.resolution
        console.print(
            f"identity: {r.records:,} party records → {r.parties:,} parties "
            f"({r.merged:,} merged, {r.moved:,} moved now, {r.reconciled:,} parties written) "
            f"in {r.seconds:.1f}s",
            soft_wrap=True,
        )
    fields: dict[str, int] = {}
    for s in report.sources:
        for name, n in s.issues_by_field.items():
            fields[name] = fields.get(name, 0) + n
    issues = ", ".join(f"{name} {n:,}" for name, n in sorted(fields.items()))
    console.print(
        f"{report.read:,} rows read, {report.rejected:,} rejected ({report.erased:,} erased on "
        f"request; bad input {report.reject_share:.2%}), {report.field_issues:,} values nulled"
        + (f" ({escape(issues)})" if issues else "")
        + f" in {report.seconds:.1f}s"
        + (f"; rejects in {escape(str(rejects))}" if rejects else ""),
        soft_wrap=True,
        highlight=False,
    )


async def _record_crash(
    driver: AsyncDriver,
    settings: Settings,
    mapping: Mapping,
    mapping_path: Path,
    started: dt.datetime,
    exc: Exception,
) -> None:
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    record = runs.run_record(
        mapping,
        mapping_path,
        LoadReport(seconds=elapsed),
        started=started,
        state=runs.ERROR,
        rejects_file=None,
    )
    with contextlib.suppress(Exception):
        await record_run(driver, settings.neo4j_database, record | {"error": repr(exc)[:1000]})


def run_load(
    settings: Settings,
    mapping_path: Path,
    rejects_path: Path | None,
    base: Path | None,
    batch_size: int,
    max_reject_share: float | None,
    console: Console,
    *,
    dry: bool = False,
    report_path: Path | None = None,
) -> int:
    """Run a load (or a dry run), print its report, record it; returns the exit code."""
    try:
        mapping = read_mapping(mapping_path, base)
    except MappingError as exc:
        _error(console, str(exc))
        return 1
    started = dt.datetime.now(dt.UTC)
    problems = check_headers(mapping)
    for problem in problems:
        _error(console, problem)
    if problems:
        if not dry:  # the history keeps the attempt: which mapping version failed, and when
            record = runs.run_record(
                mapping,
                mapping_path,
                LoadReport(),
                started=started,
                state=runs.MAPPING_ERROR,
                rejects_file=None,
            )
            run_with(settings, lambda d: record_run(d, settings.neo4j_database, record))
        return 1
    limit = mapping.max_reject_share if max_reject_share is None else max_reject_share
    rejects = (
        None if dry and rejects_path is None else _rejects_file(mapping, rejects_path, started)
    )
    if rejects is not None and rejects.exists():
        _error(console, f"{rejects} exists: a rejects file is never overwritten; name another")
        return 1

    async def go() -> tuple[LoadReport, dict[str, Any]]:
        driver = open_driver(settings)
        try:
            with ExitStack() as stack:
                sink: IO[bytes] | None = None
                if rejects is not None:
                    rejects.parent.mkdir(parents=True, exist_ok=True)
                    sink = stack.enter_context(rejects.open("xb"))
                shown = stack.enter_context(progress_for(console, mapping))

                def progress(source: Source, read: int, done: bool = False) -> None:
                    shown(source, read, done)
                    load_progress(source.file, read)  # the job's log line and metrics

                run = dry_run if dry else load
                try:
                    report = await run(
                        driver,
                        settings.neo4j_database,
                        mapping,
                        rejects=sink,
                        batch_size=batch_size,
                        progress=progress,
                    )
                except (
                    Exception
                ) as exc:  # recorded as a failed run (if the graph answers), re-raised
                    if not dry:
                        await _record_crash(driver, settings, mapping, mapping_path, started, exc)
                    raise
            state = runs.OK
            if report.failed_files:
                state = runs.FAILED_FILES
            elif report.reject_share > limit:
                state = runs.TOO_MANY_REJECTS
            record = runs.run_record(
                mapping,
                mapping_path,
                report,
                started=started,
                state=state,
                rejects_file=rejects,
                dry_run=dry,
            )
            if not dry:
                await record_run(driver, settings.neo4j_database, record)
            return report, record
        finally:
            await driver.close()

    try:
        report, record = asyncio.run(go())
    except Exception as exc:  # the graph failed mid-load: the run is recorded, the cause logged
        log.exception("load failed")
        _error(
            console,
            f"the load stopped: {type(exc).__name__}: {exc}\nWhat it wrote is kept; run the same "
            "load again to finish it (identity resolution resumes from the pending records).",
        )
        return 3
    if not dry:
        load_finished(settings, report)
    title = "dry run: what a load would do (nothing written)" if dry else "load report"
    print_table(console, report_table(report, title))
    _summary(console, report, rejects)
    if report_path is not None:
        report_path.write_bytes(runs.as_json(record))
    if record["state"] == runs.FAILED_FILES:
        return 1
    if record["state"] == runs.TOO_MANY_REJECTS:
        console.print(f"[red]rejected share {report.reject_share:.2%} exceeds {limit:.2%}[/red]")
        return 2
    return 0


@load_app.command("run")
def load_run(
    mapping: Annotated[
        Path, typer.Argument(help="Mapping file (YAML).", exists=True, dir_okay=False)
    ],
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejects file (JSON Lines); default var/rejects/<mapping>-<time>.jsonl."),
    ] = None,
    base: Annotated[
        Path | None, typer.Option(help="Folder the source paths are relative to.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 5000,
    max_reject_share: Annotated[
        float | None, typer.Option(min=0, max=1, help="Exit 2 above this share of rejected rows.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and validate; say what a load would do.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the run's report to this file (JSON).")
    ] = None,
    metrics_as_of: Annotated[
        str | None,
        typer.Option(help="Then compute the metrics as of this date (YYYY-MM-DD, or 'today')."),
    ] = None,
    backup_first: Annotated[
        bool, typer.Option(help="Dump the local database to BACKUP_DIR/<time>/ first.")
    ] = False,
) -> None:
    """Load a mapping's source files into the graph, resolve identities, optionally score."""
    settings = get_settings()
    configure_logs()
    if backup_first and not dry_run:
        backup_first_of(settings)
    with collector.for_batches():
        code = run_load(
            settings,
            mapping,
            rejects,
            base,
            batch_size,
            max_reject_share,
            console,
            dry=dry_run,
            report_path=report,
        )
    if code:
        raise typer.Exit(code=code)
    if metrics_as_of is not None and not dry_run:
        from cli.main import metrics_compute

        metrics_compute(as_of=None if metrics_as_of == "today" else metrics_as_of)


@load_app.command("history")
def load_history(
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    mapping: Annotated[str | None, typer.Option(help="Only runs of this mapping name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one run a line.")] = False,
) -> None:
    """The recorded loads: when, which mapping (and its hash), counts, field issues, exit state."""
    settings = get_settings()
    found = run_with(
        settings, lambda d: recent_runs(d, settings.neo4j_database, limit=limit, mapping=mapping)
    )
    if as_json:
        for run in found:
            typer.echo(orjson.dumps({**run, "sources": orjson.loads(run["sources"])}).decode())
        return
    table = Table(title="load history")
    for column in ("started", "mapping", "hash", "state", "s", "read", "created", "updated",
                   "unchanged", "rejected", "field issues", "rejects file"):  # fmt: skip
        table.add_column(column)
    for run in found:
        table.add_row(
            run["startedAt"][:19],
            escape(run["mapping"]),
            run["mappingHash"][:12],
            run["state"],
            f"{run['seconds']:.1f}",
            *(f"{run[k]:,}" for k in ("read", "created", "updated", "unchanged", "rejected")),
            f"{run['fieldIssues']:,}",
            escape(run.get("rejectsFile") or "-"),
        )
    print_table(console, table)


@load_app.command("reference")
def load_reference(
    output: Annotated[Path | None, typer.Option(help="Where to write it.")] = None,
) -> None:
    """Rewrite docs/mappings.md (entities, fields, types, required, examples) from the models."""
    from loaders.reference import PATH, write

    console.print(f"mapping reference written to {write(output or PATH)}", markup=False)
