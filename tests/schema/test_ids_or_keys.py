"""Every root that takes a party (or a product) accepts its global id or its key, on both paths,
and answers the same; `brokers` lists the brokers by key (a partner sees only itself)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import Kind, Principal, Role
from schema.ids import global_id
from tests.conftest import auth_headers
from tests.factories import Graph, Party
from tests.schema.conftest import post_on

PATHS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])

ROOTS = """query($c: ID!, $o: ID!, $b: ID!) {
  customer(id: $c) { key }
  account(id: $o) { key }
  broker(id: $b) { key }
  customers(filter: {broker: $b}, first: 10) { edges { node { key } } }
  referralChain(customer: $c) { origin { key } }
  referralTree(root: $b) { size nodes { party { key } } }
  partnerNetwork(broker: $b) { direct }
  likelyNextProducts(customer: $c) { customer { key } }
  connectionPaths(from: $c, to: $b, maxHops: 2) { paths { hops } }
  buyingCommittee(account: $o) { key }
}"""


@pytest.fixture(scope="module")
def patient(settings: Settings) -> Iterator[TestClient]:
    """Ten roots in one operation on a loaded, shared machine: a minute per statement, not ten
    seconds (speed is measured in bench/, not here)."""
    slow = settings.model_copy(update={"neo4j_query_timeout_s": 60.0})
    with TestClient(create_app(slow), headers=auth_headers(slow)) as client:
        yield client


@pytest.fixture(scope="module")
def world(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, Party, Party, Party]]:
    g = Graph()
    broker = g.broker(f"Keyed Brokers {g.tag}")
    ann = g.person("Ann", "Keyed")
    acme = g.organization(f"Keyed Org {g.tag}")
    g.referral(broker, ann, dt.date(2024, 3, 1))
    g.save(driver, settings.neo4j_database)
    try:
        yield g, broker, ann, acme
    finally:
        g.delete(driver, settings.neo4j_database)


@PATHS
def test_a_key_answers_like_the_global_id(
    patient: TestClient, world: tuple[Graph, Party, Party, Party], compiled: bool
) -> None:
    _, broker, ann, acme = world
    client = patient
    by_id = post_on(
        client, compiled, ROOTS,
        c=global_id(Family.PARTY, ann.id), o=global_id(Family.PARTY, acme.id),
        b=global_id(Family.PARTY, broker.id),
    )  # fmt: skip
    by_key = post_on(client, compiled, ROOTS, c=ann.id, o=acme.id, b=broker.id)
    assert "errors" not in by_key, by_key
    assert by_key == by_id
    found = by_key["data"]
    assert (found["customer"], found["account"], found["broker"]) == (
        {"key": ann.id}, {"key": acme.id}, {"key": broker.id}
    )  # fmt: skip
    assert found["customers"]["edges"] == [{"node": {"key": ann.id}}]
    assert found["referralChain"]["origin"] == {"key": broker.id}
    assert found["referralTree"]["nodes"] == [{"party": {"key": ann.id}}]
    assert found["partnerNetwork"]["direct"] == 1
    assert found["connectionPaths"]["paths"] == [{"hops": 1}]
    assert found["buyingCommittee"] == {"key": acme.id}


@PATHS
def test_a_key_of_nothing_is_null_and_a_bare_colon_is_bad_input(
    client: TestClient, world: tuple[Graph, Party, Party, Party], compiled: bool
) -> None:
    g, broker, ann, _ = world
    query = "query($c: ID!) { customer(id: $c) { key } broker(id: $c) { key } }"
    assert post_on(client, compiled, query, c=f"crm:{g.tag}-none") == {
        "data": {"customer": None, "broker": None}
    }
    # A customer's key given as a broker answers null, as its global id does.
    assert post_on(client, compiled, "query($c: ID!) { broker(id: $c) { key } }", c=ann.id) == {
        "data": {"broker": None}
    }
    body = post_on(client, compiled, '{ customer(id: "crm:") { key } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == "Not a valid id or key: 'crm:'."
    del broker


BROKERS = """query($after: String) {
  brokers(first: 100, after: $after) { edges { cursor node { id key name } }
    pageInfo { hasNextPage endCursor } } }"""


def all_brokers(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = client.post("/graphql", json={"query": BROKERS, "variables": {"after": after}})
        page = body.json()["data"]["brokers"]
        found += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def test_brokers_lists_every_broker_by_key_and_a_partner_sees_itself(
    client: TestClient, driver: Driver, settings: Settings,
    world: tuple[Graph, Party, Party, Party],
) -> None:  # fmt: skip
    g, broker, _, _ = world
    found = all_brokers(client)
    keys = [b["key"] for b in found]
    stored = driver.execute_query("MATCH (b:Party:Broker) RETURN b.id AS id ORDER BY id").records
    assert keys == [r["id"] for r in stored]
    assert {"id": global_id(Family.PARTY, broker.id), "key": broker.id,
            "name": broker["name"]} in found  # fmt: skip
    partner = Principal(f"keys-{g.tag}", Role.PARTNER, Kind.TOKEN, broker_id=broker.id)
    token, _ = sign(settings, partner, dt.timedelta(hours=1))
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as own:
        assert [b["key"] for b in all_brokers(own)] == [broker.id]
