"""`c360 db today`: the date the graph describes (`graph/clock.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from graph.clock import graph_today, set_graph_today
from graph.config import get_settings
from graph.driver import run_with


def db_today(
    date: Annotated[
        str | None, typer.Argument(help="The graph's today, 2025-06-30; omit to show it.")
    ] = None,
    clear: Annotated[bool, typer.Option(help="Forget it: defaults use the clock again.")] = False,
) -> None:
    """Set, show or clear the graph's today: committees' `asOf` default to the end of it."""
    settings = get_settings()
    database = settings.neo4j_database
    if clear or date is not None:
        try:
            today = None if clear else dt.date.fromisoformat(str(date))
        except ValueError:
            raise typer.BadParameter(f"{date!r} is not a date like 2025-06-30") from None
        run_with(settings, lambda d: set_graph_today(d, database, today))
    found = run_with(settings, lambda d: graph_today(d, database))
    typer.echo(found.isoformat() if found else "not set (the clock's today)")
