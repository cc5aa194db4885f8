"""`c360 identity resolve`: finish pending identity resolution, or redo it all with `--full`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from neo4j import AsyncDriver
from rich.console import Console

from cli import collector
from graph.config import get_settings
from graph.driver import run_with
from graph.migrations import migrate

if TYPE_CHECKING:
    from loaders.resolve import ResolutionReport

identity_app = typer.Typer(help="Identity resolution over the loaded party records.")
console = Console()


@identity_app.command("resolve")
def identity_resolve(
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recount the name-frequency model and re-link every party record, "
            "instead of finishing only what is pending.",
        ),
    ] = False,
) -> None:
    """Resolve the party records still pending (a killed load's, say); --full redoes everything."""
    from loaders.resolve import resolve  # (the matcher's imports are heavy: only when used)

    settings = get_settings()

    async def work(driver: AsyncDriver) -> ResolutionReport | None:
        await migrate(driver, settings.neo4j_database)
        return await resolve(driver, settings.neo4j_database, full=full)

    with collector.for_batches():
        report = run_with(settings, work)
    console.print(describe(report))


def describe(report: ResolutionReport | None) -> str:
    if report is None:
        return "identity: nothing pending"
    how = "full, name model refreshed" if report.full else "incremental"
    return (
        f"identity ({how}; model v{report.model}): {report.records:,} party records → "
        f"{report.parties:,} parties ({report.merged:,} merged, {report.moved:,} moved now, "
        f"{report.reconciled:,} parties written) in {report.seconds:.1f}s"
    )
