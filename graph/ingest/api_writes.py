"""Writes made through the API, as source records of the system `api`, inside one transaction.

The API is one more source system: each mutation validates a `graph.ingest.records` record, stores it with
the loaders' statements (`graph.ingest.upsert.write_rows`) and so leaves the same provenance a file load
would (a `SourceRecord` or `sourceIds`, a hash, a source timestamp: the time of the request, so the
newest-wins reconciliation lets the edit win). Every function here takes the caller's managed write
transaction; `schema/mutations/root.py` wraps them with the receipt and the audit entry.

Targets are checked under the caller's read scope: a writer restricted to some parties cannot tell
a party outside them from one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.driver import Bulk
from graph.identity import store
from graph.identity.reconcile import party as reconciled
from graph.ingest import rows as prepare
from graph.ingest.records import Record
from graph.ingest.upsert import Written, write_rows
from graph.read.scope import Scope
from graph.read.writer import Writer

SYSTEM = "api"


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    labels: frozenset[str]


async def party(tx: AsyncManagedTransaction, key: str, scope: Scope | None) -> Target | None:
    """The party with this key, if the scope lets the caller see it (erased parties are gone)."""
    w = Writer()
    key_param = w.param(key)
    where: LiteralString = "NOT p:Erased"
    if scope is not None:
        where = where + " AND " + scope.parties("p", w)
    statement: LiteralString = (
        "MATCH (p:Party {id: " + key_param + "}) WHERE " + where + " RETURN p.id AS id, "
        "labels(p) AS labels"
    )
    found = await (await tx.run(statement, w.params)).single()
    return None if found is None else Target(found["id"], frozenset(found["labels"]))


async def exists(tx: AsyncManagedTransaction, label: LiteralString, key: str) -> bool:
    statement: LiteralString = "MATCH (n:" + label + " {id: $id}) RETURN count(n) AS n"
    found = await (await tx.run(statement, id=key)).single(strict=True)
    return bool(found["n"])


async def deal_account(tx: AsyncManagedTransaction, key: str, scope: Scope | None) -> str | None:
    """The account of a deal the caller may see, or None."""
    found = await (
        await tx.run("MATCH (:Deal {id: $id})-[:FOR_ACCOUNT]->(a:Party) RETURN a.id AS id", id=key)
    ).single()
    if found is None:
        return None
    return found["id"] if await party(tx, found["id"], scope) is not None else None


async def write(tx: AsyncManagedTransaction, entity: str, record: Record) -> Written:
    """Store one validated record as the loaders would."""
    row = prepare.row(entity, SYSTEM, record)
    return await write_rows(tx, prepare.statement_for(entity, record), [row])


async def stored_data(tx: AsyncManagedTransaction, record_id: str) -> str | None:
    """The JSON data of a stored source record (to extend an earlier edit), or None."""
    found = await (
        await tx.run("MATCH (s:SourceRecord {id: $id}) RETURN s.data AS data", id=record_id)
    ).single()
    return None if found is None else found["data"]


async def reconcile(tx: AsyncManagedTransaction, party_ids: list[str]) -> None:
    """Rebuild these parties' properties, labels and embedded edges from their records, by the
    reconciliation policy (`graph/identity/reconcile.py`) with no system priority."""
    found = await store.records_in(tx, party_ids)
    parties = [reconciled(p["id"], p["records"], ()) for p in found]
    if parties:
        await (await tx.run(store.RECONCILE, parties=Bulk(parties))).consume()


CLEAR_COMMITTEE: LiteralString = """
MATCH (:Party {id: $person})-[e:ON_COMMITTEE]->(t {id: $target})
WHERE t:Party OR t:Deal
DELETE e
RETURN count(e) AS removed
"""


async def clear_committee(tx: AsyncManagedTransaction, person: str, target: str) -> int:
    """Remove a person's seats on an account's or deal's committee, whichever source set them."""
    found = await (await tx.run(CLEAR_COMMITTEE, person=person, target=target)).single(strict=True)
    return int(found["removed"])


DROP_RECORD: LiteralString = """
MATCH (s:SourceRecord {id: $id})
DETACH DELETE s
"""


async def drop_record(tx: AsyncManagedTransaction, record_id: str) -> None:
    await (await tx.run(DROP_RECORD, id=record_id)).consume()
