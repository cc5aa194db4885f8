"""Per-node metrics on a small hand-built graph, each expected value worked out by hand below,
and the value models on CDNOW through the graph."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver

from graph.config import Settings
from graph.driver import open_driver
from graph.metrics.compute import Options, Summary, compute
from graph.metrics.facts import Customers, read_customers

AS_OF = dt.date(2024, 6, 30)
# Windows: last 90 days = (2024-04-01, 2024-06-30]; the 90 before = (2024-01-02, 2024-04-01];
# spend "last 180 days" = orders less than 180 days old (after 2024-01-02).

BUILD = """
UNWIND $parties AS p
CREATE (n:Party {id: $s + p.id, kind: p.kind, status: p.status, sources: [$s]})
WITH n, p
CALL (n, p) { WITH n, p WHERE p.customer SET n:Customer }
CALL (n, p) { WITH n, p WHERE p.kind = 'person' SET n:Person }
CALL (n, p) { WITH n, p WHERE p.kind = 'organization' SET n:Organization }
CALL (n, p) { WITH n, p WHERE p.kind = 'household' SET n:Household }
CALL (n, p) { WITH n, p WHERE p.broker SET n:Broker }
WITH count(*) AS created
UNWIND $orders AS o
MATCH (c:Party {id: $s + o.customer})
CREATE (c)-[:PLACED]->(order:Order {id: $s + o.id, date: date(o.date), amount: o.amount})
WITH order, o
CALL (order, o) {
  WITH order, o WHERE o.product IS NOT NULL
  MERGE (p:Product {id: $s + o.product})
  CREATE (order)-[:HAS_LINE]->(:OrderLine {id: $s + o.id + '-1', amount: o.amount, quantity: 1})-[:OF_PRODUCT]->(p)
}
WITH count(*) AS orders
UNWIND $interactions AS i
MATCH (c:Party {id: $s + i.customer})
CREATE (c)-[:HAD]->(:Interaction {id: $s + i.id, at: datetime(i.at), channel: 'email'})
WITH count(*) AS interactions
UNWIND $surveys AS v
MATCH (c:Party {id: $s + v.customer})
CREATE (c)-[:RESPONDED]->(:SurveyResponse {id: $s + v.id, at: datetime(v.at), score: v.score})
WITH count(*) AS surveys
UNWIND $edges AS e
MATCH (a:Party {id: $s + e.from}), (b:Party {id: $s + e.to})
CALL (a, b, e) { WITH a, b, e WHERE e.type = 'REFERRED' CREATE (a)-[:REFERRED {incentive: e.incentive}]->(b) }
CALL (a, b, e) { WITH a, b, e WHERE e.type = 'WORKS_FOR' CREATE (a)-[:WORKS_FOR]->(b) }
CALL (a, b, e) { WITH a, b, e WHERE e.type = 'ON_COMMITTEE' CREATE (a)-[:ON_COMMITTEE {roles: ['user']}]->(b) }
CALL (a, b, e) { WITH a, b, e WHERE e.type = 'MEMBER_OF' CREATE (a)-[:MEMBER_OF]->(b) }
RETURN count(*) AS edges
"""


def person(pid: str, status: str = "active", customer: bool = True) -> dict[str, Any]:
    return {"id": pid, "kind": "person", "status": status, "customer": customer, "broker": False}


PARTIES = [
    person("c1"), person("c2"), person("c3"), person("c4"), person("c5", "prospect"),
    person("c6", "former"), person("p1", customer=False), person("p2", customer=False),
    {"id": "o1", "kind": "organization", "status": "active", "customer": True, "broker": False},
    {"id": "h1", "kind": "household", "status": "active", "customer": True, "broker": False},
    {"id": "b1", "kind": "organization", "status": None, "customer": False, "broker": True},
]  # fmt: skip
ORDERS = [
    {"id": "x1", "customer": "c1", "date": "2024-01-10", "amount": 100.0, "product": "pr1"},
    {"id": "x2", "customer": "c1", "date": "2024-05-01", "amount": 50.0, "product": "pr1"},
    {"id": "x3", "customer": "c1", "date": "2024-06-01", "amount": 30.0, "product": None},
    {"id": "x4", "customer": "c2", "date": "2023-01-01", "amount": 40.0, "product": None},
    {"id": "x5", "customer": "c3", "date": "2023-10-01", "amount": 20.0, "product": None},
    {"id": "x6", "customer": "c3", "date": "2024-05-01", "amount": 70.0, "product": "pr1"},
    {"id": "x7", "customer": "c4", "date": "2023-09-01", "amount": 100.0, "product": None},
    {"id": "x8", "customer": "c4", "date": "2023-10-15", "amount": 100.0, "product": None},
    {"id": "x9", "customer": "c4", "date": "2024-04-01", "amount": 10.0, "product": None},
    {"id": "x10", "customer": "c6", "date": "2022-03-03", "amount": 15.0, "product": None},
    {"id": "x11", "customer": "o1", "date": "2024-02-01", "amount": 1000.0, "product": None},
    {
        "id": "x12",
        "customer": "c1",
        "date": "2024-07-05",
        "amount": 999.0,
        "product": None,
    },  # after as-of
]
INTERACTIONS = [
    {"id": "i1", "customer": "c4", "at": "2024-01-15T10:00:00Z"},
    {"id": "i2", "customer": "c4", "at": "2024-02-01T10:00:00Z"},
    {"id": "i3", "customer": "c4", "at": "2024-03-01T10:00:00Z"},
    {"id": "i4", "customer": "c4", "at": "2024-05-15T10:00:00Z"},
    {"id": "i5", "customer": "c3", "at": "2024-03-01T10:00:00Z"},
    {"id": "i6", "customer": "p1", "at": "2024-06-20T10:00:00Z"},
]
SURVEYS = [
    {"id": "s1", "customer": "c1", "at": "2024-03-01T00:00:00Z", "score": 10},
    {"id": "s2", "customer": "c1", "at": "2024-06-10T00:00:00Z", "score": 8},
    {"id": "s3", "customer": "c3", "at": "2024-06-01T00:00:00Z", "score": 3},
    {"id": "s4", "customer": "p1", "at": "2024-05-01T00:00:00Z", "score": 9},
    {"id": "s5", "customer": "c2", "at": "2024-08-01T00:00:00Z", "score": 0},  # after as-of
]
EDGES = [
    {"type": "REFERRED", "from": "b1", "to": "c1", "incentive": 10.0},
    {"type": "REFERRED", "from": "b1", "to": "c5", "incentive": 10.0},
    {"type": "REFERRED", "from": "c1", "to": "c2", "incentive": 5.0},
    {"type": "REFERRED", "from": "c2", "to": "c3", "incentive": 0.0},
    {"type": "WORKS_FOR", "from": "p1", "to": "o1", "incentive": None},
    {"type": "WORKS_FOR", "from": "p2", "to": "o1", "incentive": None},
    {"type": "ON_COMMITTEE", "from": "p1", "to": "o1", "incentive": None},
    {"type": "ON_COMMITTEE", "from": "p2", "to": "o1", "incentive": None},
    {"type": "MEMBER_OF", "from": "c1", "to": "h1", "incentive": None},
    {"type": "MEMBER_OF", "from": "c2", "to": "h1", "incentive": None},
]


def run_compute(settings: Settings, options: Options) -> Summary:
    async def go() -> Summary:
        driver = open_driver(settings)
        try:
            return await compute(driver, settings.neo4j_database, options)
        finally:
            await driver.close()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def scored(settings: Settings, driver: Driver) -> Iterator[dict[str, dict[str, Any]]]:
    s = f"m{uuid.uuid4().hex[:8]}"
    prefix = f"{s}:"
    driver.execute_query(
        BUILD, s=prefix, parties=PARTIES, orders=ORDERS, interactions=INTERACTIONS,
        surveys=SURVEYS, edges=EDGES, database_=settings.neo4j_database,
    )  # fmt: skip
    driver.execute_query(
        "MATCH (n:Party) WHERE n.id STARTS WITH $p SET n.sources = [$s]", p=prefix, s=s,
        database_=settings.neo4j_database,
    )  # fmt: skip
    try:
        summary = run_compute(settings, Options(as_of=AS_OF, system=s))
        assert (summary.customers, summary.buyers, summary.bgnbd) == (8, 6, None)  # too few to fit
        records, _, _ = driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $p RETURN n.id AS id, properties(n) AS props",
            p=prefix, database_=settings.neo4j_database,
        )  # fmt: skip
        yield {r["id"].removeprefix(prefix): r["props"] for r in records}
    finally:
        driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $p DETACH DELETE n", p=prefix,
            database_=settings.neo4j_database,
        )  # fmt: skip


def test_no_transactions_model_without_a_repeat_purchase(
    settings: Settings, driver: Driver
) -> None:
    """Twelve customers who each bought on one day only (two orders on the same day are one
    purchase): BG/NBD learns when customers leave from repeat purchases, so with none its a and b
    are not identified (the fit left a at its start, 1, where eq. 10 divides by zero). No model,
    no P(alive) or expected purchases, and the summary says why."""
    s = f"m{uuid.uuid4().hex[:8]}"
    prefix = f"{s}:"
    parties = [person(f"c{i}") for i in range(12)]
    orders = [
        {"id": f"x{i}-{k}", "customer": f"c{i}", "date": f"2024-0{1 + i % 5}-1{i % 9}",
         "amount": 10.0 + i, "product": None}
        for i in range(12) for k in range(1 + i % 2)
    ]  # fmt: skip
    db = settings.neo4j_database
    driver.execute_query(
        BUILD, s=prefix, parties=parties, orders=orders, interactions=[], surveys=[], edges=[],
        database_=db,
    )  # fmt: skip
    driver.execute_query(
        "MATCH (n:Party) WHERE n.id STARTS WITH $p SET n.sources = [$s]", p=prefix, s=s,
        database_=db,
    )  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            summary = run_compute(settings, Options(as_of=AS_OF, system=s))
        assert (summary.customers, summary.buyers, summary.bgnbd) == (12, 12, None)
        assert summary.why_no_clv == (
            "no customer bought again by 2024-06-30: BG/NBD needs repeat purchases"
        )
        records, _, _ = driver.execute_query(
            "MATCH (n:Customer) WHERE n.id STARTS WITH $p "
            "RETURN n.pAlive AS alive, n.expectedPurchases AS expected, n.revenue AS revenue",
            p=prefix, database_=db,
        )  # fmt: skip
        assert len(records) == 12
        assert {(r["alive"], r["expected"]) for r in records} == {(None, None)}
        assert sorted(r["revenue"] for r in records) == sorted(
            (10.0 + i) * (1 + i % 2) for i in range(12)
        )
    finally:
        driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $p DETACH DELETE n", p=prefix, database_=db
        )


def test_customers_read_pages_side_by_side_as_one_read(settings: Settings, driver: Driver) -> None:
    """The facts read cuts the id range into pages read two (or more) at a time; taken in, in
    order, they must equal one read of everything."""
    s = f"m{uuid.uuid4().hex[:8]}"
    prefix, db = f"{s}:", settings.neo4j_database
    driver.execute_query(
        BUILD, s=prefix, parties=PARTIES, orders=ORDERS, interactions=INTERACTIONS,
        surveys=SURVEYS, edges=EDGES, database_=db,
    )  # fmt: skip
    driver.execute_query(
        "MATCH (n:Party) WHERE n.id STARTS WITH $p SET n.sources = [$s]",
        p=prefix,
        s=s,
        database_=db,
    )

    def read(page: int, parallel: int) -> Customers:
        async def go() -> Customers:
            d = open_driver(settings)
            try:
                return await read_customers(d, db, s, AS_OF, kpis=True, page=page,
                                            parallel=parallel)  # fmt: skip
            finally:
                await d.close()

        return asyncio.run(go())

    def columns(c: Customers) -> list[Any]:
        def plain(a: Any) -> list[Any]:
            return [None if v != v else v for v in a.tolist()]  # NaN (no value) as None

        return [c.ids, c.status, c.segment, plain(c.nps), plain(c.recent), plain(c.previous),
                plain(c.last_interaction), plain(c.owner), plain(c.days), plain(c.amounts),
                c.currencies.tolist(), plain(c.answer_owner), plain(c.answer_days),
                plain(c.answer_scores)]  # fmt: skip

    try:
        whole = read(5000, 1)
        assert whole.ids == sorted(prefix + p["id"] for p in PARTIES if p["customer"])
        assert sorted(whole.amounts.tolist()) == sorted(float(str(o["amount"])) for o in ORDERS)
        for page, parallel in ((1, 1), (1, 3), (2, 2), (3, 2), (7, 4)):
            assert columns(read(page, parallel)) == columns(whole), (page, parallel)
    finally:
        driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $p DETACH DELETE n", p=prefix, database_=db
        )


def pick(scored: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    return {pid: props.get(key) for pid, props in sorted(scored.items()) if key in props}


def test_revenue_and_orders_to_date(scored: dict[str, dict[str, Any]]) -> None:
    # c1: 100 + 50 + 30 (the 999 order is after the as-of date)
    assert pick(scored, "revenue") == {
        "c1": 180.0, "c2": 40.0, "c3": 90.0, "c4": 210.0, "c5": 0.0, "c6": 15.0, "h1": 0.0,
        "o1": 1000.0, "pr1": 220.0,
    }  # fmt: skip
    assert pick(scored, "orderCount") == {
        "c1": 3, "c2": 1, "c3": 2, "c4": 3, "c5": 0, "c6": 1, "h1": 0, "o1": 1
    }  # fmt: skip


def test_lifecycle_stages(scored: dict[str, dict[str, Any]]) -> None:
    assert pick(scored, "lifecycleStage") == {
        "c1": "advocacy",  # referred c2
        "c2": "advocacy",  # one order, but it referred c3: advocacy comes first
        "c3": "expansion",  # 70 in the last 180 days > 20 in the 180 before
        "c4": "retention",  # 10 < 200
        "c5": "acquisition",  # no order
        "c6": "lapsed",  # former
        "h1": "acquisition",
        "o1": "nurturing",  # one order
    }
    assert scored["c6"]["churnRisk"] == 1.0


def test_nps_and_engagement(scored: dict[str, dict[str, Any]]) -> None:
    assert pick(scored, "npsScore") == {"c1": 8, "c3": 3}  # c2's answer is after the as-of date
    assert pick(scored, "npsCategory") == {"c1": "passive", "c3": "detractor"}
    assert (scored["c4"]["interactions90d"], scored["c4"]["interactionsPrev90d"]) == (1, 3)
    assert (scored["c3"]["interactions90d"], scored["c3"]["interactionsPrev90d"]) == (0, 1)
    assert {k for k, v in pick(scored, "engagementDropped").items() if v} == {"c4"}
    assert str(scored["c4"]["lastActivityDate"]) == "2024-05-15"
    assert str(scored["c1"]["lastActivityDate"]) == "2024-06-01"


def test_referral_and_network_value(scored: dict[str, dict[str, Any]]) -> None:
    # No fitted model (8 customers), so a customer's value is its revenue.
    assert scored["c1"]["referralValue"] == 40.0 - 5.0  # c2's value net of c1's incentive
    assert scored["c2"]["referralValue"] == 90.0
    assert scored["c1"]["networkValue"] == 40.0 + 0.5 * 90.0  # c2 at depth 1, c3 at depth 2
    assert scored["c4"]["networkValue"] == 0
    assert pick(scored, "valueQuadrant") == {
        "c1": "advocate", "c2": "advocate", "c3": "miser", "c4": "miser", "c5": "miser",
        "c6": "miser", "h1": "miser", "o1": "miser",
    }  # fmt: skip


def test_broker_account_household_product(scored: dict[str, dict[str, Any]]) -> None:
    b1 = scored["b1"]
    assert (b1["customersBrought"], b1["bookValue"]) == (2, 180.0)
    assert (b1["conversionRate"], b1["retentionRate"]) == (0.5, 1.0)
    assert (b1["networkSize"], b1["networkValue"]) == (4, 180.0 + 0.5 * 40.0 + 0.25 * 90.0)
    o1 = scored["o1"]
    assert (o1["committeeSize"], o1["committeeEngaged"], o1["committeeEngagement"]) == (2, 1, 0.5)
    assert o1["accountValue"] == 1000.0
    assert o1["healthScore"] == round(100 * (0.4 * 0.5 + 0.3 * 0.9) / 0.7, 1) == 67.1
    assert (scored["h1"]["memberCount"], scored["h1"]["householdValue"]) == (2, 220.0)
    pr1 = scored["pr1"]
    assert (pr1["buyers"], pr1["revenue"], pr1["repeatPurchaseRate"]) == (2, 220.0, 0.5)


def test_cdnow_value_models_reproduce_the_papers(cdnow_loaded: Settings, driver: Driver) -> None:
    summary = run_compute(
        cdnow_loaded,
        Options(as_of=dt.date(1998, 6, 30), calibration_end=dt.date(1997, 9, 30), system="cdnow"),
    )
    assert summary.bgnbd is not None and summary.gammagamma is not None
    records, _, _ = driver.execute_query(
        "MATCH (m:ValueModel) WHERE m.scope = 'cdnow' RETURN m.kind AS kind, "
        "m.parameterNames AS names, m.parameterValues AS values, m.logLikelihood AS ll, "
        "m.customers AS n, toString(m.calibrationEnd) AS end ORDER BY kind",
        database_=cdnow_loaded.neo4j_database,
    )
    models = {r["kind"]: r for r in records}
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    bg = dict(zip(models["bgnbd"]["names"], models["bgnbd"]["values"], strict=True))
    assert bg == pytest.approx(published, rel=0.01)
    assert models["bgnbd"]["ll"] == pytest.approx(-9582.4, rel=0.01)
    assert (models["bgnbd"]["n"], models["bgnbd"]["end"]) == (2357, "1997-09-30")
    gg = dict(zip(models["gammagamma"]["names"], models["gammagamma"]["values"], strict=True))
    assert gg == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, rel=0.01)
    assert models["gammagamma"]["n"] == 946
