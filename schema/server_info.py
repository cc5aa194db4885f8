"""`server`: what the Neo4j server says about itself, read live."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.errors import GraphError
from graph.info import server_info
from schema.context import Context
from schema.reads import client_error


@strawberry.type(description="The Neo4j server behind this API, as it reports itself.")
class Server:
    version: str = strawberry.field(description="The Neo4j version.")
    edition: str = strawberry.field(description="The Neo4j edition (`community` or `enterprise`).")
    node_count: int = strawberry.field(description="Nodes in the database.")
    relationship_count: int = strawberry.field(description="Relationships in the database.")


async def resolve_server(info: Info[Context, None]) -> Server:
    ctx = info.context
    try:
        found = await server_info(ctx.driver, ctx.database, ctx.timeout)
    except GraphError as exc:
        raise client_error(exc) from exc
    return Server(
        version=found.version,
        edition=found.edition,
        node_count=found.nodes,
        relationship_count=found.relationships,
    )
