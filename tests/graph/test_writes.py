"""graph.writes.write on the real Neo4j: committed or rolled back whole, a transaction past its
budget is GraphTimeout (it answered INTERNAL_SERVER_ERROR before), an unreachable database
GraphUnavailable at once instead of after the driver's 15 s retry window."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from neo4j import AsyncManagedTransaction, Driver

from graph.config import Settings
from graph.driver import run_with
from graph.errors import GraphTimeout, GraphUnavailable, InputRefused
from graph.writes import write

COUNT = "MATCH (n:WriteProbe {tag: $tag}) RETURN count(n) AS n"
SLOW = "UNWIND range(1, 1000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n"


def probes(driver: Driver, settings: Settings, tag: str) -> int:
    records, _, _ = driver.execute_query(COUNT, tag=tag, database_=settings.neo4j_database)
    n: int = records[0]["n"]
    return n


def test_a_write_commits_whole_or_not_at_all(driver: Driver, settings: Settings) -> None:
    tag = uuid.uuid4().hex
    db = settings.neo4j_database

    async def two(tx: AsyncManagedTransaction) -> str:
        await tx.run("CREATE (:WriteProbe {tag: $tag}), (:WriteProbe {tag: $tag})", tag=tag)
        return "done"

    async def refused(tx: AsyncManagedTransaction) -> None:
        await tx.run("CREATE (:WriteProbe {tag: $tag})", tag=tag)
        raise InputRefused("no")

    try:
        assert run_with(settings, lambda d: write(d, db, two, 10.0)) == "done"
        assert probes(driver, settings, tag) == 2
        with pytest.raises(InputRefused, match=r"^no$"):
            run_with(settings, lambda d: write(d, db, refused, 10.0))
        assert probes(driver, settings, tag) == 2  # the third node was rolled back
    finally:
        driver.execute_query("MATCH (n:WriteProbe {tag: $tag}) DELETE n", tag=tag, database_=db)


def test_a_write_past_its_budget_is_a_graph_timeout(settings: Settings) -> None:
    async def slow(tx: AsyncManagedTransaction) -> int:
        record = await (await tx.run(SLOW)).single(strict=True)
        return int(record["n"])

    with pytest.raises(GraphTimeout, match=r"^The change took longer than its time budget\.$"):
        run_with(settings, lambda d: write(d, settings.neo4j_database, slow, 0.5))


def test_an_unreachable_database_is_graph_unavailable_at_once(settings: Settings) -> None:
    nowhere = settings.model_copy(update={"neo4j_bolt_port": 9, "neo4j_uri": None})

    async def nothing(tx: AsyncManagedTransaction) -> None:
        await tx.run("RETURN 1")

    started = time.monotonic()
    with pytest.raises(GraphUnavailable, match=r"^The graph database is unavailable; try again\.$"):
        run_with(nowhere, lambda d: write(d, nowhere.neo4j_database, nothing, 10.0))
    assert time.monotonic() - started < 2.0  # the driver's own retries took 15 s


BLOCKED = (
    "SHOW TRANSACTIONS YIELD transactionId, status, currentQuery "
    "WHERE currentQuery CONTAINS 'n.terminated' AND status STARTS WITH 'Blocked' "
    "RETURN transactionId"
)


def test_a_write_terminated_from_outside_is_graph_unavailable(
    driver: Driver, settings: Settings
) -> None:
    """A transaction the server terminates (a graceful shutdown does this to every transaction in
    flight; the driver reports `Neo.ClientError.Transaction.LockClientStopped`) is rolled back
    and retryable: GraphUnavailable, not an unexpected error (seen as INTERNAL_SERVER_ERROR on 10
    mutations when Neo4j was stopped with SIGTERM under load, RELIABILITY.md)."""
    tag = uuid.uuid4().hex
    db = settings.neo4j_database
    driver.execute_query("CREATE (:WriteProbe {tag: $tag})", tag=tag, database_=db)
    terminated: list[str] = []

    async def blocked(tx: AsyncManagedTransaction) -> None:
        await tx.run("MATCH (n:WriteProbe {tag: $tag}) SET n.terminated = true", tag=tag)

    with driver.session(database=db) as session:
        holder = session.begin_transaction()
        holder.run("MATCH (n:WriteProbe {tag: $tag}) SET n.held = true", tag=tag).consume()

        def terminate() -> None:
            deadline = time.monotonic() + 30
            while not terminated and time.monotonic() < deadline:
                records, _, _ = driver.execute_query(BLOCKED, database_=db)
                for r in records:
                    driver.execute_query("TERMINATE TRANSACTION $id", id=r["transactionId"])
                    terminated.append(r["transactionId"])
                time.sleep(0.1)
            holder.rollback()

        watcher = threading.Thread(target=terminate)
        watcher.start()
        try:
            with pytest.raises(GraphUnavailable, match=r"^The graph database is unavailable"):
                run_with(settings, lambda d: write(d, db, blocked, 30.0))
        finally:
            watcher.join()
    try:
        assert len(terminated) == 1
        records, _, _ = driver.execute_query(
            "MATCH (n:WriteProbe {tag: $tag}) RETURN n.terminated AS t, n.held AS h",
            tag=tag,
            database_=db,
        )
        assert [(r["t"], r["h"]) for r in records] == [(None, None)]  # both rolled back
    finally:
        driver.execute_query("MATCH (n:WriteProbe {tag: $tag}) DELETE n", tag=tag, database_=db)
