"""The number of statements a request runs does not grow with the size of its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import orjson
import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from tests.factories import UTC, Graph
from tests.schema.conftest import CountingDriver, graphql_app

CUSTOMERS_360 = """
query($seg: String!, $n: Int!) {
  customers(filter: {segment: [$seg]}, first: $n) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node {
      __typename id key name email status createdAt lastActivityDate roles
      ... on Person { givenName surname household { role household { key name members { edges { node { key } } } } }
                      employment { title organization { key name } } }
      identities { edges { rule node { key system } } }
      interactions(first: 5) { totalCount edges { node { key at channel handledBy { key name } product { key name } } } }
      orders(first: 5) { edges { node { key date amount lines(first: 5) { edges { node { quantity product { key name } } } } } } }
      productsOwned(first: 5) { edges { node { key } } }
      referredBy { edges { date node { __typename key } } }
      referrals { edges { node { key } } }
      broker { key name }
      accountOwner { key name }
      surveyResponses(first: 3) { edges { node { score } } }
    } }
  }
}
"""


@pytest.fixture(scope="module")
def fifty(driver: Driver, settings: Settings) -> Iterator[Graph]:
    g = Graph()
    segment = f"stmt-{g.tag}"
    owner = g.employee("Olga Owner", "Account Manager", "Sales")
    broker = g.broker("Chain Brokers")
    employer = g.organization("Employer Inc", segment=f"{segment}-x")
    house = g.household("Fifty House", segment=f"{segment}-x")
    products = [g.product(f"P{i}", "cat", 1.0 + i) for i in range(4)]
    previous = None
    for i in range(50):
        p = g.person(f"Given{i:02d}", "Fifty", email=f"p{i}.{g.tag}@example.com", segment=segment)
        g.owns(owner, p)
        if i % 2:
            g.member(p, house, "member")
        if i % 3 == 0:
            g.works_for(p, employer, "Staff", "Ops")
        g.referral(previous or broker, p, dt.date(2022, 1, 1) + dt.timedelta(days=i))
        previous = p if i % 5 else None
        for k in range(3):
            at = dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(hours=i * 10 + k)
            g.interaction(p, at, ["email", "phone", "web"][k], employee=owner, product=products[k])
        for k in range(2):
            g.order(
                p,
                dt.date(2023, 1 + k, 1 + i % 28),
                [(products[k], 1, 2.0), (products[k + 1], 2, 6.0)],
            )
        g.survey(p, dt.datetime(2024, 2, 1, tzinfo=UTC) + dt.timedelta(days=i), i % 11)
    g.save(driver, settings.neo4j_database)
    g.segment = segment  # type: ignore[attr-defined]
    try:
        yield g
    finally:
        g.delete(driver, settings.neo4j_database)


def ask(client: TestClient, segment: str, n: int) -> bytes:
    response = client.post(
        "/graphql",
        json={"query": CUSTOMERS_360, "variables": {"seg": segment, "n": n}},
        headers={"x-request-id": "count"},
    )
    assert response.status_code == 200
    assert "errors" not in response.json(), response.text
    return response.content


def test_one_statement_for_a_360_view_of_50_customers(
    client: TestClient, counting: CountingDriver, fifty: Graph
) -> None:
    segment = fifty.segment  # type: ignore[attr-defined]
    counting.count = 0
    body = orjson.loads(ask(client, segment, 50))
    assert counting.count == 1
    edges = body["data"]["customers"]["edges"]
    assert len(edges) == 50 and body["data"]["customers"]["totalCount"] == 50
    assert sum(len(e["node"]["interactions"]["edges"]) for e in edges) == 150
    assert (
        sum(len(o["node"]["lines"]["edges"]) for e in edges for o in e["node"]["orders"]["edges"])
        == 200
    )


def test_the_executor_batches_each_level(
    client: TestClient, counting: CountingDriver, fifty: Graph
) -> None:
    segment = fifty.segment  # type: ignore[attr-defined]
    app = graphql_app(client)
    app.compiled = False
    try:
        counts = []
        bodies = []
        for n in (5, 50):
            counting.count = 0
            bodies.append(ask(client, segment, n))
            counts.append(counting.count)
    finally:
        app.compiled = True
    assert counts[0] == counts[1]  # the same number of statements for 5 or 50 customers
    assert counts[1] <= 30
    assert bodies[1] == ask(client, segment, 50)  # and the same answer as the compiled path
