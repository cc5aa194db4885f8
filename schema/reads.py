"""Reads from the GraphQL layer: render a root, run it, turn read errors into client errors."""

from __future__ import annotations

from typing import Any

from neo4j import Record

from graph.errors import GraphError, GraphTimeout, GraphUnavailable, InputRefused
from graph.read.ir import Root
from graph.read.run import ReadError, read
from graph.read.statements import statement
from schema.context import Context
from schema.errors import ClientError, Code

_CODES: tuple[tuple[type[GraphError], Code], ...] = (
    (GraphUnavailable, Code.SERVICE_UNAVAILABLE),
    (GraphTimeout, Code.QUERY_TOO_COMPLEX),
    (InputRefused, Code.BAD_USER_INPUT),
)


def client_error(exc: GraphError) -> ClientError:
    """A graph error as the client sees it: its message and code (unknown kinds are internal)."""
    code = next((c for kind, c in _CODES if isinstance(exc, kind)), Code.INTERNAL_SERVER_ERROR)
    return ClientError(str(exc), code)


async def run_root(ctx: Context, root: Root) -> list[Record]:
    """The records (as `key, data` pairs or one `data`) of one root (its statement cached by
    shape, `graph.read.statements`)."""
    text, params = statement(root, ctx.scope, ctx.masked)
    try:
        records = await read(ctx.driver, ctx.database, text, params, ctx.timeout)
    except ReadError as exc:
        raise client_error(exc) from exc
    return records


async def read_root(ctx: Context, root: Root) -> Any:
    records = await run_root(ctx, root)
    return records[0]["data"] if records else None
