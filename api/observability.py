"""What an operator sees of the API: one structured log line per request, Prometheus metrics on
`/metrics`, and a server span per request (graph/telemetry holds the shared parts).

`Observability` is the outermost ASGI middleware. For every HTTP request it makes sure the request
has a well-formed `x-request-id` (the client's, or a new one, which the authentication middleware
and the GraphQL layer then use), opens the request's record and span, and when the response is
sent writes the `request` log line: request id, GraphQL operation name and type, principal role
and subject (never personal data: see `safe_subject`), HTTP status, error codes, Cypher statement
count and time, total time, and the trace id. Probes (`/healthz`, `/readyz`) and `/metrics` are
neither logged nor counted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import uuid
from typing import Any

import orjson
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import start_http_server
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.config import Settings
from graph.security.principal import Principal, Role
from graph.telemetry import jobs, metrics, record, tracing

log = logging.getLogger("customer360.request")

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_ERRORS = b'{"errors":'  # every error body of the API starts so (errors before data)
_SERIOUS = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})


def note_operation(operation: Any) -> None:
    """For the GraphQL layer: the operation (a graphql-core OperationDefinitionNode or None)."""
    if operation is not None:
        name = operation.name.value if operation.name is not None else None
        record.note_operation(operation.operation.value, name)


def _request_id(scope: Scope) -> str:
    """The request's `x-request-id`: the client's when well formed, else a new one put in the
    headers for the layers below."""
    headers = [(k, v) for k, v in scope["headers"] if k != b"x-request-id"]
    given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
    if not _REQUEST_ID.fullmatch(given):
        given = uuid.uuid4().hex.encode()
    scope["headers"] = [*headers, (b"x-request-id", given)]
    return given.decode()


def _codes(body: bytes) -> list[str]:
    try:
        errors = orjson.loads(body).get("errors") or []
        return [str(e.get("extensions", {}).get("code", "UNKNOWN")) for e in errors]
    except (orjson.JSONDecodeError, AttributeError):
        return ["UNKNOWN"]


class Observability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in QUIET_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        found, token = record.begin(request_id)
        status = 500
        body = b""

        async def watched(message: Message) -> None:
            nonlocal status, body
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not body:
                chunk = message.get("body", b"")
                body = chunk if chunk.startswith(_ERRORS) else b" "
            await send(message)

        name = f"{scope['method']} {scope['path']}"
        with tracing.span(
            name, SpanKind.SERVER, **{"http.request.method": scope["method"]}
        ) as span:
            try:
                await self.app(scope, receive, watched)
            except Exception:
                found.codes = ["INTERNAL_SERVER_ERROR"]
                log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
                raise
            finally:
                if body.startswith(_ERRORS):
                    found.codes = _codes(body)
                principal = scope.get("state", {}).get("principal")
                if isinstance(principal, Principal):
                    found.role = principal.role.value
                    found.subject = record.safe_subject(principal.id)
                span.set_attribute("http.response.status_code", status)
                span.set_attribute("c360.request_id", request_id)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self._finish(scope, found, status, time.perf_counter() - started)
                record.end(token)

    def _finish(
        self, scope: Scope, found: record.RequestRecord, status: int, seconds: float
    ) -> None:
        operation = metrics.operation_label(found.operation_type, found.operation_name)
        code = found.codes[0] if found.codes else "OK"
        metrics.REQUESTS.labels(operation, str(status), code).inc()
        metrics.REQUEST_SECONDS.labels(operation, code).observe(seconds)
        driver = getattr(scope["app"].state, "driver", None)
        if driver is not None:
            metrics.observe_pool(driver)
        fields = {
            "request_id": found.request_id,
            "method": scope["method"],
            "path": scope["path"],
            "operation_name": found.operation_name,
            "operation_type": found.operation_type,
            "role": found.role,
            "subject": found.subject,
            "status": status,
            "error_codes": found.codes,
            "statements": found.statements,
            "neo4j_ms": round(found.neo4j_ms, 1),
            "ms": round(1000 * seconds, 1),
        }
        serious = status >= 500 or any(c in _SERIOUS for c in found.codes)
        log.log(logging.WARNING if serious else logging.INFO, "request", extra={"fields": fields})


async def metrics_endpoint(request: Request) -> Response:
    """Every metric in Prometheus' text format; for admins only (see also METRICS_PORT)."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal) or principal.role is not Role.ADMIN:
        error = {
            "message": "Only admins may read the metrics.",
            "extensions": {"code": "FORBIDDEN"},
        }
        return JSONResponse({"errors": [error]}, status_code=403)
    settings: Settings = request.app.state.settings
    driver = getattr(request.app.state, "driver", None)
    metrics.observe_pool(driver)
    if driver is not None:
        computed = await jobs.last_metrics_run(driver, settings.neo4j_database)
        if computed is not None:
            metrics.METRICS_COMPUTED.set(computed)
    content, kind = metrics.exposition(settings.prometheus_multiproc_dir)
    return Response(content, media_type=kind)


def serve_metrics_port(settings: Settings) -> None:
    """With METRICS_PORT set, serve the metrics without authentication on METRICS_HOST (once per
    machine: with several workers the first to bind serves everyone's, in multiprocess mode)."""
    if not settings.metrics_port:
        return
    registry = None
    if settings.prometheus_multiproc_dir is not None:
        from prometheus_client import CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(settings.prometheus_multiproc_dir))  # type: ignore[no-untyped-call]
    with contextlib.suppress(OSError):  # another worker serves them already
        if registry is None:
            start_http_server(settings.metrics_port, settings.metrics_host)
        else:
            start_http_server(settings.metrics_port, settings.metrics_host, registry)


def worker_exits(settings: Settings) -> None:
    """In multiprocess mode, drop this worker's live gauges (prometheus-client's advice)."""
    if settings.prometheus_multiproc_dir is not None:
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(os.getpid(), str(settings.prometheus_multiproc_dir))  # type: ignore[no-untyped-call]
