"""The `/graphql` endpoint: Strawberry's ASGI view with our context, error codes and orjson."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import orjson
from graphql import GraphQLError
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from schema.context import Context
from schema.errors import ClientError, Code

log = logging.getLogger("customer360.api")


def error_payload(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """Format one error for the client: a code always; unexpected errors masked and logged."""
    original = error.original_error
    formatted: dict[str, Any] = dict(error.formatted)
    if original is None:
        code = Code.GRAPHQL_VALIDATION_FAILED
    elif isinstance(original, ClientError):
        code = original.code
    elif isinstance(original, ServiceUnavailable | SessionExpired):
        log.warning("neo4j unavailable request_id=%s: %s", request_id, original)
        code = Code.SERVICE_UNAVAILABLE
        formatted = {**formatted, "message": "The graph database is unavailable; try again."}
    else:
        log.error("unexpected error request_id=%s", request_id, exc_info=original)
        code = Code.INTERNAL_SERVER_ERROR
        formatted = {**formatted, "message": "Internal server error."}
    extensions = {**formatted.get("extensions", {}), "code": code.value, "requestId": request_id}
    return {**formatted, "extensions": extensions}


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        return Context(
            driver=state.driver, database=state.settings.neo4j_database, request_id=request_id
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
            data["errors"] = [error_payload(e, request_id) for e in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
