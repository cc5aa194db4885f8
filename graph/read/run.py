"""Running read statements: routed to readers, with a transaction timeout, errors translated.

Every statement of the API goes through `read`, so the driver's errors become the domain's here
and callers (the GraphQL layer) never see a Neo4j exception or a statement's text.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncDriver, Query, Record, RoutingControl
from neo4j.exceptions import (
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)


class ReadError(Exception):
    """A read that could not be answered; the message is safe to show."""


class GraphUnavailable(ReadError):
    pass


class ReadTimeout(ReadError):
    pass


class ReadRejected(ReadError):
    """The database refused the statement (bad input reaching it, e.g. a malformed search)."""


_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.TransientError.Transaction.LockClientStopped",
)


async def read(
    driver: AsyncDriver,
    database: str,
    text: LiteralString,
    params: dict[str, Any],
    timeout: float | None,
) -> list[Record]:
    """Run one read statement on a reader with a transaction timeout; return its records."""
    try:
        records, _, _ = await driver.execute_query(
            Query(text, timeout=timeout),
            params,
            database_=database,
            routing_=RoutingControl.READ,
        )
    except (ServiceUnavailable, SessionExpired) as exc:
        raise GraphUnavailable("The graph database is unavailable; try again.") from exc
    except ClientError as exc:
        if exc.code in _TIMEOUT_CODES:
            raise ReadTimeout("The query took longer than its time budget.") from exc
        if exc.code and exc.code.startswith("Neo.ClientError.Procedure"):
            raise ReadRejected("The search text could not be understood.") from exc
        raise
    except Neo4jError as exc:
        if exc.code in _TIMEOUT_CODES:
            raise ReadTimeout("The query took longer than its time budget.") from exc
        raise
    except DriverError as exc:
        raise GraphUnavailable("The graph database is unavailable; try again.") from exc
    return records


async def read_data(
    driver: AsyncDriver, database: str, text: LiteralString, params: dict[str, Any], timeout: float
) -> Any:
    """The `data` column of a statement answering one record."""
    records = await read(driver, database, text, params, timeout)
    return records[0]["data"] if records else None
