"""Full snapshots: the records of a source that vanished from its latest full extract are ended.

A mapping may declare a source `snapshot: true` (the file holds every live record of its system and
entity). After such a file is loaded, its system's stored records of that entity that the file did not
hold get `endedAt` (the time of the load); they are never deleted, and one that comes back in a later
snapshot loses its `endedAt`. A party whose every source record has ended gets `endedAt` too (the latest
of its records'), cleared when any of them comes back. Stubs (references to records never loaded) and
records erased on request are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, RoutingControl

from graph.driver import Bulk, every_page
from graph.ingest.records import PARTY_ENTITIES
from graph.ingest.upsert import SPECS

BATCH = 10_000
PAGE = 100_000


def _statement(entity: str) -> str:
    if entity in PARTY_ENTITIES:
        return "party"
    return "committee_account" if entity == "committee" else entity


def _stored(label: LiteralString) -> LiteralString:
    """A page (`PAGE` ids after `$after`, in id order by the id index) of the system's stored
    records, as one list of [id, ended]: no statement grows with the graph, and the driver decodes
    a list's items for next to nothing where it spends ~16 us on each record."""
    return (
        "MATCH (n:" + label + ") USING INDEX n:" + label + "(id) "
        "WHERE n.id STARTS WITH $prefix AND n.id > $after AND n.hash IS NOT NULL "
        "AND ($entity IS NULL OR n.entity = $entity) AND n.erased IS NULL "
        "WITH n ORDER BY n.id LIMIT $limit "
        "RETURN collect([n.id, n.endedAt IS NOT NULL]) AS page"
    )


def _end(label: LiteralString) -> LiteralString:
    return "UNWIND $ids AS id MATCH (n:" + label + " {id: id}) SET n.endedAt = $at"


def _revive(label: LiteralString) -> LiteralString:
    return "UNWIND $ids AS id MATCH (n:" + label + " {id: id}) REMOVE n.endedAt"


LABELS: dict[str, LiteralString] = {name: spec.label for name, spec in SPECS.items()}
STORED = {name: _stored(label) for name, label in LABELS.items()}
END = {name: _end(label) for name, label in LABELS.items()}
REVIVE = {name: _revive(label) for name, label in LABELS.items()}

PARTIES: LiteralString = """
UNWIND $ids AS id
MATCH (:SourceRecord {id: id})-[:RESOLVES_TO]->(p:Party)
WITH DISTINCT p
MATCH (p)<-[:RESOLVES_TO]-(s:SourceRecord) WHERE s.hash IS NOT NULL
WITH p, collect(s.endedAt) AS ends, count(s) AS records
SET p.endedAt = CASE WHEN size(ends) = records
  THEN reduce(last = null, e IN ends | CASE WHEN last IS NULL OR e > last THEN e ELSE last END)
  END
"""


@dataclass(frozen=True)
class Vanished:
    ended: list[str]  # live records the snapshot no longer holds
    revived: list[str]  # ended records it holds again


async def vanished(
    driver: AsyncDriver, database: str, system: str, entity: str, seen: set[str]
) -> Vanished:
    """What ending the records missing from a snapshot would change (read-only)."""
    statement = _statement(entity)

    async def page(after: str) -> list[list[Any]]:
        records, _, _ = await driver.execute_query(
            STORED[statement],
            prefix=f"{system}:",
            after=after,
            limit=PAGE,
            entity=entity if LABELS[statement] == "SourceRecord" else None,
            database_=database,
            routing_=RoutingControl.READ,
        )
        return list(records[0]["page"])

    stored = await every_page(page, lambda item: str(item[0]), PAGE)
    ended = sorted(id_ for id_, gone in stored if not gone and id_ not in seen)
    revived = sorted(id_ for id_, gone in stored if gone and id_ in seen)
    return Vanished(ended, revived)


def _batches(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


async def end_vanished(
    driver: AsyncDriver, database: str, system: str, entity: str, seen: set[str]
) -> Vanished:
    """End the records of `system`'s `entity` missing from `seen`, revive those back in it."""
    found = await vanished(driver, database, system, entity, seen)
    statement = _statement(entity)
    at = dt.datetime.now(dt.UTC)
    for batch in _batches(found.ended):
        await driver.execute_query(END[statement], ids=Bulk(batch), at=at, database_=database)
    for batch in _batches(found.revived):
        await driver.execute_query(REVIVE[statement], ids=Bulk(batch), database_=database)
    if statement == "party":
        for batch in _batches(found.ended + found.revived):
            await driver.execute_query(PARTIES, ids=Bulk(batch), database_=database)
    return found
