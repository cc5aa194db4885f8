"""Every customer's metrics say what they describe: the as-of date, the horizon and the period,
readable by every role that reads the metrics (not only admins, through `valueModel`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.driver import open_driver
from graph.metrics.compute import Options, compute
from graph.security.principal import Kind, Principal, Role
from tests.conftest import DemoData

AS_OF = dt.date(2025, 6, 30)
QUERY = """query($f: CustomerFilter) { customers(first: 5, filter: $f, orderBy: {field: CLV, direction: DESC}) {
  edges { node { key clv expectedPurchases metricsAsOf metricsHorizon metricsPeriodDays } } } }"""


def _compute(demo: DemoData, options: Options) -> None:
    async def go() -> None:
        driver = open_driver(demo.settings)
        try:
            await compute(driver, demo.settings.neo4j_database, options)
        finally:
            await driver.close()

    asyncio.run(go())


@pytest.fixture(scope="module")
def half_year(demo_loaded: DemoData) -> Iterator[DemoData]:
    """The demo scored 26 fortnights ahead; the default scoring is put back afterwards."""
    _compute(demo_loaded, Options(as_of=AS_OF, horizon=26, period_days=14.0))
    try:
        yield demo_loaded
    finally:
        _compute(demo_loaded, Options(as_of=AS_OF))


@pytest.mark.parametrize("role", [Role.FRONTEND, Role.ANALYST, Role.ACCOUNT_TEAM])
def test_metrics_carry_their_as_of_date_and_horizon(
    half_year: DemoData, driver: Driver, role: Role
) -> None:
    settings = half_year.settings
    token, _ = sign(
        settings, Principal(f"when-{role.value}", role, Kind.TOKEN), dt.timedelta(hours=1)
    )
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as client:
        body = client.post("/graphql", json={"query": QUERY}).json()
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["customers"]["edges"]]
    assert len(nodes) == 5 and all(n["clv"] is not None for n in nodes)
    keys = [n["key"] for n in nodes]
    stored = {
        r["id"]: r
        for r in driver.execute_query(
            "MATCH (c:Party) WHERE c.id IN $ids RETURN c.id AS id, c.expectedPurchases AS ep, "
            "c.metricsAsOf AS asOf, c.metricsHorizon AS h, c.metricsPeriodDays AS d",
            ids=keys,
        ).records
    }
    for node in nodes:
        row = stored[node["key"]]
        assert (row["asOf"].to_native(), row["h"], row["d"]) == (AS_OF, 26, 14.0)
        assert (node["metricsAsOf"], node["metricsHorizon"], node["metricsPeriodDays"]) == (
            "2025-06-30",
            26,
            14.0,
        )
        assert node["expectedPurchases"] == row["ep"]
