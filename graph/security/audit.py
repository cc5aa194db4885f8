"""The audit trail: one `:AuditEntry` node per mutation and per token or API-key operation.

An entry says who (`actor`, `role`), when (`at`), what (`action`, `target`, `details`) and in which
request (`requestId`). Write it with `record(tx, ...)` inside the transaction of the operation
itself, so that the operation and its entry commit or roll back together:

    async def merge(tx: AsyncManagedTransaction) -> None:
        await tx.run(MERGE_CUSTOMERS, ...)
        await audit.record(tx, Actor.of(principal, request_id), "customer.merge", target, {...})

    await session.execute_write(merge)

`details` is stored as a JSON string (Neo4j properties cannot be maps): never put a secret in it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

import orjson
from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from graph.security.principal import Principal


class Action(StrEnum):
    """The actions this package records; mutations add their own (`<noun>.<verb>`)."""

    TOKEN_ISSUE = "token.issue"  # noqa: S105 (an action name)
    APIKEY_CREATE = "apikey.create"
    APIKEY_LIST = "apikey.list"
    APIKEY_REVOKE = "apikey.revoke"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a principal's key (`token:alice`, `apikey:3f2a…`) or an operator (`cli:root`)."""

    id: str
    role: str
    request_id: str

    @classmethod
    def of(cls, principal: Principal, request_id: str) -> Actor:
        return cls(principal.key, principal.role.value, request_id)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    at: dt.datetime
    actor: str
    role: str
    action: str
    target: str | None
    request_id: str
    details: dict[str, Any] = field(default_factory=dict)


RECORD: LiteralString = """
CREATE (:AuditEntry {id: $id, at: $at, actor: $actor, role: $role, action: $action,
                     target: $target, requestId: $requestId, details: $details})
"""

ENTRIES: LiteralString = """
MATCH (e:AuditEntry)
WHERE ($action IS NULL OR e.action = $action)
  AND ($actor IS NULL OR e.actor = $actor)
  AND ($target IS NULL OR e.target = $target)
  AND ($requestId IS NULL OR e.requestId = $requestId)
RETURN e {.*} AS e
ORDER BY e.at DESC, e.id DESC
LIMIT $limit
"""


async def record(
    tx: AsyncManagedTransaction,
    actor: Actor,
    action: str,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> str:
    """Write one entry in `tx`; returns its id."""
    entry_id = uuid.uuid4().hex
    params = {
        "id": entry_id,
        "at": dt.datetime.now(dt.UTC),
        "actor": actor.id,
        "role": actor.role,
        "action": action,
        "target": target,
        "requestId": actor.request_id,
        "details": orjson.dumps(dict(details or {}), option=orjson.OPT_SORT_KEYS).decode(),
    }
    result = await tx.run(RECORD, params)
    await result.consume()
    return entry_id


async def entries(
    driver: AsyncDriver,
    database: str,
    *,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    request_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, optionally only those matching every filter given."""
    records, _, _ = await driver.execute_query(
        ENTRIES,
        {
            "action": action,
            "actor": actor,
            "target": target,
            "requestId": request_id,
            "limit": limit,
        },
        database_=database,
        routing_=RoutingControl.READ,
    )
    return [_entry(r["e"]) for r in records]


def _entry(props: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=props["id"],
        at=props["at"].to_native(),
        actor=props["actor"],
        role=props["role"],
        action=props["action"],
        target=props.get("target"),
        request_id=props["requestId"],
        details=orjson.loads(props["details"]),
    )
