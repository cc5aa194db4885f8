"""The compiled path answers exactly what Strawberry's executor answers: same bytes, including
null propagation for non-null fields and errors with their paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.conftest import without_cost
from tests.factories import UTC, Graph
from tests.schema import test_values as v
from tests.schema.conftest import CountingDriver, World, graphql_app


def both(
    client: TestClient, counting: CountingDriver, query: str, variables: dict[str, Any]
) -> tuple[bytes, int, bytes, int]:
    """(compiled body, its statements, executor body, its statements)."""
    app = graphql_app(client)
    out: list[Any] = []
    for compiled in (True, False):
        app.compiled = compiled
        counting.count = 0
        try:
            response = client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"x-request-id": "same-id"},
            )
        finally:
            app.compiled = True
        assert response.status_code == 200, response.text
        out += [orjson.dumps(without_cost(response.json())), counting.count]
    return out[0], out[1], out[2], out[3]


FRAGMENTS = """
query Q($id: ID!, $withOrders: Boolean!, $skipIds: Boolean!) {
  __typename
  a: customer(id: $id) { ...C label: name ... on Person { manager { ...P } } }
  b: customer(id: $id) { __typename kind k: key }
}
fragment P on Party { __typename ... on Person { first: givenName } key }
fragment C on Customer {
  ... on Person { g: givenName household { h: household { __typename n: name } } }
  ... on Organization { domain }
  id @skip(if: $skipIds)
  o: orders(first: 1) @include(if: $withOrders) {
    __typename totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { __typename id date } } }
  later: orders(first: 1, after: null) @include(if: $withOrders) { edges { node { key } } }
  identities(first: 2) { edges { node { id } } }
}
"""

PAGES = """
query($f: CustomerFilter, $o: CustomerOrder, $after: String) {
  customers(filter: $f, orderBy: $o, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename key name lastActivityDate } }
  }
}
"""


def operations(world: World) -> list[tuple[str, dict[str, Any]]]:
    john, acme = world.gid(world.john), world.gid(world.acme)
    missing = global_id(Family.PRODUCT, "erp:none")
    segments = {"segment": ["gold", "enterprise", "family"], "country": ["US", "DE"]}
    return [
        (v.JOHN_360, {"id": john}),
        (v.JOHN_360, {"id": world.gid(world.smiths)}),
        (v.ACCOUNT, {"id": acme}),
        (v.BROKER, {"id": world.gid(world.brokerage)}),
        (v.EMPLOYEE, {"id": world.gid(world.eve)}),
        (v.NODE, {"ids": [john, acme, world.gid(world.deal), world.gid(world.widget)]}),
        (FRAGMENTS, {"id": john, "withOrders": True, "skipIds": False}),
        (FRAGMENTS, {"id": john, "withOrders": False, "skipIds": True}),
        (FRAGMENTS, {"id": acme, "withOrders": True, "skipIds": True}),
        (PAGES, {"f": segments, "o": {"field": "NAME", "direction": "DESC"}}),
        (
            PAGES,
            {"f": {"or": [segments, {"kind": ["HOUSEHOLD"]}]}, "o": {"field": "LAST_ACTIVITY"}},
        ),
        ("query($p: ID!) { a: product(id: $p) { key } b: nodes(ids: []) { id } }", {"p": missing}),
    ]


def test_same_answers(client: TestClient, counting: CountingDriver, world: World) -> None:
    for query, variables in operations(world):
        compiled, statements, executed, _ = both(client, counting, query, variables)
        assert compiled == executed, (query[:80], variables)
        assert "errors" not in orjson.loads(compiled), compiled
        roots = 2 if query is FRAGMENTS or query.startswith("query($p") else 1
        assert statements == roots, (statements, query[:80])


def test_second_page_matches(client: TestClient, counting: CountingDriver, world: World) -> None:
    variables: dict[str, Any] = {
        "f": {"segment": ["gold", "enterprise", "family"]},
        "o": {"field": "CREATED_AT"},
    }
    first = orjson.loads(both(client, counting, PAGES, variables)[0])
    variables["after"] = first["data"]["customers"]["pageInfo"]["endCursor"]
    compiled, statements, executed, _ = both(client, counting, PAGES, variables)
    assert compiled == executed and statements == 1
    assert orjson.loads(compiled)["data"]["customers"]["pageInfo"]["hasPreviousPage"] is True


MIXED = """
query($n: Int = 2, $after: String, $seg: [String!]) {
  customers(filter: {segment: $seg, country: ["US", "DE"]}, orderBy: {field: NAME}, first: $n,
            after: $after) {
    pageInfo { endCursor }
    edges { node { key orders(first: $n, filter: {date: {from: "2020-01-01"}}) { totalCount
      edges { node { key } } } } } } }
