"""The GraphQL schema: root types assembled from the feature modules."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from schema.server import Server, resolve_server


@strawberry.type
class Query:
    server: Server = strawberry.field(
        resolver=resolve_server,
        description="The Neo4j server and its node and relationship counts.",
    )


schema = strawberry.Schema(
    query=Query,
    extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
)
