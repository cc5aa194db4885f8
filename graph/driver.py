"""The async Neo4j driver: opened once per process, checked, closed on exit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase

from graph.config import Settings

T = TypeVar("T")
R = TypeVar("R")


class Bulk(list[T]):
    """A batch parameter (rows, ids, one column of values) that the driver sends but never
    prints: every statement's batches go in as `Bulk`.

    The async driver formats each RUN message's parameters for its debug log before the log asks
    whether debug is on (`neo4j/_async/io/_bolt/_bolt5.py`). A metrics batch (27 columns of 5,000
    values) became a 1.2 MB string, 29 ms, each time: 5.9 s of a 1M metrics rerun, and 8.2 s of a
    100k load (py-spy). Packed, a `Bulk` is the list it holds; printed, it is its length, so a
    debug log, when on, does not copy customers' data either.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} values>"


def open_driver(settings: Settings) -> AsyncDriver:
    """Create the driver. The caller owns it and must `await driver.close()`."""
    return AsyncGraphDatabase.driver(
        settings.bolt_uri,
        auth=settings.auth,
        max_connection_pool_size=settings.neo4j_max_pool_size,
        connection_timeout=settings.neo4j_connection_timeout_s,
        connection_acquisition_timeout=settings.neo4j_connection_timeout_s,
        max_transaction_retry_time=15.0,
        user_agent="customer360",
        notifications_min_severity="OFF",
    )


def run_with(settings: Settings, work: Callable[[AsyncDriver], Awaitable[T]]) -> T:
    """Open a driver, run `work` with it on a new event loop, close it: for synchronous callers
    (CLI commands, tests) of the async graph functions."""

    async def go() -> T:
        driver = open_driver(settings)
        try:
            return await work(driver)
        finally:
            await driver.close()

    return asyncio.run(go())


async def every_page(
    page: Callable[[str], Awaitable[list[T]]], key: Callable[[T], str], size: int
) -> list[T]:
    """Every item of a read paged by id: `page(after)` returns the next `size` items (fewer at the
    end) whose `key` sorts after `after`, in that order."""
    found: list[T] = []
    while True:
        items = await page(key(found[-1]) if found else "")
        found += items
        if len(items) < size:
            return found


async def together(*work: Awaitable[Any]) -> list[Any]:
    """Run `work` side by side and return the results in order. On the first failure the rest
    are cancelled and awaited before that failure is raised, so nothing keeps writing behind a
    failed step (`asyncio.gather` alone would leave them running)."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def in_chunks(
    items: Sequence[T], size: int, parallel: int, work: Callable[[Sequence[T]], Awaitable[R]]
) -> list[R]:
    """`work` on each chunk of `size` items, `parallel` chunks at a time (through `together`),
    the results in the chunks' order."""
    gate = asyncio.Semaphore(parallel)

    async def chunk(start: int) -> R:
        async with gate:
            return await work(items[start : start + size])

    found: list[R] = await together(*(chunk(start) for start in range(0, len(items), size)))
    return found
