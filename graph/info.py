"""What the server says about itself: version, edition, node and relationship counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import READ_ACCESS, AsyncDriver
from neo4j.exceptions import DriverError, Neo4jError

from graph.errors import GraphUnavailable
from graph.migrations import migrate
from graph.read.run import read

SERVER_INFO: LiteralString = """
CALL dbms.components() YIELD name, versions, edition
WITH versions[0] AS version, edition
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN version, edition, nodes, relationships
"""


@dataclass(frozen=True)
class ServerInfo:
    version: str
    edition: str
    nodes: int
    relationships: int


async def server_info(
    driver: AsyncDriver, database: str, timeout: float | None = None
) -> ServerInfo:
    """The server's own report, read like every API read (`graph.read.run.read`: prompt while the
    database is down, errors as `graph.errors`)."""
    records = await read(driver, database, SERVER_INFO, {}, timeout)
    row = records[0]
    return ServerInfo(row["version"], row["edition"], row["nodes"], row["relationships"])


async def ping(driver: AsyncDriver, database: str) -> None:
    """Raise `GraphUnavailable` (naming the driver's error) unless the database answers a trivial
    read. One attempt, no retries: a probe must be quick."""
    try:
        async with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
            result = await session.run("RETURN 1")
            await result.consume()
    except (DriverError, Neo4jError, OSError) as exc:
        raise GraphUnavailable(type(exc).__name__) from exc


async def start_up(driver: AsyncDriver, database: str, migrate_schema: bool) -> None:
    """Check that the database answers and, if asked, apply the schema migrations; raise
    `GraphUnavailable` (naming the driver's error) when it does not answer."""
    try:
        await driver.verify_connectivity()
        if migrate_schema:
            await migrate(driver, database)
    except (DriverError, Neo4jError, OSError) as exc:
        raise GraphUnavailable(f"{type(exc).__name__}: {exc}") from exc
