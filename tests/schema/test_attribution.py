"""One attributed broker: `Customer.broker`, `referralChain`, the `broker` filter and
`portfolio(groupBy: BROKER)` agree on hand-built chains where the old definitions did not
(the farthest broker on any path, the nearest one, a broker beyond a chain's origin or cycle).

The world (dates are the referrals'; each customer's first referral is the earliest):

    X ──2021-01──> c <──2021-05── p1 <──2020-01── Y      c: X (Y was the farthest)
    Z ──2019────> q ──2020-02──> d <──2022────── W      d: Z (W was the nearest)
    o ──2020────> e <──2022────── U                     e: none, its chain ends at o (U before)
    g2 ─2019─> g1 ─2020─> f,  g1 ─2019-06─> g2 <─2021─ T  f: none, a cycle (T before)
"""

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
from graph.security.principal import Role
from schema.ids import global_id
from tests.api.mutation_helpers import client_for
from tests.factories import Graph, Party
from tests.schema import expect as x
from tests.schema.conftest import data


@dataclass
class World:
    g: Graph
    segment: str
    who: dict[str, Party]

    def gid(self, name: str) -> str:
        return global_id(Family.PARTY, self.who[name].id)


@pytest.fixture(scope="module")
def world(driver: Driver, settings: Settings) -> Iterator[World]:
    g = Graph()
    segment = f"attr-{g.tag}"
    who: dict[str, Party] = {}
    for name in "XYZWUT":
        who[name] = g.broker(f"Broker {name} {g.tag}")
    for name in ("c", "d", "e", "f"):
        who[name] = g.person(name.upper(), f"Attributed{g.tag}", segment=segment)
    for name in ("p1", "q", "o", "g1", "g2"):
        who[name] = g.person(name.upper(), f"Between{g.tag}")
    for a, b, day in (("X", "c", "2021-01-01"), ("p1", "c", "2021-05-01"), ("Y", "p1", "2020-01-01"),
                      ("Z", "q", "2019-01-01"), ("q", "d", "2020-02-01"), ("W", "d", "2022-01-01"),
                      ("o", "e", "2020-01-01"), ("U", "e", "2022-01-01"),
                      ("g2", "g1", "2019-01-01"), ("g1", "f", "2020-01-01"),
                      ("g1", "g2", "2019-06-01"), ("T", "g2", "2021-01-01")):  # fmt: skip
        g.referral(who[a], who[b], dt.date.fromisoformat(day))
    g.save(driver, settings.neo4j_database)
    try:
        yield World(g, segment, who)
    finally:
        g.delete(driver, settings.neo4j_database)


EXPECTED = {"c": "X", "d": "Z", "e": None, "f": None}
ENDS = {"c": "BROKER", "d": "BROKER", "e": "ORIGIN", "f": "CYCLE"}

VIEW = """query($id: ID!) {
  customer(id: $id) { broker { key } }
  referralChain(customer: $id) { end origin { key } }
}"""
FILTERED = """query($b: ID!, $s: [String!]) {
  customers(filter: {broker: $b, segment: $s}, first: 50) { edges { node { key } } }
}"""
GROUPED = """query($s: [String!]) {
  portfolio(start: "2020-01-01", end: "2025-12-31", groupBy: BROKER, filter: {segment: $s}) {
    key customers
  }
}"""


def keys_of(found: Any) -> list[str]:
    return sorted(e["node"]["key"] for e in found["customers"]["edges"])


def test_the_reference_is_the_chain_not_the_farthest_or_nearest(world: World) -> None:
    for name, broker in EXPECTED.items():
        found = x.top_broker(world.g, world.who[name])
        assert (found and found.id) == (broker and world.who[broker].id), name


def test_field_chain_filter_and_grouping_agree(client: TestClient, world: World) -> None:
    key = {n: p.id for n, p in world.who.items()}
    for name, broker in EXPECTED.items():
        found = data(client, VIEW, {"id": world.gid(name)})
        expected = None if broker is None else {"key": key[broker]}
        assert found["customer"]["broker"] == expected, name
        chain = found["referralChain"]
        assert chain["end"] == ENDS[name], name
        assert (chain["origin"] if chain["end"] == "BROKER" else None) == expected, name
    groups = {g["key"]: g["customers"] for g in data(client, GROUPED, {"s": [world.segment]})["portfolio"]}  # fmt: skip
    assert groups == {key["X"]: 1, key["Z"]: 1, None: 2}
    for name in "XYZWUT":
        found = data(client, FILTERED, {"b": world.gid(name), "s": [world.segment]})
        members = sorted(key[c] for c, b in EXPECTED.items() if b == name)
        assert keys_of(found) == members, name
        assert len(members) == groups.get(key[name], 0), name


def test_a_partner_sees_the_chain_of_its_own_view(settings: Settings, world: World) -> None:
    """W's partner cannot see q (Z's): d's first referral it can see is W's, so d's chain, its
    broker, the filter and the grouping all say W for it; W's scope (its network) is d alone."""
    w = world.who["W"].id
    with client_for(settings, Role.PARTNER, subject="attr-partner", broker_id=w) as partner:
        found = data(partner, VIEW, {"id": world.gid("d")})
        assert found["customer"]["broker"] == {"key": w}
        assert found["referralChain"] == {"end": "BROKER", "origin": {"key": w}}
        groups = data(partner, GROUPED, {"s": [world.segment]})["portfolio"]
        assert groups == [{"key": w, "customers": 1}]
        filtered = data(partner, FILTERED, {"b": world.gid("W"), "s": [world.segment]})
        assert keys_of(filtered) == [world.who["d"].id]