"""


def test_arguments_written_in_the_document_and_given_by_variables_across_requests(
    client: TestClient, counting: CountingDriver, world: World
) -> None:
    """The written arguments are converted once per plan: every request still gets its own."""
    asks: list[dict[str, Any]] = [
        {"seg": ["gold", "enterprise", "family"]},
        {"seg": ["family"], "n": 1},
        {},  # `$seg` absent: the segment filter is off; `$n` takes its default
        {"seg": ["gold", "enterprise", "family"], "n": 1},
    ]
    answers = []
    for variables in asks:
        compiled, statements, executed, _ = both(client, counting, MIXED, variables)
        assert compiled == executed and statements == 1, variables
        answers.append(orjson.loads(compiled)["data"]["customers"])
    first, narrow, everyone, one = answers
    assert len(first["edges"]) == 2 and len(narrow["edges"]) == 1 == len(one["edges"])
    assert one["edges"][0]["node"]["key"] == first["edges"][0]["node"]["key"]
    assert len(everyone["edges"]) == 2
    page = {"seg": ["gold", "enterprise", "family"], "after": first["pageInfo"]["endCursor"]}
    compiled, _, executed, _ = both(client, counting, MIXED, page)
    assert compiled == executed
    later = [e["node"]["key"] for e in orjson.loads(compiled)["data"]["customers"]["edges"]]
    assert not set(later) & {e["node"]["key"] for e in first["edges"]}


@pytest.fixture
def broken(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, Any]]:
    """A customer whose data break the schema's promises: an interaction without `at`."""
    g = Graph()
    p = g.person("Broken", "Data")
    good = g.interaction(p, dt.datetime(2024, 5, 1, tzinfo=UTC), "email")
    bad = g.interaction(p, dt.datetime(2024, 4, 1, tzinfo=UTC), "phone")
    g.save(driver, settings.neo4j_database)
    driver.execute_query(
        "MATCH (i:Interaction {id: $id}) REMOVE i.at", id=bad.id, database_=settings.neo4j_database
    )
    try:
        yield g, (p, good, bad)
    finally:
        g.delete(driver, settings.neo4j_database)


def test_null_propagation(
    client: TestClient, counting: CountingDriver, broken: tuple[Graph, Any]
) -> None:
    _, (p, good, bad) = broken
    person = global_id(Family.PARTY, p.id)
    cases: list[tuple[str, dict[str, Any]]] = [
        # Interaction.at is non-null: the null climbs to the nullable `customer`.
        ("query($id: ID!) { customer(id: $id) { key interactions { edges { node { key at } } } } }", {"id": person}),
        # ... or to the nullable `node`.
        ("query($id: ID!) { node(id: $id) { id ... on Interaction { channel at } } }", {"id": global_id(Family.INTERACTION, bad.id)}),
        # ... and only to the nullable list item in `nodes`.
        (
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Interaction { key when: at } } }",
            {"ids": [global_id(Family.INTERACTION, good.id), global_id(Family.INTERACTION, bad.id)]},
        ),
    ]  # fmt: skip
    for query, variables in cases:
        compiled, statements, executed, _ = both(client, counting, query, variables)
        assert compiled == executed, (compiled, executed)
        assert statements == 1
    body = orjson.loads(both(client, counting, *cases[0])[0])
    assert body["data"] == {"customer": None}
    [error] = body["errors"]
    assert error["path"] == ["customer", "interactions", "edges", 1, "node", "at"]  # nulls last
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"] == "Internal server error."
    body = orjson.loads(both(client, counting, *cases[2])[0])
    assert body["data"]["nodes"][0] == {"key": good.id, "when": "2024-05-01T00:00:00Z"}
    assert body["data"]["nodes"][1] is None
    assert body["errors"][0]["path"] == ["nodes", 1, "when"]


