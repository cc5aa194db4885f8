"""The graph's "today": a date the graph may say it describes (`c360 db today 2025-06-30`), for a
demo or a snapshot whose activity stops before the real today.

When set, time-dependent answers that default to now (a buying committee's `asOf`) default to
the end of that UTC day instead; unset (`c360 db today --clear`), they use the clock. It lives
in the graph as `(:GraphClock {id: "graph", today})`, so every API process sees the same.
"""

from __future__ import annotations

import datetime as dt
from typing import LiteralString

from neo4j import AsyncDriver, RoutingControl

_READ: LiteralString = "MATCH (c:GraphClock {id: 'graph'}) RETURN c.today AS today"
_SET: LiteralString = "MERGE (c:GraphClock {id: 'graph'}) SET c.today = $today"
_CLEAR: LiteralString = "MATCH (c:GraphClock {id: 'graph'}) DELETE c"


async def graph_today(driver: AsyncDriver, database: str) -> dt.date | None:
    records, _, _ = await driver.execute_query(
        _READ, database_=database, routing_=RoutingControl.READ
    )
    if not records or records[0]["today"] is None:
        return None
    found: dt.date = records[0]["today"].to_native()
    return found


async def set_graph_today(driver: AsyncDriver, database: str, today: dt.date | None) -> None:
    if today is None:
        await driver.execute_query(_CLEAR, database_=database)
    else:
        await driver.execute_query(_SET, today=today, database_=database)


async def now_or_graph_today(driver: AsyncDriver, database: str) -> dt.datetime:
    """The end of the graph's today (UTC) when it says one, else now."""
    today = await graph_today(driver, database)
    if today is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.combine(today, dt.time.max, dt.UTC)
