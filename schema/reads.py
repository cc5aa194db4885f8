"""Reads from the GraphQL layer: render a root, run it, turn read errors into client errors."""

from __future__ import annotations

from typing import Any

from neo4j import Record

from graph.read.ir import Root
from graph.read.run import GraphUnavailable, ReadError, ReadRejected, ReadTimeout, read
from graph.read.statements import statement
from schema.context import Context
from schema.errors import ClientError, Code

_CODES: dict[type[ReadError], Code] = {
    GraphUnavailable: Code.SERVICE_UNAVAILABLE,
    ReadTimeout: Code.QUERY_TOO_COMPLEX,
    ReadRejected: Code.BAD_USER_INPUT,
}


def client_error(exc: ReadError) -> ClientError:
    return ClientError(str(exc), _CODES.get(type(exc), Code.INTERNAL_SERVER_ERROR))


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