def test_errors_with_paths(client: TestClient, counting: CountingDriver, world: World) -> None:
    john = world.gid(world.john)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("query($id: ID!) { customer(id: $id) { key interactions(after: \"bm9wZQ\") { totalCount } } }", {"id": john}),
        ("query($id: ID!) { customer(id: $id) { key orders(first: 101) { totalCount } } }", {"id": john}),
        ("{ customer(email: \"a@b.c\", sourceId: \"x:y\") { key } }", {}),
        ("{ node(id: \"not base64!\") { id } }", {}),
        ("query($id: ID!) { a: customer(id: $id) { key } b: customers(first: -1) { totalCount } }", {"id": john}),
    ]  # fmt: skip
    for query, variables in cases:
        compiled, _, executed, _ = both(client, counting, query, variables)
        assert compiled == executed
        body = orjson.loads(compiled)
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, body
    body = orjson.loads(both(client, counting, *cases[0])[0])
    assert body == {
        "errors": [
            {
                "message": "Not a valid cursor for this list: 'bm9wZQ'.",
                "locations": [{"line": 1, "column": 43}],
                "path": ["customer", "interactions"],
                "extensions": {"code": "BAD_USER_INPUT", "requestId": "same-id"},
            }
        ],
        "data": {"customer": None},
    }
    body = orjson.loads(both(client, counting, *cases[4])[0])
    assert body["data"] is None  # `customers` is non-null: its error nulls the whole answer
    assert body["errors"][0]["path"] == ["b"]


def test_executor_handles_what_is_not_compiled(
    client: TestClient, counting: CountingDriver, world: World
) -> None:
    query = "query($id: ID!) { server { edition } customer(id: $id) { key } __schema { queryType { name } } }"
    counting.count = 0
    response = client.post(
        "/graphql", json={"query": query, "variables": {"id": world.gid(world.john)}}
    )
    assert without_cost(response.json()) == {
        "data": {
            "server": {"edition": "community"},
            "customer": {"key": world.john.id},
            "__schema": {"queryType": {"name": "Query"}},
        }
    }
    assert counting.count == 2  # the executor: one statement per root field read


CUSTOMER_METRICS = {
    "revenue": 167.5, "orderCount": 2, "frequency": 1.0, "recency": 9.0, "tenure": 30.5,
    "pAlive": 0.83, "churnRisk": 0.17, "expectedPurchases": 2.25, "expectedSpend": 41.5,
    "clv": 88.125, "npsScore": 6, "npsCategory": "detractor", "interactions90d": 1,
    "interactionsPrev90d": 3, "engagementDropped": True, "lifecycleStage": "expansion",
    "referralValue": 10.0, "networkValue": 12.5, "valueQuadrant": "champion",
}  # fmt: skip
METRICS_AT = dt.datetime(2025, 6, 30, 8, 15, 1, 250000, tzinfo=UTC)

METRICS = """
query($id: ID!, $acme: ID!, $broker: ID!, $product: ID!, $smiths: ID!) {
  customer(id: $id) {
    revenue orderCount frequency recency tenure probabilityAlive churnRisk expectedPurchases
    expectedSpend clv npsScore npsCategory interactions90d interactionsPrev90d engagementDropped
    lifecycleStage referralValue networkValue valueQuadrant metricsAt
  }
  account(id: $acme) {
    clv lifecycleStage valueQuadrant accountValue committeeSize committeeEngaged
    committeeEngagement healthScore
  }
  broker(id: $broker) {
    customersBrought conversionRate retentionRate networkSize networkValue metricsAt
  }
  product(id: $product) { buyers repeatPurchaseRate }
  node(id: $smiths) { ... on Household { householdValue memberCount lifecycleStage npsCategory } }
}
"""

