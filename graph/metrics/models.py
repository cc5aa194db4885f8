"""Reading the fitted value models that `c360 metrics compute` stores as `:ValueModel` nodes."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.read.run import read

VALUE_MODEL: LiteralString = "MATCH (m:ValueModel {id: $id}) RETURN properties(m) AS m"


def model_id(kind: str, scope: str) -> str:
    """The id of a model: `<kind>:<scope>` (the scope is the source system, or `all`)."""
    return f"{kind}:{scope}"


async def read_model(
    driver: AsyncDriver, database: str, kind: str, scope: str, timeout: float
) -> dict[str, Any] | None:
    """The stored properties of one value model, or None when it was never computed."""
    records = await read(driver, database, VALUE_MODEL, {"id": model_id(kind, scope)}, timeout)
    if not records:
        return None
    found: dict[str, Any] = records[0]["m"]
    return found
