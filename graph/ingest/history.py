"""Load history: one `LoadRun` node per `c360 load` (mapping, its hash, files, counts, field issues,
timings, exit state), written when the load ends and read by `c360 load history` and `Query.loads`.

Per-source counts are kept as one JSON text property (`sources`): Neo4j properties cannot nest maps.
Times are kept as the ISO text the report gives, plus `at`, the start as a datetime to order by.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncDriver

RECORD: LiteralString = """
CREATE (r:LoadRun)
SET r = $run, r.at = datetime($run.startedAt)
"""

RECENT: LiteralString = """
MATCH (r:LoadRun)
WHERE $mapping IS NULL OR r.mapping = $mapping
RETURN r {.*} AS run
ORDER BY r.at DESC, r.id DESC
LIMIT $limit
"""

# Scalar properties a run may carry (`sources` is JSON text); anything else is refused.
PROPERTIES = frozenset(
    {
        "id", "mapping", "mappingPath", "mappingHash", "files", "startedAt", "finishedAt",
        "seconds", "state", "dryRun", "read", "created", "updated", "unchanged", "merged",
        "rejected", "erased", "fieldIssues", "duplicates", "ended", "rejectsFile", "sources",
        "identitySeconds", "parties", "error",
    }
)  # fmt: skip


async def record_run(driver: AsyncDriver, database: str, run: dict[str, Any]) -> None:
    unknown = set(run) - PROPERTIES
    if unknown:
        raise ValueError(f"unknown load run properties {sorted(unknown)}")
    await driver.execute_query(RECORD, run=run, database_=database)


async def recent_runs(
    driver: AsyncDriver, database: str, limit: int = 20, mapping: str | None = None
) -> list[dict[str, Any]]:
    """The newest runs first (of one mapping when given)."""
    records, _, _ = await driver.execute_query(
        RECENT, limit=limit, mapping=mapping, database_=database
    )
    return [{k: v for k, v in r["run"].items() if k != "at"} for r in records]
