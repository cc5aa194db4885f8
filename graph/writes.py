"""Running write transactions: the one place outside the loaders that opens a write session.

`write` runs a transaction function in an explicit transaction with a timeout, in a session that
shares the driver's `execute_query` bookmark manager (which every read of the API uses), so the
caller's next read sees the write, on a cluster too. It retries by itself instead of leaving it to
the driver, whose managed retries wait out a 15 s window while the database is down:

- the database unreachable: `RETRIES` attempts, backing off from `BACKOFF_S`, then
  `GraphUnavailable` (well under a second in all);
- a transient error (a deadlock...): retried while the time budget lasts, then `GraphTimeout`;
- a transaction the server terminated before its time budget (a shutdown, an operator):
  `GraphUnavailable` (rolled back; the caller may retry), after it: `GraphTimeout`;
- a uniqueness constraint lost to a concurrent writer: retried once (the function then sees the
  winner's write), then `WriteConflict`.

Whatever fails, the transaction is rolled back: nothing is half-applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import (
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.errors import TERMINATED_CODES, GraphTimeout, GraphUnavailable, WriteConflict

T = TypeVar("T")
log = logging.getLogger("customer360.graph")

RETRIES = 3  # attempts while the database is unreachable
BACKOFF_S = 0.05  # the first wait between attempts; doubled each time
DEFAULT_BUDGET_S = 10.0  # how long transient errors are retried without a timeout

UNAVAILABLE = "The graph database is unavailable; try again."
TOO_LONG = "The change took longer than its time budget."

_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
)

Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


async def _once(driver: AsyncDriver, database: str, work: Work[T], timeout: float | None) -> T:
    async with driver.session(
        database=database, bookmark_manager=driver.execute_query_bookmark_manager
    ) as session:
        tx = await session.begin_transaction(timeout=timeout)
        async with tx:
            # An explicit transaction offers what the transaction functions use (`run`); it is
            # committed here, and rolled back by `async with` when `work` raises.
            result = await work(cast(AsyncManagedTransaction, tx))
            await tx.commit()
            return result


async def write(driver: AsyncDriver, database: str, work: Work[T], timeout: float | None) -> T:
    """Run `work` in one write transaction (retried as the module says) and return its result.
    Exceptions `work` raises itself pass through unchanged, after the rollback."""
    deadline = time.monotonic() + (timeout or DEFAULT_BUDGET_S)
    unreachable = conflicts = 0
    delay = BACKOFF_S
    while True:
        try:
            return await _once(driver, database, work, timeout)
        except (ServiceUnavailable, SessionExpired) as exc:
            unreachable += 1
            if unreachable >= RETRIES:
                raise GraphUnavailable(UNAVAILABLE) from exc
        except ConstraintError as exc:
            conflicts += 1
            if conflicts >= 2:
                raise WriteConflict(
                    "The change conflicts with a concurrent one; retry it."
                ) from exc
            continue
        except Neo4jError as exc:
            log.warning("write transaction failed (%s): %s", exc.code, exc.message)
            if exc.code in _TIMEOUT_CODES:
                raise GraphTimeout(TOO_LONG) from exc
            if exc.code in TERMINATED_CODES:
                if time.monotonic() >= deadline:
                    raise GraphTimeout(TOO_LONG) from exc
                raise GraphUnavailable(UNAVAILABLE) from exc  # a shutdown, an operator
            if not isinstance(exc, TransientError):
                raise
            if time.monotonic() + delay > deadline:
                raise GraphTimeout(TOO_LONG) from exc
        except DriverError as exc:
            if not exc.is_retryable():
                raise
            unreachable += 1
            if unreachable >= RETRIES:
                raise GraphUnavailable(UNAVAILABLE) from exc
        await asyncio.sleep(delay)
        delay *= 2
