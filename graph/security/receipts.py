"""Mutation receipts: what makes a mutation idempotent through its client mutation id.

The first time a principal sends a mutation with a client mutation id, the mutation's transaction
writes a `:MutationReceipt` holding the action, a hash of the input and the result. Sent again, the
same transaction finds the receipt and returns the stored result without writing anything; sent
again with another input or for another action, it is refused (`ReceiptConflict`). The receipt is
keyed by a hash of the principal's key and the client's id, so two callers never collide and no
client-chosen text is stored. Receipts name the party a mutation was about (`target`, indexed)
so that erasing it drops them too. A uniqueness constraint settles two concurrent first sends: one
commits, the other fails and, retried, finds the receipt. `c360 db prune-receipts` deletes old
receipts (the idempotency window is how long they are kept).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, LiteralString

import orjson
from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.errors import InputRefused

FIND: LiteralString = """
MATCH (r:MutationReceipt {id: $id})
RETURN r.action AS action, r.inputHash AS inputHash, r.result AS result
"""

STORE: LiteralString = """
CREATE (:MutationReceipt {id: $id, action: $action, inputHash: $inputHash, result: $result,
                          target: $target, at: $at, requestId: $requestId})
"""

PRUNE: LiteralString = """
MATCH (r:MutationReceipt) WHERE r.at < $before
CALL (r) { DETACH DELETE r } IN TRANSACTIONS OF 5000 ROWS
"""

FORGET: LiteralString = """
MATCH (r:MutationReceipt {target: $target})
DETACH DELETE r
RETURN count(r) AS forgotten
"""


class ReceiptConflict(InputRefused):
    """The client mutation id was used before for another action or another input."""


@dataclass(frozen=True, slots=True)
class Receipt:
    key: str
    action: str
    input_hash: str

    @classmethod
    def of(cls, principal_key: str, client_mutation_id: str, action: str, given: Any) -> Receipt:
        key = hashlib.sha256(f"{principal_key}\0{client_mutation_id}".encode()).hexdigest()
        payload = orjson.dumps([action, given], option=orjson.OPT_SORT_KEYS)
        return cls(key, action, hashlib.blake2b(payload, digest_size=16).hexdigest())


async def replay(tx: AsyncManagedTransaction, receipt: Receipt) -> dict[str, Any] | None:
    """The stored result of an earlier send of this mutation, or None the first time."""
    found = await (await tx.run(FIND, id=receipt.key)).single()
    if found is None:
        return None
    if found["action"] != receipt.action or found["inputHash"] != receipt.input_hash:
        raise ReceiptConflict(
            "This clientMutationId was already used for a different mutation or input."
        )
    result: dict[str, Any] = orjson.loads(found["result"])
    return result


async def store(
    tx: AsyncManagedTransaction,
    receipt: Receipt,
    result: dict[str, Any],
    target: str | None,
    request_id: str,
) -> None:
    params = {
        "target": target,
        "id": receipt.key,
        "action": receipt.action,
        "inputHash": receipt.input_hash,
        "result": orjson.dumps(result).decode(),
        "at": dt.datetime.now(dt.UTC),
        "requestId": request_id,
    }
    await (await tx.run(STORE, params)).consume()


async def forget(tx: AsyncManagedTransaction, target: str) -> int:
    """Drop the receipts of mutations about a party (its erasure): they could not be replayed."""
    found = await (await tx.run(FORGET, target=target)).single(strict=True)
    return int(found["forgotten"])


async def prune(driver: AsyncDriver, database: str, before: dt.datetime) -> int:
    """Delete the receipts written before `before`: those mutations can no longer be replayed (a
    resend then runs again). Returns how many were deleted."""
    count: LiteralString = "MATCH (r:MutationReceipt) WHERE r.at < $before RETURN count(r) AS n"
    records, _, _ = await driver.execute_query(count, before=before, database_=database)
    async with driver.session(database=database) as session:
        await (await session.run(PRUNE, before=before)).consume()
    return int(records[0]["n"])
