"""Crash recovery: a server killed with SIGKILL after committed writes replays them when it starts
again, and `start` (then `status`, `c360 neo4j status` and the log) reports that replay."""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
from neo4j import GraphDatabase
from typer.testing import CliRunner

from cli.main import app as c360
from graph import local_server as server
from graph import recovery
from graph.config import Settings

WRITES = 20  # committed transactions after the last checkpoint (the clean stop's)
NODES_EACH = 7

WRITE = "UNWIND range(1, $n) AS k CREATE (:RecoveryProbe {tag: $tag, batch: $batch, k: k})"
COUNT = "MATCH (p:RecoveryProbe {tag: $tag}) RETURN count(p) AS n, sum(p.batch * 100 + p.k) AS s"

# Two lines as Neo4j 5.26.30 wrote them in logs/debug.log after a SIGKILL (one is not a recovery).
LINES = [
    "2026-12-06 20:36:19.280+0000 INFO  [o.n.k.r.Recovery] [system/00000000] 100% completed",
    "2026-12-06 20:36:24.307+0000 INFO  [o.n.k.d.Database] [neo4j/3b93ce62] Recovery in 'full' mode "
    "completed. Observed transactions range [first:4, last:55]: 52 transactions applied, 0 not "
    "completed transactions rolled back, skipped applying 0 previously rolled back transactions. "
    "Time spent: 1s 824ms.",
]


def test_the_completed_line_is_read_field_by_field() -> None:
    found = recovery.parse(LINES)
    assert found is not None
    assert found.databases == (
        recovery.DatabaseRecovery(
            database="neo4j",
            completed_at="2026-12-06T20:36:24.307+00:00",
            mode="full",
            first_tx=4,
            last_tx=55,
            transactions=52,
            rolled_back=0,
            seconds=1.824,
        ),
    )
    assert recovery.parse(LINES[:1]) is None
    assert recovery.seconds_of("2m 5s 3ms") == 125.003
    assert recovery.seconds_of("0ms") == 0.0


@pytest.fixture(scope="module")
def crashed(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if not settings.local:
        pytest.skip("NEO4J_URI points at a remote server; the local manager is not used")
    own = settings.model_copy(
        update={
            "neo4j_data_dir": tmp_path_factory.mktemp("neo4j-crash"),
            "neo4j_bolt_port": settings.neo4j_bolt_port + 10,
            "neo4j_heap": "512m",
            "neo4j_pagecache": "128m",
        }
    )
    yield own
    server.stop(own)


def _counts(settings: Settings, tag: str) -> tuple[int, int]:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(COUNT, tag=tag, database_=settings.neo4j_database)
    return records[0]["n"], records[0]["s"]


def test_a_killed_server_replays_its_writes_and_start_reports_it(
    crashed: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    server.start(crashed)
    tag = uuid.uuid4().hex
    with GraphDatabase.driver(crashed.bolt_uri, auth=crashed.auth) as driver:
        # the label and keys are created once, by their own transactions, before the stop
        driver.execute_query(WRITE, n=1, tag="warm-up", batch=0, database_=crashed.neo4j_database)
    assert server.stop(crashed) is True  # a clean stop: checkpointed, nothing to replay
    first = server.start(crashed)
    assert first.recovered is None and first.last_recovery is None
    with GraphDatabase.driver(crashed.bolt_uri, auth=crashed.auth) as driver:
        for batch in range(1, WRITES + 1):
            driver.execute_query(
                WRITE, n=NODES_EACH, tag=tag, batch=batch, database_=crashed.neo4j_database
            )
    expected = (
        WRITES * NODES_EACH,
        sum(b * 100 + k for b in range(1, WRITES + 1) for k in range(1, NODES_EACH + 1)),
    )
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.running(crashed) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server.running(crashed)

    with caplog.at_level(logging.WARNING, logger="customer360.neo4j"):
        again = server.start(crashed)

    assert again.recovered is not None
    by_name = {d.database: d for d in again.recovered.databases}
    ours = by_name[crashed.neo4j_database]
    # exactly the committed transactions after the checkpoint, none rolled back
    assert (ours.transactions, ours.rolled_back) == (WRITES, 0)
    assert ours.last_tx - ours.first_tx + 1 == WRITES
    assert ours.mode == "full" and ours.seconds >= 0
    assert _counts(crashed, tag) == expected
    assert again.last_recovery == again.recovered

    lines = [r for r in caplog.records if r.getMessage() == "neo4j crash recovery"]
    assert len(lines) == 1
    fields = lines[0].fields  # type: ignore[attr-defined]
    assert fields["transactions"] == again.recovered.transactions
    assert fields["seconds"] == again.recovered.seconds
    assert {d["database"] for d in fields["databases"]} == set(by_name)

    shown = CliRunner().invoke(
        c360,
        ["neo4j", "status", "--data-dir", str(crashed.data_dir), "--port",
         str(crashed.neo4j_bolt_port)],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert f"last crash recovery: Neo4j replayed {again.recovered.transactions} transactions" in (
        " ".join(shown.output.split())
    )
