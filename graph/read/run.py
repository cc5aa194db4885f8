"""Running read statements: routed to readers, with a transaction timeout, errors translated.

Every statement of the API goes through `read`, so the driver's errors become the domain's here
and callers (the GraphQL layer) never see a Neo4j exception or a statement's text.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any, LiteralString

from neo4j import READ_ACCESS, AsyncDriver, AsyncSession, Query, Record
from neo4j.exceptions import (
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.errors import GraphError, GraphTimeout, GraphUnavailable, InputRefused
from graph.telemetry.statements import name_of, timed

ReadError = GraphError  # a read that could not be answered; the message is safe to show
ReadTimeout = GraphTimeout

__all__ = ["GraphUnavailable", "ReadError", "ReadRejected", "ReadTimeout", "read", "read_data"]


class ReadRejected(InputRefused):
    """The database refused the statement (bad input reaching it, e.g. a malformed search)."""


_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.TransientError.Transaction.LockClientStopped",
)


RETRIES = 3  # attempts of a read that lost its connection or hit a transient error
BACKOFF_S = 0.05  # the first wait between attempts; doubled each time


IDLE_SESSIONS = 64  # read sessions kept per driver and database between requests


class _Idle:
    """Each driver's idle read sessions, by database. A session that answered is put back and
    reused by the next read instead of making a new one: sessions hold a connection only while a
    result is open, and making one (its configuration, its bookmark manager) was about a ninth of
    the driver's CPU per light read. A session whose read failed is never put back. When its
    driver is collected, its idle sessions are closed."""

    def __init__(self) -> None:
        self._by_driver: weakref.WeakKeyDictionary[AsyncDriver, dict[str, list[AsyncSession]]]
        self._by_driver = weakref.WeakKeyDictionary()

    def take(self, driver: AsyncDriver, database: str) -> AsyncSession:
        idle = self._by_driver.get(driver, {}).get(database)
        if idle:
            return idle.pop()
        return driver.session(
            database=database,
            default_access_mode=READ_ACCESS,
            bookmark_manager=driver.execute_query_bookmark_manager,
        )

    def give_back(self, driver: AsyncDriver, database: str, session: AsyncSession) -> None:
        by_database = self._by_driver.get(driver)
        if by_database is None:
            by_database = self._by_driver[driver] = {}
            weakref.finalize(driver, _close_all, by_database)
        idle = by_database.setdefault(database, [])
        if len(idle) < IDLE_SESSIONS:
            idle.append(session)
        else:
            _close_idle(session)


def _close_all(by_database: dict[str, list[AsyncSession]]) -> None:
    for idle in by_database.values():
        for session in idle:
            _close_idle(session)


def _close_idle(session: AsyncSession) -> None:
    """Close an idle session at once, outside any event loop: holding no connection, its `close`
    finishes without waiting on anything."""
    closing = session.close()
    try:
        closing.send(None)
    except StopIteration:
        return
    with contextlib.suppress(RuntimeError):  # it would have waited: a connection after all
        closing.close()
    session.cancel()


_idle = _Idle()


async def _run(
    driver: AsyncDriver, database: str, text: LiteralString, params: dict[str, Any],
    timeout: float | None,
) -> list[Record]:  # fmt: skip
    """One auto-commit read on a reader, causally after the API's writes (their bookmarks).

    An auto-commit transaction costs one round trip (RUN and PULL) where a managed one adds BEGIN
    and COMMIT: about 1.6x the reads per second through the driver on a small lookup. Being one
    statement, it is as atomic as the managed transaction was; `read` retries it instead.
    """
    session = _idle.take(driver, database)
    try:
        result = await session.run(Query(text, timeout=timeout), params)
        records = [record async for record in result]
    except BaseException as exc:
        # closed as `async with session` would (a cancelled one is not waited on); the driver
        # leaves its `__aexit__` untyped
        await session.__aexit__(type(exc), exc, exc.__traceback__)  # type: ignore[no-untyped-call]
        raise
    _idle.give_back(driver, database, session)
    return records


async def read(
    driver: AsyncDriver,
    database: str,
    text: LiteralString,
    params: dict[str, Any],
    timeout: float | None,
) -> list[Record]:
    """Run one read statement on a reader with a transaction timeout; return its records. A lost
    connection or a transient error is retried (`RETRIES` attempts, backing off)."""
    name = name_of("read", text)
    for attempt in range(RETRIES):
        try:
            with timed(name, params):
                return await _translated(driver, database, text, params, timeout)
        except GraphUnavailable:
            if attempt == RETRIES - 1:
                raise
        except TransientError as exc:
            if exc.code in _TIMEOUT_CODES or attempt == RETRIES - 1:
                raise ReadTimeout("The query took longer than its time budget.") from exc
        await asyncio.sleep(BACKOFF_S * 2**attempt)
    raise AssertionError("unreachable")


async def _translated(
    driver: AsyncDriver, database: str, text: LiteralString, params: dict[str, Any],
    timeout: float | None,
) -> list[Record]:  # fmt: skip
    """`_run` with the driver's errors turned into the domain's (transient ones pass through)."""
    try:
        return await _run(driver, database, text, params, timeout)
    except (ServiceUnavailable, SessionExpired) as exc:
        raise GraphUnavailable("The graph database is unavailable; try again.") from exc
    except ClientError as exc:
        if exc.code in _TIMEOUT_CODES:
            raise ReadTimeout("The query took longer than its time budget.") from exc
        if exc.code and exc.code.startswith("Neo.ClientError.Procedure"):
            raise ReadRejected("The search text could not be understood.") from exc
        raise
    except TransientError:
        raise
    except Neo4jError as exc:
        if exc.code in _TIMEOUT_CODES:
            raise ReadTimeout("The query took longer than its time budget.") from exc
        raise
    except DriverError as exc:
        raise GraphUnavailable("The graph database is unavailable; try again.") from exc


async def read_data(
    driver: AsyncDriver, database: str, text: LiteralString, params: dict[str, Any], timeout: float
) -> Any:
    """The `data` column of a statement answering one record."""
    records = await read(driver, database, text, params, timeout)
    return records[0]["data"] if records else None
