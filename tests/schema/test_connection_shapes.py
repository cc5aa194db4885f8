"""One connection shape everywhere: a buying committee's members page as a connection (`people`,
both ways), the referral tree is a connection of its parties, and a partner network's direct
customers are one; the old fields are deprecated aliases answering the same. Built here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import Graph, Party
from tests.schema.conftest import data, run


@dataclass
class World:
    g: Graph
    firm: Party
    people: list[Party]  # committee members, by decreasing influence (none primary but the first)
    broker: Party
    referred: list[Party]  # the broker's direct customers
    grandchild: Party  # referred by referred[0]


@pytest.fixture(scope="module")
def world(driver: Driver, settings: Settings) -> Iterator[World]:
    g = Graph()
    firm = g.organization(f"Shapes Firm {g.tag}")
    people = [g.person(f"M{i}", f"Shapes{g.tag}") for i in range(7)]
    g.committee(people[0], firm, ["economic_buyer"], 0.9, True)
    for i, p in enumerate(people[1:], start=1):
        g.committee(p, firm, ["user"], round(0.8 - i * 0.1, 2))
    g.committee(people[3], firm, ["champion"], 0.1)  # a second seat: still one member
    broker = g.broker(f"Shapes Broker {g.tag}")
    referred = [g.person(f"R{i}", f"Shapes{g.tag}") for i in range(5)]
    for p in referred:
        g.referral(broker, p, dt.date(2024, 5, 1))
    grandchild = g.person("G", f"Shapes{g.tag}")
    g.referral(referred[0], grandchild, dt.date(2024, 6, 1))
    g.save(driver, settings.neo4j_database)
    try:
        yield World(g, firm, people, broker, referred, grandchild)
    finally:
        g.delete(driver, settings.neo4j_database)


PEOPLE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  buyingCommittee(account: $id) {
    members { person { key } }
    people(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { person { key } seats } } } } }"""


def people_page(client: TestClient, w: World, **v: Any) -> dict[str, Any]:
    found = data(client, PEOPLE, {"id": global_id(Family.PARTY, w.firm.id), **v})
    committee: dict[str, Any] = found["buyingCommittee"]
    return committee


def test_committee_people_page_both_ways(client: TestClient, world: World) -> None:
    expected = [p.id for p in world.people]  # primary first, then by influence
    whole = people_page(client, world, first=100)
    assert [m["person"]["key"] for m in whole["members"]] == expected  # the deprecated alias
    assert [e["node"]["person"]["key"] for e in whole["people"]["edges"]] == expected
    assert whole["people"]["totalCount"] == 7
    assert [len(e["node"]["seats"]) for e in whole["people"]["edges"]] == [1, 1, 1, 2, 1, 1, 1]
    forward, cursor = [], None
    while True:
        page = people_page(client, world, first=3, after=cursor)["people"]
        forward.append([e["node"]["person"]["key"] for e in page["edges"]])
        assert page["pageInfo"]["hasPreviousPage"] is (cursor is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert forward == [expected[0:3], expected[3:6], expected[6:7]]
    backward, cursor = [], None
    while True:
        page = people_page(client, world, last=3, before=cursor)["people"]
        backward.append([e["node"]["person"]["key"] for e in page["edges"]])
        assert page["pageInfo"]["hasNextPage"] is (cursor is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert backward == [expected[4:7], expected[1:4], expected[0:1]]
    edges = whole["people"]["edges"]
    window = people_page(client, world, after=edges[1]["cursor"], before=edges[5]["cursor"])
    assert [e["node"]["person"]["key"] for e in window["people"]["edges"]] == expected[2:5]


def test_committee_people_refuse_bad_arguments(client: TestClient, world: World) -> None:
    gid = global_id(Family.PARTY, world.firm.id)
    both = run(client, PEOPLE, {"id": gid, "first": 1, "last": 1})
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not both" in both["errors"][0]["message"]
    alien = data(client, "{ customers(first: 1) { edges { cursor } } }", {})
    cursor = alien["customers"]["edges"][0]["cursor"]
    wrong = run(client, PEOPLE, {"id": gid, "after": cursor})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


TREE = """query($id: ID!, $after: String) {
  referralTree(root: $id, first: 2, after: $after, order: DEPTH) {
    size nodes { party { key } cursor } hasNextPage endCursor
    totalCount edges { cursor node { party { key } depth } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def test_the_referral_tree_is_a_connection(client: TestClient, world: World) -> None:
    gid = global_id(Family.PARTY, world.broker.id)
    keys: list[str] = []
    after = None
    while True:
        tree = data(client, TREE, {"id": gid, "after": after})["referralTree"]
        assert tree["totalCount"] == tree["size"] == 6
        edges = tree["edges"]
        assert [e["node"]["party"]["key"] for e in edges] == [
            n["party"]["key"] for n in tree["nodes"]
        ]
        assert [e["cursor"] for e in edges] == [n["cursor"] for n in tree["nodes"]]
        info = tree["pageInfo"]
        assert info["hasNextPage"] is tree["hasNextPage"]
        assert info["endCursor"] == tree["endCursor"] == edges[-1]["cursor"]
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["hasPreviousPage"] is (after is not None)
        keys += [e["node"]["party"]["key"] for e in edges]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # depth order, ties by key: the five direct customers, then the grandchild
    assert keys == [*sorted(p.id for p in world.referred), world.grandchild.id]


NETWORK = """query($id: ID!, $after: String) {
  partnerNetwork(broker: $id, depth: 3, first: 2, after: $after, order: DEPTH) {
    direct customers { party { key } } hasNextPage endCursor
    directCustomers { totalCount edges { cursor node { party { key } subtreeSize } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""


def test_a_partner_networks_direct_customers_are_a_connection(
    client: TestClient, world: World
) -> None:
    gid = global_id(Family.PARTY, world.broker.id)
    keys: list[str] = []
    sizes: dict[str, int] = {}
    after = None
    while True:
        net = data(client, NETWORK, {"id": gid, "after": after})["partnerNetwork"]
        conn = net["directCustomers"]
        assert conn["totalCount"] == net["direct"] == 5
        page = [e["node"]["party"]["key"] for e in conn["edges"]]
        assert page == [c["party"]["key"] for c in net["customers"]]
        assert conn["pageInfo"]["hasNextPage"] is net["hasNextPage"]
        assert conn["pageInfo"]["endCursor"] == net["endCursor"] == conn["edges"][-1]["cursor"]
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        keys += page
        sizes |= {e["node"]["party"]["key"]: e["node"]["subtreeSize"] for e in conn["edges"]}
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert keys == sorted(p.id for p in world.referred)
    assert sizes == {p.id: 2 if p is world.referred[0] else 1 for p in world.referred}