METRIC_PAGES = """
query($f: CustomerFilter, $o: CustomerOrder) {
  customers(filter: $f, orderBy: $o, first: 5) {
    edges { cursor node { key clv churnRisk revenue lifecycleStage } }
  }
}
"""


MATCH_NODE = (
    "CALL () { MATCH (n:Party {id: $id}) RETURN n UNION MATCH (n:Product {id: $id}) RETURN n } "
)


@pytest.fixture
def with_metrics(driver: Driver, settings: Settings, world: World) -> Iterator[World]:
    """The world with stored metrics (as `c360 metrics compute` writes them), removed after."""
    db = settings.neo4j_database
    rows: list[tuple[str, dict[str, Any]]] = [
        (world.john.id, CUSTOMER_METRICS),
        (world.acme.id, {"clv": 500.0, "churnRisk": 0.05, "revenue": 325.0,
                         "lifecycleStage": "retention", "valueQuadrant": "affluent",
                         "accountValue": 992.625, "committeeSize": 2, "committeeEngaged": 1,
                         "committeeEngagement": 0.5, "healthScore": 61.4}),
        (world.smiths.id, {"lifecycleStage": "acquisition", "npsCategory": None,
                           "householdValue": 255.625, "memberCount": 3}),
        (world.brokerage.id, {"customersBrought": 1, "conversionRate": 1.0,
                              "retentionRate": 1.0, "networkSize": 2, "networkValue": 255.625}),
        (world.widget.id, {"buyers": 1, "repeatPurchaseRate": 1.0}),
    ]  # fmt: skip
    names = sorted({k for _, m in rows for k in m} | {"metricsAt"})
    for key, metrics in rows:
        driver.execute_query(
            MATCH_NODE + "SET n += $m, n.metricsAt = $at",
            id=key, m=metrics, at=METRICS_AT, database_=db,
        )  # fmt: skip
    try:
        yield world
    finally:
        for key, _ in rows:  # setting a property to null removes it
            driver.execute_query(
                MATCH_NODE + "SET n += $nulls",
                id=key, nulls=dict.fromkeys(names), database_=db,
            )  # fmt: skip


def test_metrics_same_answers(
    client: TestClient, counting: CountingDriver, with_metrics: World
) -> None:
    w = with_metrics
    ids = {
        "id": w.gid(w.john), "acme": w.gid(w.acme), "broker": w.gid(w.brokerage),
        "product": w.gid(w.widget), "smiths": w.gid(w.smiths),
    }  # fmt: skip
    compiled, statements, executed, _ = both(client, counting, METRICS, ids)
    assert compiled == executed and statements == 5
    body = orjson.loads(compiled)
    assert "errors" not in body, body
    john = body["data"]["customer"]
    assert john["probabilityAlive"] == 0.83 and john["npsCategory"] == "DETRACTOR"
    assert john["lifecycleStage"] == "EXPANSION" and john["valueQuadrant"] == "CHAMPION"
    assert john["metricsAt"] == "2025-06-30T08:15:01.25Z" and john["interactions90d"] == 1
    assert body["data"]["node"] == {
        "householdValue": 255.625, "memberCount": 3, "lifecycleStage": "ACQUISITION",
        "npsCategory": None,
    }  # fmt: skip
    for variables in (
        {"f": {"clv": {"min": 50}}, "o": {"field": "CLV", "direction": "DESC"}},
        {"f": {"lifecycleStage": ["EXPANSION", "RETENTION"]}, "o": {"field": "LIFECYCLE_STAGE"}},
        {"f": {"churnRisk": {"max": 0.2}, "revenue": {"min": 100, "max": 400}},
         "o": {"field": "REVENUE", "direction": "DESC"}},
        {"f": {"not": {"clv": {"min": 100}}, "segment": ["gold", "enterprise"]},
         "o": {"field": "CHURN_RISK"}},
    ):  # fmt: skip
        compiled, statements, executed, _ = both(client, counting, METRIC_PAGES, variables)
        assert compiled == executed and statements == 1, variables
        keys = [e["node"]["key"] for e in orjson.loads(compiled)["data"]["customers"]["edges"]]
        assert keys, variables
