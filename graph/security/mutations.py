"""How every API mutation runs: one write transaction holding the receipt check, the write, the
receipt and the audit entry (`graph.writes.write`: causally chained to the reads that follow,
prompt when the database is down, rolled back whole on any failure).

A concurrent first send of the same client mutation id loses on the receipt's uniqueness
constraint and, retried once, replays the winner's result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

from graph import writes
from graph.ingest import changes
from graph.security import audit, receipts
from graph.security.receipts import Receipt

Tx = AsyncManagedTransaction
"""The transaction a mutation's step writes in (the graph functions take it)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a mutation did: `result` (JSON: ids and counts) builds the payload and is replayed;
    `target` and `details` go into the audit entry (never personal data)."""

    result: dict[str, Any]
    target: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Done:
    result: dict[str, Any]
    replayed: bool


Step = Callable[[Tx], Awaitable[Outcome]]


async def run_once(
    driver: AsyncDriver,
    database: str,
    receipt: Receipt,
    actor: audit.Actor,
    action: str,
    step: Step,
    timeout: float | None,
) -> Done:
    """Run `step` once per receipt (principal and client mutation id); later sends replay its
    result. Raises what `step` raises, `ReceiptConflict` (the id was used for another input), or
    a `graph.errors` error; nothing is written then."""

    async def transaction(tx: Tx) -> Done:
        earlier = await receipts.replay(tx, receipt)
        if earlier is not None:
            return Done(earlier, True)
        outcome = await step(tx)
        await changes.mark(tx)  # precomputed figures (portfolio KPIs) are stale from now on
        await receipts.store(tx, receipt, outcome.result, outcome.target, actor.request_id)
        details = {**outcome.details, "receipt": receipt.key[:16]}
        await audit.record(tx, actor, action, outcome.target, details)
        return Done(outcome.result, False)

    return await writes.write(driver, database, transaction, timeout)
