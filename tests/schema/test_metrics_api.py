"""The metrics through the GraphQL API: value models on CDNOW, stored per-node metrics, filters and
sorts on them, and portfolio KPIs, each against what the graph holds or `graph.metrics` answers."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, LiteralString

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.driver import open_driver
from graph.metrics.compute import Options, compute, save_model
from graph.metrics.gammagamma import GammaGamma
from graph.metrics.kpis import GroupBy, Kpis, portfolio
from graph.read.positions import Family
from schema.ids import global_id
from schema.scalars import format_datetime, parse_datetime
from tests.conftest import DemoData
from tests.schema.conftest import data, run

AS_OF = dt.date(2025, 6, 30)
START = dt.date(2024, 7, 1)

CUSTOMER_FIELDS = {  # GraphQL field -> stored property
    "revenue": "revenue", "orderCount": "orderCount", "frequency": "frequency",
    "recency": "recency", "tenure": "tenure", "probabilityAlive": "pAlive",
    "churnRisk": "churnRisk", "expectedPurchases": "expectedPurchases",
    "expectedSpend": "expectedSpend", "clv": "clv", "npsScore": "npsScore",
    "npsCategory": "npsCategory", "interactions90d": "interactions90d",
    "interactionsPrev90d": "interactionsPrev90d", "engagementDropped": "engagementDropped",
    "lifecycleStage": "lifecycleStage", "referralValue": "referralValue",
    "networkValue": "networkValue", "valueQuadrant": "valueQuadrant", "metricsAt": "metricsAt",
}  # fmt: skip
KIND_FIELDS = {
    "Organization": ["accountValue", "committeeSize", "committeeEngaged",
                     "committeeEngagement", "healthScore"],
    "Household": ["householdValue", "memberCount"],
}  # fmt: skip
BROKER_FIELDS = [
    "customersBrought", "conversionRate", "retentionRate", "networkSize",
    "networkValue",
]  # fmt: skip
PRODUCT_FIELDS = ["buyers", "repeatPurchaseRate"]
ENUMS = {"npsCategory", "lifecycleStage", "valueQuadrant"}


def run_compute(settings: Settings, options: Options) -> None:
    async def go() -> None:
        driver = open_driver(settings)
        try:
            await compute(driver, settings.neo4j_database, options)
        finally:
            await driver.close()

    asyncio.run(go())


def expected(field: str, value: Any) -> Any:
    """A stored value as the API writes it."""
    if value is None:
        return None
    if field in ENUMS:
        return str(value).upper()
    if field == "metricsAt":
        return format_datetime(value)
    return value


# ---- (a) the value models on CDNOW ---------------------------------------------------------

MODEL = """
query($kind: ValueModelKind!, $scope: String!) {
  valueModel(kind: $kind, scope: $scope) {
    kind scope parameters { name value } logLikelihood customers converged meanSpend
    calibrationEnd asOf periodDays version computedAt
  }
}
"""


def test_value_models_on_cdnow(cdnow_loaded: Settings, client: TestClient) -> None:
    run_compute(
        cdnow_loaded,
        Options(as_of=dt.date(1998, 6, 30), calibration_end=dt.date(1997, 9, 30), system="cdnow"),
    )
    bg = data(client, MODEL, {"kind": "BGNBD", "scope": "cdnow"})["valueModel"]
    assert (bg["kind"], bg["scope"], bg["customers"]) == ("BGNBD", "cdnow", 2357)
    assert (bg["calibrationEnd"], bg["asOf"], bg["periodDays"]) == ("1997-09-30", "1998-06-30", 7.0)
    assert bg["converged"] is True and bg["meanSpend"] is None and bg["computedAt"].endswith("Z")
    params = {p["name"]: p["value"] for p in bg["parameters"]}
    assert [p["name"] for p in bg["parameters"]] == ["r", "alpha", "a", "b"]
    assert params == pytest.approx({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, rel=0.01)
    assert bg["logLikelihood"] == pytest.approx(-9582.4, rel=0.01)

    gg = data(client, MODEL, {"kind": "GAMMA_GAMMA", "scope": "cdnow"})["valueModel"]
    assert (gg["kind"], gg["customers"]) == ("GAMMA_GAMMA", 946)
    params = {p["name"]: p["value"] for p in gg["parameters"]}
    assert params == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, rel=0.01)
    assert gg["meanSpend"] == pytest.approx(params["p"] * params["gamma"] / (params["q"] - 1))

    assert data(client, MODEL, {"kind": "BGNBD", "scope": "no-such-system"}) == {"valueModel": None}


def test_a_model_figure_without_a_finite_value_is_null(
    settings: Settings, client: TestClient, driver: Driver
) -> None:
    """A Gamma-Gamma fit with q <= 1 has an infinite population mean spend (and a fit can end at
    an infinite log-likelihood). GraphQL's Float has no infinity, so such a figure is stored as
    absent and read as null, not as a field error."""
    heavy = GammaGamma(p=0.1, q=0.8, gamma=4.0, log_likelihood=float("-inf"), n_customers=3,
                       converged=False)  # fmt: skip
    scope = "heavy-tailed"
    options = Options(as_of=dt.date(2024, 6, 30), system=scope)

    async def save() -> None:
        graph = open_driver(settings)
        try:
            await save_model(graph, settings.neo4j_database, "gammagamma", heavy, options,
                             {"meanSpend": heavy.mean_spend})  # fmt: skip
        finally:
            await graph.close()

    asyncio.run(save())
    try:
        gg = data(client, MODEL, {"kind": "GAMMA_GAMMA", "scope": scope})["valueModel"]
        assert (gg["meanSpend"], gg["logLikelihood"], gg["customers"]) == (None, None, 3)
        assert {p["name"]: p["value"] for p in gg["parameters"]} == pytest.approx(
            {"p": 0.1, "q": 0.8, "gamma": 4.0}
        )
    finally:
        driver.execute_query(
            "MATCH (m:ValueModel {scope: $scope}) DELETE m", scope=scope,
            database_=settings.neo4j_database,
        )  # fmt: skip


# ---- the demo sample, scored ---------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(demo_loaded: DemoData) -> DemoData:
    run_compute(demo_loaded.settings, Options(as_of=AS_OF))
    return demo_loaded


def stored(driver: Driver, settings: Settings, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=settings.neo4j_database)
    return [r.data() for r in records]


# ---- (b) per-node metrics equal the stored properties --------------------------------------


def test_metric_fields_are_the_stored_properties(
    scored: DemoData, client: TestClient, driver: Driver
) -> None:
    s = scored.settings
    picked = stored(
        driver, s,
        "MATCH (c:Party:Customer) WHERE c.clv IS NOT NULL AND c.name IS NOT NULL "
        "WITH c.kind AS kind, c ORDER BY c.clv DESC, c.id "
        "WITH kind, collect(c)[0] AS c RETURN c.id AS id, kind, properties(c) AS props",
    )  # fmt: skip
    assert {p["kind"] for p in picked} >= {"person", "organization"}
    fragments = " ".join(f"... on {t} {{ {' '.join(f)} }}" for t, f in KIND_FIELDS.items())
    query = (
        "query($id: ID!) { customer(id: $id) { __typename "
        + " ".join(CUSTOMER_FIELDS)
        + f" {fragments} }} }}"
    )
    for row in picked:
        props = row["props"]
        got = data(client, query, {"id": global_id(Family.PARTY, row["id"])})["customer"]
        want: dict[str, Any] = {"__typename": got["__typename"]}
        want |= {f: expected(f, props.get(p)) for f, p in CUSTOMER_FIELDS.items()}
        want |= {f: props.get(f) for f in KIND_FIELDS.get(got["__typename"], [])}
        assert got == want, row["id"]
        assert got["clv"] is not None and got["lifecycleStage"] is not None

    [broker] = stored(
        driver, s,
        "MATCH (b:Party:Broker) WHERE b.customersBrought > 0 "
        "RETURN b.id AS id, properties(b) AS props ORDER BY b.customersBrought DESC, b.id LIMIT 1",
    )  # fmt: skip
    query = "query($id: ID!) { broker(id: $id) { " + " ".join(BROKER_FIELDS) + " } }"
    got = data(client, query, {"id": global_id(Family.PARTY, broker["id"])})["broker"]
    assert got == {f: broker["props"].get(f) for f in BROKER_FIELDS}

    [product] = stored(
        driver, s,
        "MATCH (p:Product) WHERE p.buyers > 0 "
        "RETURN p.id AS id, properties(p) AS props ORDER BY p.buyers DESC, p.id LIMIT 1",
    )  # fmt: skip
    query = "query($id: ID!) { product(id: $id) { " + " ".join(PRODUCT_FIELDS) + " } }"
    got = data(client, query, {"id": global_id(Family.PRODUCT, product["id"])})["product"]
    assert got == {f: product["props"].get(f) for f in PRODUCT_FIELDS}
    # its revenue is counted live, per currency, from its order lines
    lines, _, _ = driver.execute_query(
        "MATCH (:Product {id: $id})<-[:OF_PRODUCT]-(l:OrderLine)<-[:HAS_LINE]-(:Order)"
        "<-[:PLACED]-(:Party) RETURN l.currency AS currency, l.amount AS amount",
        {"id": product["id"]}, database_=s.neo4j_database,
    )  # fmt: skip
    lines_total: dict[str, float] = {}
    for line in lines:
        lines_total[line["currency"]] = lines_total.get(line["currency"], 0.0) + line["amount"]
    query = "query($id: ID!) { product(id: $id) { revenue { currency amount } } }"
    revenue = data(client, query, {"id": global_id(Family.PRODUCT, product["id"])})["product"]
    found = {m["currency"]: m["amount"] for m in revenue["revenue"]}
    assert list(found) == sorted(lines_total) and found == pytest.approx(lines_total, abs=0.005)
    assert all(round(a, 2) == a for a in found.values())


# ---- (c) filters and sorts on the metrics --------------------------------------------------

PAGE = """
query($f: CustomerFilter, $o: CustomerOrder, $after: String) {
  customers(filter: $f, orderBy: $o, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { key clv lifecycleStage } }
  }
}
"""


def all_pages(client: TestClient, variables: dict[str, Any]) -> tuple[list[Any], int]:
    found: list[Any] = []
    after = None
    while True:
        page = data(client, PAGE, {**variables, "after": after})["customers"]
        found += [(e["node"]["key"], e["node"]["clv"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


def test_customers_filtered_and_sorted_on_metrics(
    scored: DemoData, client: TestClient, driver: Driver
) -> None:
    rows = stored(
        driver, scored.settings,
        "MATCH (c:Party:Customer) RETURN c.id AS id, c.clv AS clv, c.lifecycleStage AS stage, "
        "c.churnRisk AS risk, c.revenue AS revenue",
    )  # fmt: skip
    stages = {"retention", "expansion", "advocacy"}
    values = sorted(r["clv"] for r in rows if r["stage"] in stages and r["clv"] is not None)
    assert len(values) > 20
    floor = values[len(values) // 2]
    reference = sorted(
        ((r["id"], r["clv"]) for r in rows
         if r["stage"] in stages and r["clv"] is not None and r["clv"] >= floor),
        key=lambda x: (-x[1], x[0]),
    )  # fmt: skip
    variables = {
        "f": {"lifecycleStage": ["RETENTION", "EXPANSION", "ADVOCACY"], "clv": {"min": floor}},
        "o": {"field": "CLV", "direction": "DESC"},
    }
    found, total = all_pages(client, variables)
    assert found == reference and total == len(reference)

    # Ranges on churn risk and revenue, both bounds inclusive, sorted by revenue ascending.
    low, high = 100.0, 2000.0
    reference_ids = [
        r["id"]
        for r in sorted(
            (r for r in rows if r["risk"] is not None and r["risk"] <= 0.5
             and r["revenue"] is not None and low <= r["revenue"] <= high),
            key=lambda r: (r["revenue"], r["id"]),
        )
    ]  # fmt: skip
    variables = {
        "f": {"churnRisk": {"max": 0.5}, "revenue": {"min": low, "max": high}},
        "o": {"field": "REVENUE"},
    }
    found, _ = all_pages(client, variables)
    assert [k for k, _ in found] == reference_ids and reference_ids


# ---- (d) portfolio KPIs ----------------------------------------------------------------------

PORTFOLIO = """
query($start: Date!, $end: Date!, $f: CustomerFilter, $g: KpiGroup) {
  portfolio(start: $start, end: $end, filter: $f, groupBy: $g) {
    key customers activeAtStart activeAtEnd new retentionRate churnRate nps surveyAnswers
    revenue { currency amount } averageClv
  }
}
"""


def direct(
    settings: Settings, group: GroupBy, predicate: LiteralString, **params: Any
) -> list[Kpis]:
    async def go() -> list[Kpis]:
        driver = open_driver(settings)
        try:
            return await portfolio(
                driver, settings.neo4j_database, START, AS_OF, group=group,
                predicate=predicate, params=params,
            )  # fmt: skip
        finally:
            await driver.close()

    return asyncio.run(go())


def as_api(k: Kpis) -> dict[str, Any]:
    return {
        "key": k.key, "customers": k.customers, "activeAtStart": k.active_at_start,
        "activeAtEnd": k.active_at_end, "new": k.new, "retentionRate": k.retention_rate,
        "churnRate": k.churn_rate, "nps": k.nps, "surveyAnswers": k.survey_answers,
        "revenue": [{"currency": m.currency, "amount": m.amount} for m in k.revenue],
        "averageClv": k.average_clv,
    }  # fmt: skip


def test_portfolio_equals_the_kpi_function(scored: DemoData, client: TestClient) -> None:
    s = scored.settings
    period = {"start": START.isoformat(), "end": AS_OF.isoformat()}
    got = data(client, PORTFOLIO, {**period, "g": "SEGMENT"})["portfolio"]
    want = [as_api(k) for k in direct(s, GroupBy.SEGMENT, "true")]
    assert got == want and len(want) > 1
    assert sum(g["customers"] for g in got) > 100

    f = {"lifecycleStage": ["RETENTION", "EXPANSION", "LAPSED"], "churnRisk": {"max": 0.9}}
    got = data(client, PORTFOLIO, {**period, "f": f, "g": "SEGMENT"})["portfolio"]
    predicate = "c.lifecycleStage IN $stages AND c.churnRisk <= $risk"
    stages = ["retention", "expansion", "lapsed"]
    want = [as_api(k) for k in direct(s, GroupBy.SEGMENT, predicate, stages=stages, risk=0.9)]
    assert got == want and want

    # Not grouped: one entry with a null key; `groupBy` defaults to NONE.
    [single] = data(client, PORTFOLIO, period)["portfolio"]
    assert single == as_api(direct(s, GroupBy.NONE, "true")[0]) and single["key"] is None


LIVE = """
query($start: Date!, $end: Date!, $live: Boolean!) {
  portfolio(start: $start, end: $end, groupBy: SEGMENT, live: $live) {
    key customers activeAtEnd revenue { currency amount } asOf stale
  }
}
"""


def test_portfolio_says_when_its_figures_were_computed(
    scored: DemoData, client: TestClient, driver: Driver
) -> None:
    s = scored.settings
    both = """MATCH (k:KpiState {id: 'kpi'}), (g:GraphState {id: 'facts'})
              RETURN k.computedAt AS computed, g.changedAt AS changed"""
    [state] = stored(driver, s, both)
    computed = state["computed"].to_native()
    stale = state["changed"].to_native() >= computed - dt.timedelta(seconds=1)
    period = {"start": START.isoformat(), "end": AS_OF.isoformat()}
    served = data(client, LIVE, {**period, "live": False})["portfolio"]
    assert {(g["asOf"], g["stale"]) for g in served} == {(format_datetime(computed), stale)}

    began = dt.datetime.now(dt.UTC)
    live = data(client, LIVE, {**period, "live": True})["portfolio"]
    scanned = asyncio.run(_scan(s))
    assert [{k: g[k] for k in ("key", "customers", "activeAtEnd", "revenue")} for g in live] == [
        {k: v for k, v in as_api(x).items() if k in ("key", "customers", "activeAtEnd", "revenue")}
        for x in scanned
    ]
    assert not any(g["stale"] for g in live)
    times = {parse_datetime(g["asOf"]) for g in live}
    assert len(times) == 1 and began <= times.pop() <= dt.datetime.now(dt.UTC)


async def _scan(settings: Settings) -> list[Kpis]:
    driver = open_driver(settings)
    try:
        return await portfolio(driver, settings.neo4j_database, START, AS_OF,
                               group=GroupBy.SEGMENT, scan=True)  # fmt: skip
    finally:
        await driver.close()


def test_portfolio_refuses_what_it_cannot_answer(client: TestClient) -> None:
    cases: list[dict[str, Any]] = [
        {"start": "2025-01-01", "end": "2024-01-01"},
        {"start": "2024-01-01", "end": "2025-01-01", "f": {"lastActivity": {"from": "2024-01-01"}}},
        {"start": "2024-01-01", "end": "2025-01-01",
         "f": {"or": [{"kind": ["PERSON"]}, {"lastActivity": {"to": "2024-01-01"}}]}},
    ]  # fmt: skip
    for variables in cases:
        body = run(client, PORTFOLIO, variables)
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
