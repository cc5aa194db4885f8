"""Portfolio KPIs on the demo sample against a reference computed in Python from the raw facts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from neo4j import Driver

from graph.driver import open_driver
from graph.metrics.compute import Options, compute
from graph.metrics.kpis import GroupBy, Kpis, portfolio
from tests.conftest import DemoData
from tests.schema.expect import attributed

START, END = dt.date(2024, 7, 1), dt.date(2025, 6, 30)
WINDOW = 365


def run(demo: DemoData, group: GroupBy, predicate: str = "true", **params: Any) -> list[Kpis]:
    async def go() -> list[Kpis]:
        driver = open_driver(demo.settings)
        try:
            return await portfolio(
                driver, demo.settings.neo4j_database, START, END, group=group,
                predicate=predicate, params=params, scan=True,
            )  # fmt: skip
        finally:
            await driver.close()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def scored(demo_loaded: DemoData) -> DemoData:
    async def go() -> None:
        driver = open_driver(demo_loaded.settings)
        try:
            await compute(driver, demo_loaded.settings.neo4j_database, Options(as_of=END))
        finally:
            await driver.close()

    asyncio.run(go())
    return demo_loaded


def facts(demo: DemoData, driver: Driver) -> dict[str, dict[str, Any]]:
    """Raw facts per customer, read with plain queries; every KPI is then computed in Python."""
    db = demo.settings.neo4j_database
    customers: dict[str, dict[str, Any]] = {}
    rows, _, _ = driver.execute_query(
        "MATCH (c:Customer) RETURN c.id AS id, c.segment AS segment, c.lifecycleStage AS stage, "
        "c.clv AS clv, c.country AS country",
        database_=db,
    )
    for r in rows:
        customers[r["id"]] = {**r.data(), "orders": [], "scores": [], "referrers": []}
    for r in driver.execute_query(
        "MATCH (c:Customer)-[:PLACED]->(o:Order) "
        "RETURN c.id AS id, o.date AS date, o.amount AS amount, o.currency AS currency",
        database_=db,
    ).records:
        customers[r["id"]]["orders"].append((r["date"].to_native(), r["amount"], r["currency"]))
    for r in driver.execute_query(
        "MATCH (c:Customer)-[:RESPONDED]->(s) RETURN c.id AS id, s.at AS at, s.score AS score",
        database_=db,
    ).records:
        customers[r["id"]]["scores"].append((r["at"].to_native().date(), r["score"]))
    brokers = {
        r["id"]
        for r in driver.execute_query("MATCH (b:Broker) RETURN b.id AS id", database_=db).records
    }
    first: dict[str, tuple[str, str, str, str]] = {}  # party -> (date, referrer, src, referrer)
    for r in driver.execute_query(
        "MATCH (a)-[e:REFERRED]->(b) RETURN a.id AS a, b.id AS b, toString(e.date) AS date, "
        "e.src AS src",
        database_=db,
    ).records:
        candidate = (r["date"] or "9999-12-31", r["a"], r["src"] or "", r["a"])
        first[r["b"]] = min(first.get(r["b"], candidate), candidate)
    referrers = {b: found[3] for b, found in first.items()}
    for cid, found in customers.items():  # the attributed broker: the top of its referral chain
        found["broker"] = attributed(cid, referrers, brokers)
    return customers


def per_currency(amounts: Any) -> dict[str, float]:
    """Sums by currency (the demo's orders all state one)."""
    found: dict[str, float] = defaultdict(float)
    for currency, amount in amounts:
        found[currency] += amount
    return dict(found)


def reference(customers: list[dict[str, Any]]) -> dict[str, Any]:
    def active(orders: list[tuple[dt.date, float]], at: dt.date) -> bool:
        return any(at - dt.timedelta(days=WINDOW) < d <= at for d, *_ in orders)

    s = sum(active(c["orders"], START) for c in customers)
    e = sum(active(c["orders"], END) for c in customers)
    n = sum(
        active(c["orders"], END) and min(d for d, *_ in c["orders"]) >= START
        for c in customers
        if c["orders"]
    )
    scores = [score for c in customers for d, score in c["scores"] if START <= d <= END]
    clvs = [c["clv"] for c in customers if c["clv"] is not None]
    return {
        "customers": len(customers),
        "s": s,
        "e": e,
        "n": n,
        "crr": (e - n) / s if s else None,
        "nps": 100 * (sum(x >= 9 for x in scores) - sum(x <= 6 for x in scores)) / len(scores)
        if scores
        else None,
        "answers": len(scores),
        "revenue": per_currency(
            (cur, a) for c in customers for d, a, cur in c["orders"] if START <= d <= END
        ),
        "clv": sum(clvs) / len(clvs) if clvs else None,
    }


def same(found: Kpis, expected: dict[str, Any]) -> None:
    assert (found.customers, found.active_at_start, found.active_at_end, found.new) == (
        expected["customers"], expected["s"], expected["e"], expected["n"]
    )  # fmt: skip
    assert found.retention_rate == pytest.approx(expected["crr"])
    assert found.nps == pytest.approx(expected["nps"])
    assert found.survey_answers == expected["answers"]
    revenue = {m.currency: m.amount for m in found.revenue}
    assert list(revenue) == sorted(expected["revenue"])  # one total per currency, by code
    assert revenue == pytest.approx(expected["revenue"], abs=0.005)
    assert all(round(a, 2) == a for a in revenue.values())  # no float noise
    assert found.average_clv == pytest.approx(expected["clv"])


def test_portfolio_kpis_match_the_reference(scored: DemoData, driver: Driver) -> None:
    customers = facts(scored, driver)
    [total] = run(scored, GroupBy.NONE)
    expected = reference(list(customers.values()))
    assert expected["s"] > 50 and expected["answers"] > 20
    same(total, expected)
    assert total.churn_rate == pytest.approx(1 - expected["crr"])


@pytest.mark.parametrize(("group", "field"), [
    (GroupBy.SEGMENT, "segment"), (GroupBy.LIFECYCLE_STAGE, "stage"), (GroupBy.BROKER, "broker"),
])  # fmt: skip
def test_grouped_kpis_match_the_reference(
    scored: DemoData, driver: Driver, group: GroupBy, field: str
) -> None:
    customers = facts(scored, driver)
    groups: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for c in customers.values():
        groups[c[field]].append(c)
    found = {k.key: k for k in run(scored, group)}
    assert set(found) == set(groups) and len(found) >= 2
    for key, members in groups.items():
        same(found[key], reference(members))


def test_kpis_obey_a_customer_filter(scored: DemoData, driver: Driver) -> None:
    customers = facts(scored, driver)
    chosen = [c for c in customers.values() if c["country"] == "US"]
    [found] = run(scored, GroupBy.NONE, "c.country = $country", country="US")
    same(found, reference(chosen))
