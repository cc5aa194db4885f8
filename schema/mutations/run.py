"""How every mutation runs: one managed write transaction holding the receipt check, the write, the
receipt and the audit entry, causally chained to the reads that follow.

The transaction runs in a session sharing the driver's `execute_query` bookmark manager, which every
read of the API uses (`graph/read/run.py`): the payload's fields, read right after the commit, and
the caller's next query see the write even on a cluster's secondaries. The transaction has the
request's time budget and is retried by the driver on transient errors; a concurrent first send of
the same client mutation id loses on the receipt's uniqueness constraint and, retried once, replays
the winner's result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import ConstraintError
from pydantic import ValidationError

from graph.ingest import changes
from graph.security import audit, receipts
from graph.security.principal import ANONYMOUS
from graph.security.receipts import Receipt, ReceiptConflict
from schema.context import Context
from schema.errors import ClientError

MAX_CLIENT_ID = 200


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a mutation did: `result` (JSON: ids and counts) builds the payload and is replayed;
    `target` and `details` go into the audit entry (never personal data)."""

    result: dict[str, Any]
    target: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


Work = Callable[[AsyncManagedTransaction], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Done:
    result: dict[str, Any]
    replayed: bool


async def run(
    ctx: Context, action: str, client_mutation_id: str, given: Mapping[str, Any], work: Work
) -> Done:
    """Run `work` once per (caller, client mutation id); later sends replay its result."""
    if not client_mutation_id.strip() or len(client_mutation_id) > MAX_CLIENT_ID:
        raise ClientError(f"clientMutationId must be 1 to {MAX_CLIENT_ID} characters.")
    principal = ctx.principal or ANONYMOUS
    receipt = Receipt.of(principal.key, client_mutation_id, action, dict(given))
    actor = audit.Actor.of(principal, ctx.request_id)

    @unit_of_work(timeout=ctx.timeout)
    async def transaction(tx: AsyncManagedTransaction) -> Done:
        earlier = await receipts.replay(tx, receipt)
        if earlier is not None:
            return Done(earlier, True)
        outcome = await work(tx)
        await changes.mark(tx)  # precomputed figures (portfolio KPIs) are stale from now on
        await receipts.store(tx, receipt, outcome.result, outcome.target, ctx.request_id)
        details = {**outcome.details, "receipt": receipt.key[:16]}
        await audit.record(tx, actor, action, outcome.target, details)
        return Done(outcome.result, False)

    bookmarks = ctx.driver.execute_query_bookmark_manager
    for attempt in (1, 2):
        try:
            async with ctx.driver.session(
                database=ctx.database, bookmark_manager=bookmarks
            ) as session:
                done: Done = await session.execute_write(transaction)
                return done
        except ConstraintError:
            if attempt == 2:
                raise
        except ReceiptConflict as exc:
            raise ClientError(str(exc)) from None
        except ValidationError as exc:
            raise ClientError(invalid(exc)) from None
        except ValueError as exc:  # the graph layer's refusals (a merge of two kinds of party...)
            raise ClientError(str(exc)) from None
    raise AssertionError("unreachable")


def invalid(exc: ValidationError) -> str:
    """A validation error as one message naming the input fields (camelCase) at fault."""
    parts = []
    for error in exc.errors():
        where = ".".join(_camel(str(p)) for p in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "does not apply to this kind of customer"
        parts.append(f"{where}: {message}" if where else message)
    return "Invalid input: " + "; ".join(parts) + "."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
