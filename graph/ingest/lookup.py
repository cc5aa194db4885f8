"""Read-only lookups for a dry run: what a load would do to each row, without writing anything.

Mirrors the decision `graph.ingest.upsert.write_rows` makes: a row is created when its id is not stored
(or only a stub made by a reference is), unchanged when the stored hash is the same or the stored
source timestamp is newer, updated otherwise, and refused when its record was erased on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncDriver, RoutingControl

from graph.driver import Bulk
from graph.ingest.upsert import SPECS, not_older


class Fate(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERASED = "erased"


STORED: dict[str, LiteralString] = {name: spec.existing for name, spec in SPECS.items()}


def fate(row: dict[str, Any], stored: dict[str, Any] | None) -> Fate:
    if stored is None:
        return Fate.CREATED
    if stored["erased"]:
        return Fate.ERASED
    if stored["hash"] is None:  # a stub made by a reference: its record would arrive now
        return Fate.CREATED
    if stored["hash"] == row["hash"]:
        return Fate.UNCHANGED
    return Fate.UPDATED if not_older(row["ts"], stored["ts"]) else Fate.UNCHANGED


async def fates(
    driver: AsyncDriver, database: str, statement: str, rows: Sequence[dict[str, Any]]
) -> list[Fate]:
    """What writing these rows (one `graph.ingest.upsert` statement) would do to each, read-only."""
    if not rows:
        return []
    records, _, _ = await driver.execute_query(
        STORED[statement],
        ids=Bulk(sorted({row["id"] for row in rows})),
        database_=database,
        routing_=RoutingControl.READ,
    )
    stored = {
        id_: {"hash": hash_, "ts": ts, "erased": erased}
        for id_, hash_, ts, erased in records[0]["stored"]
    }
    return [fate(row, stored.get(row["id"])) for row in rows]
