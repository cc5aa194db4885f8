"""How every mutation runs, seen from the GraphQL layer: the client mutation id checked, the
receipt and the actor made, then `graph.security.mutations.run_once` runs the receipt check, the
write, the receipt and the audit entry in one write transaction (causally chained to the reads
that follow, answered promptly while the database is down, rolled back whole on any failure).

The graph layer's refusals (`graph.errors.InputRefused`: a reused client mutation id, a merge of
two kinds of party...) and invalid records (pydantic's `ValidationError`) become `BAD_USER_INPUT`;
an unreachable database `SERVICE_UNAVAILABLE`; a transaction past its budget `QUERY_TOO_COMPLEX`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError

from graph.errors import GraphError
from graph.security import audit
from graph.security.mutations import Done, Outcome, Tx, run_once
from graph.security.principal import ANONYMOUS
from graph.security.receipts import Receipt
from schema.context import Context
from schema.errors import ClientError
from schema.reads import client_error

__all__ = ["MAX_CLIENT_ID", "Done", "Outcome", "Tx", "Work", "invalid", "run"]

MAX_CLIENT_ID = 200

Work = Callable[[Tx], Awaitable[Outcome]]


async def run(
    ctx: Context, action: str, client_mutation_id: str, given: Mapping[str, Any], work: Work
) -> Done:
    """Run `work` once per (caller, client mutation id); later sends replay its result."""
    if not client_mutation_id.strip() or len(client_mutation_id) > MAX_CLIENT_ID:
        raise ClientError(f"clientMutationId must be 1 to {MAX_CLIENT_ID} characters.")
    principal = ctx.principal or ANONYMOUS
    receipt = Receipt.of(principal.key, client_mutation_id, action, dict(given))
    actor = audit.Actor.of(principal, ctx.request_id)
    try:
        return await run_once(ctx.driver, ctx.database, receipt, actor, action, work, ctx.timeout)
    except ValidationError as exc:
        raise ClientError(invalid(exc)) from None
    except GraphError as exc:
        raise client_error(exc) from None


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
