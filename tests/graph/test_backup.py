"""`c360 db backup` / `db restore`: a dump of a running local server (stopped for it) restored
into a fresh instance gives the same graph (the same fingerprint).

Starts two small throwaway servers of its own (free ports, temporary folders), one after the other.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graph import local_server
from graph.backup import BackupError, backup, restore
from graph.config import Settings

FINGERPRINT = """
MATCH (n:BackupProbe)
OPTIONAL MATCH (n)-[r:NEXT]->(m:BackupProbe)
WITH n, r, m ORDER BY n.id
RETURN count(n) AS nodes, count(r) AS edges, sum(n.value) AS total,
       collect(n.id + '>' + coalesce(m.id, '-') + ':' + coalesce(toString(r.w), '-')) AS shape
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def instance(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(
        update={
            "neo4j_uri": None,
            "neo4j_data_dir": folder,
            "neo4j_bolt_port": free_port(),
            "neo4j_heap": "384m",
            "neo4j_pagecache": "64m",
        }
    )


def fingerprint(settings: Settings) -> dict[str, object]:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(FINGERPRINT, database_=settings.neo4j_database)
        return dict(records[0])


@pytest.fixture
def servers(tmp_path: Path, settings: Settings) -> Iterator[tuple[Settings, Settings]]:
    first, second = instance(settings, tmp_path / "a"), instance(settings, tmp_path / "b")
    try:
        yield first, second
    finally:
        local_server.stop(first)
        local_server.stop(second)


def test_a_backup_restored_into_a_fresh_instance_is_the_same_graph(
    servers: tuple[Settings, Settings], tmp_path: Path
) -> None:
    first, second = servers
    local_server.start(first, fresh=True)
    with GraphDatabase.driver(first.bolt_uri, auth=first.auth) as driver:
        driver.execute_query(
            "UNWIND range(1, 300) AS i CREATE (:BackupProbe {id: 'p' + right('00' + i, 3), value: i})",
            database_=first.neo4j_database,
        )
        driver.execute_query(
            "MATCH (a:BackupProbe), (b:BackupProbe) WHERE b.value = a.value + 1 AND a.value % 3 = 0 "
            "CREATE (a)-[:NEXT {w: a.value * 2}]->(b)",
            database_=first.neo4j_database,
        )
    before = fingerprint(first)
    assert (before["nodes"], before["edges"], before["total"]) == (
        300,
        99,
        300 * 301 // 2,
    )  # 3, 6, ... 297 have a next

    done = backup(first, tmp_path / "dump", restart=False)  # the CLI restarts it (restart=True)
    assert done.stopped and done.path == tmp_path / "dump" / "neo4j.dump" and done.bytes > 0
    assert not local_server.running(first)

    restored = restore(second, tmp_path / "dump")
    assert not restored.stopped  # the fresh instance was not running
    local_server.start(second)
    assert fingerprint(second) == before


def test_restore_needs_a_dump(servers: tuple[Settings, Settings], tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no dump of 'neo4j'"):
        restore(servers[1], tmp_path / "empty")


def test_a_remote_server_is_not_backed_up_here(settings: Settings, tmp_path: Path) -> None:
    remote = settings.model_copy(update={"neo4j_uri": "neo4j+s://example.databases.neo4j.io"})
    with pytest.raises(BackupError, match="its own tools"):
        backup(remote, tmp_path)
