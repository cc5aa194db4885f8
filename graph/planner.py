"""After a bulk write: fresh index statistics and no plans made from the old ones.

Neo4j plans a statement from its statistics (counts per label, index selectivities), which it
resamples in the background. Right after a load that multiplied the graph they still describe the
old graph: the first `c360 metrics compute` after loading the 10k demo into an empty graph read its
first page of customers with such a plan for more than 60 s (the server's transaction limit), and
in 3 s once the statistics had caught up. `db.prepareForReplanning` resamples the outdated indexes,
waits for that, and clears the plan caches (0.1 s after the 10k load).
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncDriver

REPLAN: LiteralString = "CALL db.prepareForReplanning($seconds)"


async def replan(driver: AsyncDriver, database: str, seconds: int = 60) -> None:
    """Resample outdated index statistics (waiting at most `seconds`) and clear cached plans."""
    await driver.execute_query(REPLAN, seconds=seconds, database_=database)
