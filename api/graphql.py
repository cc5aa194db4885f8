"""The `/graphql` endpoint: GraphQL over HTTP, limits, the compiled path and the executor.

A request is read (`api/http.py`), its document parsed and validated once (cached by text), its
operation chosen, its variables coerced and its limits checked, all before any Cypher runs. Then
the compiler answers it in one statement per root field, or, for what it does not compile
(introspection, `server`), Strawberry's executor does. Every error carries `extensions.code` and
the request id; unexpected ones are masked and logged.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, OperationDefinitionNode, OperationType, get_operation_ast
from graphql.execution.values import VariableValues, get_variable_values
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.http.ides import GraphQL_IDE, get_graphql_ide_html

from api.batch import check_size, run_batch
from api.cost import cost_of, with_cost
from api.http import GRAPHQL_RESPONSE, HTTPError, Params, media_type, read_params
from api.limits import Limits, Width, measure, too_wide
from api.observability import note_operation
from api.persisted import PersistedDocuments, PersistedRefusal
from api.ratelimit import CostBudget, RequestLimits, retry_after
from graph.errors import GraphUnavailable
from graph.read.masking import masked
from graph.read.scope import Scope as ReadScope
from graph.read.scope import for_principal
from graph.security.principal import PII, Principal
from graph.telemetry import tracing
from schema.access import denied
from schema.compiler.execute import Compiler
from schema.context import Context
from schema.documents import Document, Documents, Operation
from schema.errors import ClientError, Code
from schema.scalars import json_default

log = logging.getLogger("customer360.api")


def error_payload(error: GraphQLError, request_id: str, code: Code | None = None) -> dict[str, Any]:
    """Format one error for the client: a code always; unexpected errors masked and logged."""
    original = error.original_error
    formatted: dict[str, Any] = dict(error.formatted)
    if code is None and original is None:
        code = Code.GRAPHQL_VALIDATION_FAILED
    elif code is not None:
        pass
    elif isinstance(original, ClientError):
        code = original.code
    elif isinstance(original, GraphUnavailable):
        log.warning("neo4j unavailable request_id=%s: %s", request_id, original)
        code = Code.SERVICE_UNAVAILABLE
        formatted = {**formatted, "message": "The graph database is unavailable; try again."}
    else:
        log.error("unexpected error request_id=%s", request_id, exc_info=original)
        code = Code.INTERNAL_SERVER_ERROR
        formatted = {**formatted, "message": "Internal server error."}
    extensions = {**formatted.get("extensions", {}), "code": code.value, "requestId": request_id}
    return {**formatted, "extensions": extensions}


def _body(data: Any, errors: list[GraphQLError], request_id: str) -> dict[str, Any]:
    if not errors:
        return {"data": data}
    return {"errors": [error_payload(e, request_id) for e in errors], "data": data}


class RequestError(Exception):
    """Errors found before execution: the response has no `data`."""

    def __init__(
        self,
        errors: list[GraphQLError],
        code: Code,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0].message if errors else code.value)
        self.errors = errors
        self.code = code
        self.status = status
        self.headers = headers or {}


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(request: Request) -> str:
    """The id set by the authentication middleware, or a well-formed `x-request-id`, or a new one."""
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str) and found:
        return found
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class GraphQLApp:
    """An ASGI app serving one schema at one path (GET and POST)."""

    def __init__(
        self,
        schema: strawberry.Schema,
        graphql_ide: GraphQL_IDE | None = "graphiql",
        *,
        limits: Limits | None = None,
        timeout: float | None = None,
        compiled: bool = True,
        budget: CostBudget | None = None,
        persisted: PersistedDocuments | None = None,
        requests: RequestLimits | None = None,
    ) -> None:
        self.schema = schema
        self.limits = limits or Limits()
        self.budget = budget  # the per-role query cost budget per minute (None: none)
        self.persisted = persisted  # APQ and trusted documents (None: documents in full only)
        self.requests = requests  # the request budget each batch entry after the first takes from
        self.timeout = timeout
        self.compiled = compiled
        self.ide_html = get_graphql_ide_html(graphql_ide) if graphql_ide else None
        self.documents = Documents(schema._schema, self.limits.max_tokens)
        self.compiler = Compiler(schema)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    def scope_for(self, request: Request) -> ReadScope | None:
        """What the caller may read, compiled into every statement: a partner sees its own referral
        network, an account team restricted to its accounts sees those; others see everything."""
        return for_principal(getattr(request.state, "principal", None))

    def masked_for(self, request: Request) -> frozenset[str]:
        """Personal data reads as null unless the caller holds the `pii` scope; stored aggregates
        over populations read as null for a scoped caller (`graph/read/masking.py`)."""
        principal = getattr(request.state, "principal", None)
        if principal is None:
            return frozenset()
        return masked(principal.has_scope(PII), self.scope_for(request) is not None)

    def context(self, request: Request, request_id: str) -> Context:
        state = request.app.state
        timeout = self.timeout if self.timeout is not None else state.settings.neo4j_query_timeout_s
        return Context(
            driver=state.driver,
            database=state.settings.neo4j_database,
            request_id=request_id,
            timeout=timeout,
            scope=self.scope_for(request),
            masked=self.masked_for(request),
            principal=getattr(request.state, "principal", None),
        )

    async def handle(self, request: Request) -> Response:
        request_id = request_id_of(request)
        headers = {"x-request-id": request_id}
        if (
            request.method == "GET"
            and self.ide_html is not None
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        ):
            return HTMLResponse(self.ide_html)
        try:
            kind = media_type(request)
        except HTTPError as exc:
            return self._http_error(exc, request_id, headers)
        try:
            params = await read_params(request, self.limits.max_body_bytes)
            if isinstance(params, list):
                return await self._batch(request, request_id, headers, kind, params)
            body, status, extra = await self.answer(request, request_id, params, kind)
        except HTTPError as exc:
            return self._http_error(exc, request_id, headers, kind)
        headers.update(extra)
        content = orjson.dumps(body, default=json_default)
        return Response(content, status, headers, media_type=kind)

    async def answer(
        self, request: Request, request_id: str, params: Params, kind: str
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """One operation's body (with `extensions.cost`), status and extra headers."""
        started = time.perf_counter()
        headers: dict[str, str] = {}
        request.state.cost = None
        try:
            body, statements = await self.execute(request, request_id, params)
            status = 200
        except RequestError as exc:
            body = {"errors": [error_payload(e, request_id, exc.code) for e in exc.errors]}
            status = exc.status if kind == GRAPHQL_RESPONSE or exc.status == 429 else 200
            headers.update(exc.headers)
            statements = 0
        log.debug(
            "graphql request_id=%s statements=%s ms=%.1f",
            request_id,
            statements,
            1000 * (time.perf_counter() - started),
        )
        principal = getattr(request.state, "principal", None)
        cost = getattr(request.state, "cost", None) or await cost_of(
            self.budget, principal, 0, False
        )
        return with_cost(body, cost), status, headers

    async def _batch(
        self, request: Request, request_id: str, headers: dict[str, str], kind: str, raw: list[Any]
    ) -> Response:
        """A batch (`api/batch.py`): each entry answered as one request; one array back."""
        check_size(raw, self.limits.max_batch)

        async def answer(params: Params) -> tuple[dict[str, Any], int, dict[str, str]]:
            return await self.answer(request, request_id, params, kind)

        principal = getattr(request.state, "principal", None)

        async def refuse(error: GraphQLError, code: Code) -> dict[str, Any]:
            body = {"errors": [error_payload(error, request_id, code)]}
            return with_cost(body, await cost_of(self.budget, principal, 0, False))

        results, extra = await run_batch(raw, answer, refuse, self.requests, principal)
        content = orjson.dumps(results, default=json_default)
        return Response(content, 200, {**headers, **extra}, media_type=kind)

    def _http_error(
        self, exc: HTTPError, request_id: str, headers: dict[str, str], kind: str = GRAPHQL_RESPONSE
    ) -> Response:
        error = {
            "message": exc.message,
            "extensions": {"code": Code.BAD_USER_INPUT.value, "requestId": request_id},
        }
        content = orjson.dumps({"errors": [error]})
        return Response(content, exc.status, {**headers, **exc.headers}, media_type=kind)

    async def execute(
        self, request: Request, request_id: str, params: Params
    ) -> tuple[dict[str, Any], int]:
        """The response body and how many statements the compiled path ran (-1: the executor)."""
        if self.persisted is not None:
            try:
                params = await self.persisted.resolve(request, params)
            except PersistedRefusal as exc:
                raise RequestError([exc.error], exc.code, exc.status) from None
        with tracing.span("graphql.parse_validate"):
            document = self.documents.get(params.query)
        if document.node is None:
            raise RequestError(document.errors, document.code or Code.GRAPHQL_PARSE_FAILED)
        operation = document.operation(params.operation_name) if document.code is None else None
        node = (
            operation.node
            if operation is not None
            else get_operation_ast(document.node, params.operation_name)
        )
        note_operation(node)  # for the request's log line, even when validation failed
        if (
            request.method == "GET"
            and node is not None
            and node.operation is not OperationType.QUERY
        ):
            raise HTTPError(405, "Only queries may be sent with GET.", {"allow": "POST"})
        if document.code is not None:
            raise RequestError(document.errors, document.code)
        if operation is None:
            message = (
                f"Unknown operation named {params.operation_name!r}."
                if params.operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            raise RequestError([GraphQLError(message)], Code.BAD_USER_INPUT)
        variables = self._variables(operation.node, params.variables)
        estimated = self._check_limits(document, operation, variables)
        principal = getattr(request.state, "principal", None)
        self._authorize(principal, operation.guarded)
        request.state.cost = await cost_of(self.budget, principal, estimated, charged=False)
        await self._charge(principal, estimated)
        request.state.cost = await cost_of(self.budget, principal, estimated, charged=True)
        ctx = self.context(request, request_id)
        if self.compiled:
            plan = self.compiler.plan(document, operation, variables)
            if plan is not None:
                compiled = await self.compiler.execute(ctx, plan, variables)
                if compiled is not None:
                    return _body(compiled.data, compiled.errors, request_id), compiled.statements
        result = await self.schema.execute(
            params.query,
            variable_values=params.variables,
            context_value=ctx,
            operation_name=params.operation_name,
        )
        return _body(result.data, list(result.errors or []), request_id), -1

    def _authorize(self, principal: Principal | None, coordinates: frozenset[str]) -> None:
        """Refuse, before anything runs, the fields this principal's role may not select."""
        if principal is None:
            return
        refused = denied(principal, coordinates)
        if refused:
            names = ", ".join(f"`{c}`" for c in refused)
            message = f"A {principal.role.value} principal may not use {names}."
            raise RequestError([GraphQLError(message)], Code.FORBIDDEN, 403)

    def _variables(self, operation: OperationDefinitionNode, raw: dict[str, Any]) -> VariableValues:
        found = get_variable_values(
            self.schema._schema, operation.variable_definitions or (), raw, max_errors=10
        )
        if isinstance(found, list):
            raise RequestError(found, Code.BAD_USER_INPUT)
        return found

    async def _charge(self, principal: Principal | None, estimated: int) -> None:
        """Take the query's estimated cost from the caller's per-minute budget (by role)."""
        if self.budget is None or principal is None:
            return
        wait = await self.budget.charge(principal, estimated)
        if wait == math.inf:
            message = (
                f"The query may return {estimated} values; a {principal.role.value} may ask for "
                f"{self.budget.limit(principal)} a minute."
            )
            raise RequestError([GraphQLError(message)], Code.QUERY_TOO_COMPLEX)
        if wait > 0:
            message = "The query cost budget for this minute is spent; retry later."
            raise RequestError(
                [GraphQLError(message)], Code.RATE_LIMITED, 429, {"retry-after": retry_after(wait)}
            )

    def _check_limits(
        self, document: Document, operation: Operation, variables: VariableValues
    ) -> int:
        """Refuse what exceeds the limits; returns the estimated cost (kept per document, by the
        values of the variables it depends on)."""
        limits = self.limits
        problems = []
        if operation.depth > limits.max_depth:
            problems.append(
                f"The query is {operation.depth} fields deep; the limit is {limits.max_depth}."
            )
        if operation.aliases > limits.max_aliases:
            problems.append(
                f"The query has {operation.aliases} aliases; the limit is {limits.max_aliases}."
            )
        estimated = 0
        if not problems:
            key = operation.costs.key(variables.coerced)
            found, known = operation.costs.get(key)
            if found and known is not None:
                estimated, width = known[0], Width(known[1], known[2])
            else:
                estimated, width = measure(
                    self.schema._schema, operation.node, document.fragments, variables
                )
                operation.costs.put(key, (estimated, width.conditions, width.items))
            problems += too_wide(width, limits)
            if estimated > limits.max_cost:
                problems.append(
                    f"The query may return {estimated} values; the limit is {limits.max_cost}. "
                    "Ask for smaller pages."
                )
        if problems:
            raise RequestError([GraphQLError(p) for p in problems], Code.QUERY_TOO_COMPLEX)
        return estimated
