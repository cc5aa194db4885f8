"""GraphQL over HTTP: reading a request's parameters and choosing the response's media type.

Follows the GraphQL-over-HTTP draft: GET (query string) and POST (`application/json`) requests,
and batches (a POST body that is an array of operations, `api/batch.py`);
`application/graphql-response+json` when the client accepts it, `application/json` otherwise
(and when no Accept header is sent); 406, 413 and 415 for what cannot be served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class HTTPError(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class Params:
    query: str  # empty when only a persisted document's hash was sent (api/persisted.py)
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any] = field(default_factory=dict)


def media_type(request: Request) -> str:
    """The response type the client accepts; HTTPError 406 when it accepts neither JSON type."""
    accept = request.headers.get("accept")
    if not accept:
        return JSON
    offered: dict[str, float] = {}
    for part in accept.split(","):
        kind, *options = (p.strip() for p in part.split(";"))
        weight = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        offered[kind.lower()] = weight
    if offered.get(GRAPHQL_RESPONSE, 0) > 0:
        return GRAPHQL_RESPONSE
    if offered.get(JSON, 0) > 0 or offered.get("application/*", 0) > 0 or offered.get("*/*", 0) > 0:
        return JSON
    raise HTTPError(406, f"Responses are {GRAPHQL_RESPONSE} or {JSON}.")


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPError(413, f"The request body is larger than {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPError(413, f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise HTTPError(400, f"{what} is not valid JSON.") from None


def params_of(raw: Any) -> Params:
    """The parameters of one operation (a request's, or one entry of a batch)."""
    if not isinstance(raw, dict):
        raise HTTPError(400, "An operation must be a JSON object.")
    query = raw.get("query")
    extensions = raw.get("extensions")
    if query is None and isinstance(extensions, dict) and "persistedQuery" in extensions:
        query = ""  # the hash stands for the document
    elif not isinstance(query, str) or not query.strip():
        raise HTTPError(400, "`query` must be a non-empty string.")
    name = raw.get("operationName")
    if name is not None and not isinstance(name, str):
        raise HTTPError(400, "`operationName` must be a string.")
    variables = raw.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise HTTPError(400, "`variables` must be an object.")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPError(400, "`extensions` must be an object.")
    return Params(query, name, variables, extensions or {})


async def read_params(request: Request, max_body: int) -> Params | list[Any]:
    """The operation's parameters, or a batch's raw entries (a POST body that is a JSON array:
    `api/batch.py`)."""
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query_params)
        for key in ("variables", "extensions"):
            if key in raw:
                raw[key] = _json(raw[key], f"`{key}`")
        return params_of(raw)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise HTTPError(415, f"POST bodies must be {JSON}.")
    body = _json(await _body(request, max_body), "The body")
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        raise HTTPError(400, "The body must be a JSON object, or an array of them (a batch).")
    return params_of(body)
