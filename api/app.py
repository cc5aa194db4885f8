"""The Starlette application: lifespan (driver, migrations), health probes, `/graphql` and
`/metrics` (admins), behind the observability and authentication middlewares."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route

from api.auth.middleware import AuthMiddleware
from api.graphql import GraphQLApp
from api.health import healthz, readyz
from api.ide import STATIC_PATH, graphiql, graphiql_html, index, static_files
from api.limits import Limits
from api.observability import Observability, metrics_endpoint, serve_metrics_port, worker_exits
from api.persisted import PersistedDocuments
from api.ratelimit import Limiters
from graph.config import Settings, get_settings
from graph.driver import open_driver
from graph.errors import GraphUnavailable
from graph.info import start_up
from graph.telemetry import logs, statements, tracing
from schema.schema import schema

log = logging.getLogger("customer360.api")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    logs.configure(settings)
    tracing.configure(settings)
    statements.set_slow_threshold(settings.log_slow_statement_ms)
    limiters = Limiters(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = open_driver(settings)
        app.state.driver = driver
        serve_metrics_port(settings)
        try:
            await start_up(driver, settings.neo4j_database, settings.api_migrate_on_start)
        except GraphUnavailable as exc:
            # Serve anyway: /readyz reports 503 until Neo4j answers, and the driver reconnects.
            log.warning("neo4j not reachable at start-up (%s): %s", settings.bolt_uri, exc)
        try:
            yield
        finally:
            await driver.close()
            limiters.close()
            worker_exits(settings)

    graphql = GraphQLApp(
        schema,
        graphql_ide=None,
        limits=Limits(max_body_bytes=settings.api_max_body_bytes, max_batch=settings.api_max_batch),
        budget=limiters.cost,
        requests=limiters.requests,
        persisted=PersistedDocuments(settings.api_trusted_documents),
    )
    ide = [Route("/graphiql", graphiql, methods=["GET"])] if settings.api_graphiql else []
    graphql.ide_html = graphiql_html(settings.auth_enabled) if settings.api_graphiql else None
    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            *ide,
            Mount(STATIC_PATH, static_files()),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=[
            # Outermost first: a CORS preflight is answered before authentication.
            Middleware(
                CORSMiddleware,
                allow_origins=settings.api_cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-api-key", "x-request-id"],
                expose_headers=[
                    "x-request-id",
                    "retry-after",
                    "ratelimit-limit",
                    "ratelimit-remaining",
                    "ratelimit-reset",
                ],
                max_age=600,
            ),
            Middleware(Observability),
            Middleware(GZipMiddleware, minimum_size=settings.api_gzip_min_bytes),
            Middleware(AuthMiddleware, settings=settings, limiters=limiters),
        ],
    )
    app.state.settings = settings
    return app
