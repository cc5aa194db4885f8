"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.errors import GraphUnavailable
from graph.info import ping


async def healthz(request: Request) -> JSONResponse:
    """The process is alive; says nothing about Neo4j."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready when Neo4j answers a read; 503 otherwise."""
    state = request.app.state
    try:
        await ping(state.driver, state.settings.neo4j_database)
    except GraphUnavailable as exc:
        return JSONResponse({"status": "unavailable", "neo4j": str(exc)}, status_code=503)
    return JSONResponse({"status": "ready"})
