"""Trusted documents: the GraphQL documents an operator registered (`c360 documents add`).

A document is a `:TrustedDocument {id, text, name, addedAt}` node whose `id` is the lower-case hex
SHA-256 of its exact text (the hash clients send in `extensions.persistedQuery.sha256Hash`).
With `API_TRUSTED_DOCUMENTS=true` the API runs only these (api/persisted.py). Each registration
writes an audit entry in the same transaction; registering the same text again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from graph.security import audit
from graph.security.audit import Actor

ADD = "document.add"

_ADD: LiteralString = """
OPTIONAL MATCH (old:TrustedDocument {id: $id})
WITH old IS NULL AS created
MERGE (d:TrustedDocument {id: $id})
ON CREATE SET d.text = $text, d.name = $name, d.addedAt = datetime()
RETURN created
"""
_FIND: LiteralString = "MATCH (d:TrustedDocument {id: $id}) RETURN d.text AS text"
_LIST: LiteralString = """
MATCH (d:TrustedDocument)
RETURN d.id AS id, d.name AS name, d.addedAt AS addedAt ORDER BY d.addedAt, d.id
"""


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    id: str
    name: str | None
    added_at: dt.datetime


def document_id(text: str) -> str:
    """The SHA-256 (lower-case hex) of the document's UTF-8 text, exactly as sent."""
    return hashlib.sha256(text.encode()).hexdigest()


async def add(
    driver: AsyncDriver, database: str, actor: Actor, text: str, name: str | None = None
) -> tuple[str, bool]:
    """Register `text`; its id and whether it is new (False: it was registered already)."""
    doc_id = document_id(text)

    async def work(tx: AsyncManagedTransaction) -> bool:
        record = await (await tx.run(_ADD, id=doc_id, text=text, name=name)).single()
        created = bool(record and record["created"])
        if created:
            await audit.record(tx, actor, ADD, doc_id, {"name": name})
        return created

    async with driver.session(database=database) as session:
        created = await session.execute_write(work)
    return doc_id, created


async def find(driver: AsyncDriver, database: str, doc_id: str) -> str | None:
    """The registered text with this id, or None."""
    records, _, _ = await driver.execute_query(
        _FIND, id=doc_id, database_=database, routing_=RoutingControl.READ
    )
    return str(records[0]["text"]) if records else None


async def listing(driver: AsyncDriver, database: str) -> list[TrustedDocument]:
    records, _, _ = await driver.execute_query(
        _LIST, database_=database, routing_=RoutingControl.READ
    )
    return [TrustedDocument(r["id"], r["name"], r["addedAt"].to_native()) for r in records]
