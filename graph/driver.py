"""The async Neo4j driver: opened once per process, checked, closed on exit."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase

from graph.config import Settings


def open_driver(settings: Settings) -> AsyncDriver:
    """Create the driver. The caller owns it and must `await driver.close()`."""
    return AsyncGraphDatabase.driver(
        settings.bolt_uri,
        auth=settings.auth,
        max_connection_pool_size=settings.neo4j_max_pool_size,
        connection_timeout=settings.neo4j_connection_timeout_s,
        connection_acquisition_timeout=settings.neo4j_connection_timeout_s,
        max_transaction_retry_time=15.0,
        user_agent="customer360",
        notifications_min_severity="OFF",
    )
