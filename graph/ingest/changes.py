"""The graph's change stamp: when facts (parties, orders, answers, edges) last changed.

Every write of source records (`graph.ingest.upsert.write_rows`: file loads and API writes) and every
API mutation stamps `(:GraphState {id: 'facts'}).changedAt` with the server's clock, at most once a
second (a stamp less than a second old is left alone, so concurrent writers rarely contend for it).
Whatever is precomputed from the facts (`graph.metrics.kpi_store`) is fresh while its own stamp is more
than a second after `changedAt`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

MARK: LiteralString = """
MERGE (g:GraphState {id: 'facts'})
WITH g WHERE g.changedAt IS NULL OR g.changedAt < datetime.realtime() - duration({seconds: 1})
SET g.changedAt = datetime.realtime()
"""

SLACK_SECONDS = 1


def stale(changed_at: dt.datetime | None, computed_at: dt.datetime) -> bool:
    """Whether figures computed at `computed_at` may miss a change stamped `changed_at` (None:
    nothing changed since the stamps began); both on the server's clock."""
    return changed_at is not None and changed_at >= computed_at - dt.timedelta(
        seconds=SLACK_SECONDS
    )


async def mark(tx: Any) -> None:
    """Stamp the change in the caller's write transaction."""
    await (await tx.run(MARK)).consume()
