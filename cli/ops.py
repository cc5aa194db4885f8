"""Operations commands and hooks: `c360 db backup` / `db restore`, `load --backup-first`, and the
structured log lines and metrics of the load and metrics jobs (graph/telemetry/jobs.py)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from graph import backup as backups
from graph.config import Settings, get_settings
from graph.telemetry import jobs, logs, statements, tracing

console = Console()
err = Console(stderr=True)

Folder = Annotated[Path, typer.Argument(help="The folder holding <database>.dump.")]


def _report(verb: str, done: backups.Done) -> None:
    note = " (the server was stopped for it and started again)" if done.stopped else ""
    console.print(
        f"{verb} {done.path} ({done.bytes / 2**20:.1f} MiB) in {done.seconds:.1f}s{note}",
        soft_wrap=True,
    )


def db_backup(folder: Folder) -> None:
    """Dump the local database to FOLDER/<database>.dump, stopping and restarting the server if it
    runs (Neo4j Community dumps only a stopped database)."""
    try:
        done = backups.backup(get_settings(), folder)
    except backups.BackupError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    _report("dumped to", done)


def db_restore(
    folder: Folder,
    start: Annotated[
        bool, typer.Option(help="Start the server afterwards even if it was not running.")
    ] = False,
) -> None:
    """Replace the local database with FOLDER/<database>.dump, stopping and restarting the server
    if it runs. Everything written since the dump is lost."""
    from graph import local_server

    settings = get_settings()
    try:
        done = backups.restore(settings, folder)
        if start and not done.stopped:
            local_server.start(settings)
    except (backups.BackupError, local_server.ServerError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    _report("restored from", done)


def backup_first(settings: Settings) -> None:
    """For `c360 load --backup-first`: a dump in BACKUP_DIR/<UTC time>/ before anything is written."""
    folder = settings.backup_dir / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        done = backups.backup(settings, folder)
    except backups.BackupError as exc:
        err.print(f"[red]error:[/red] {exc}; nothing was loaded", highlight=False)
        raise typer.Exit(code=1) from exc
    _report("backed up to", done)


def load_progress(file: str, rows: int) -> None:
    jobs.progress("load", file=file, rows=rows)


def load_finished(settings: Settings, report: Any) -> None:
    """The load's summary line and metrics (`report`: a loaders.load.LoadReport)."""
    for source in report.sources:
        jobs.rows(source.entity, read=source.read, written=source.loaded, rejected=source.rejected)
    jobs.finished(
        "load", report.seconds, time.time(), settings.metrics_textfile_dir,
        rows=report.read, rejected=report.rejected, failed_files=len(report.failed_files),
    )  # fmt: skip


def metrics_finished(settings: Settings, seconds: float, summary: Any) -> None:
    jobs.finished(
        "metrics", seconds, time.time(), settings.metrics_textfile_dir, summary=str(summary)[:500]
    )


def configure_job_logs(settings: Settings) -> None:
    """Structured logs only (no tracing): for short commands such as `c360 neo4j start`."""
    logs.configure(settings)


def configure_logs() -> None:
    """Structured logs for a job, with the slow-statement threshold of the settings."""
    settings = get_settings()
    logs.configure(settings)
    tracing.configure(settings)
    statements.set_slow_threshold(settings.log_slow_statement_ms)


def prepare_workers(settings: Settings) -> None:
    """Before `c360 serve` starts its workers: an empty prometheus-client multiprocess folder,
    exported for the workers (prometheus-client reads the variable itself at import)."""
    folder = settings.prometheus_multiproc_dir
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())
