"""What a scoped caller may see of stored aggregates (docs/api.md, "Scoped aggregates").

Stored aggregates (`c360 metrics compute`) count every party, whoever may see it: a product's
revenue and buyers, an organization's people, committee and health, a household's members, what a
customer or a broker referred. A scoped caller (a partner; an account team restricted to its own
accounts) reads them as null on both execution paths, while figures of the caller's own data stay
(a customer's own revenue) and the scoped traversals count within the scope (`nextProducts`).
The stored values are set by hand here: the rule is about who sees them, not how they are made.
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
from tests.factories import Graph, Node, Party
from tests.schema.conftest import post_on

PATHS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])


@dataclass
class World:
    g: Graph
    alpha: Party
    beta: Party
    ann: Party
    bob: Party
    firm: Party
    house: Party
    eve: Party
    first: Node
    then: Node

    def gid(self, x: Party | Node) -> str:
        return global_id(Family.PRODUCT if isinstance(x, Node) else Family.PARTY, x.id)


@pytest.fixture(scope="module")
def world(driver: Driver, settings: Settings) -> Iterator[World]:
    g = Graph()
    alpha, beta = g.broker(f"Alpha Agg {g.tag}"), g.broker(f"Beta Agg {g.tag}")
    stored = {"customersBrought": 2, "conversionRate": 1.0,
              "retentionRate": 1.0, "networkSize": 3, "networkValue": 450.0}  # fmt: skip
    alpha.props.update(stored)
    ann = g.person(
        "Ann", f"Agg{g.tag}", revenue=100.0, clv=5.0, referralValue=40.0, networkValue=40.0
    )
    bob = g.person("Bob", f"Agg{g.tag}", revenue=200.0)
    firm = g.organization(
        f"Agg Firm {g.tag}", accountValue=900.0, committeeSize=3, committeeEngaged=1,
        committeeEngagement=0.333, healthScore=61.4,
    )  # fmt: skip
    house = g.household(f"Agg House {g.tag}", householdValue=77.0, memberCount=4)
    eve = g.employee(f"Eve Agg{g.tag}", "Account Manager", "Sales")
    g.owns(eve, firm)
    first = g.product(f"First {g.tag}", "agg", 10.0)
    then = g.product(f"Then {g.tag}", "agg", 20.0)
    first.props.update({"buyers": 2, "repeatPurchaseRate": 0.5})
    for who, referrer in ((ann, alpha), (firm, alpha), (house, alpha), (bob, beta)):
        g.referral(referrer, who, dt.date(2022, 1, 1))
    for who in (ann, bob):
        g.order(who, dt.date(2023, 1, 1), [(first, 1, 10.0)])
        g.order(who, dt.date(2023, 3, 1), [(then, 1, 20.0)])
    g.save(driver, settings.neo4j_database)
    try:
        yield World(g, alpha, beta, ann, bob, firm, house, eve, first, then)
    finally:
        g.delete(driver, settings.neo4j_database)


VIEW = """query($p: ID!, $a: ID!, $b: ID!, $f: ID!, $h: ID!) {
  product(id: $p) { currency revenue { currency amount } buyers repeatPurchaseRate }
  ann: customer(id: $a) { revenue referralValue networkValue }
  broker(id: $b) { customersBrought conversionRate retentionRate networkSize networkValue }
  book: broker(id: $b) { bookValue { currency amount } }
  firm: account(id: $f) { accountValue }
  house: customer(id: $h) { ... on Household { householdValue memberCount } }
  nextProducts(product: $p) { buyers next { support } }
}"""
TEAM_VIEW = """query($f: ID!) {
  account(id: $f) { accountValue committeeSize committeeEngaged committeeEngagement healthScore }
}"""


def ask(client: TestClient, compiled: bool, query: str, **variables: Any) -> Any:
    body = post_on(client, compiled, query, **variables)
    assert "errors" not in body, body
    return body["data"]


def variables(w: World) -> dict[str, str]:
    return {"p": w.gid(w.first), "a": w.gid(w.ann), "b": w.gid(w.alpha), "f": w.gid(w.firm),
            "h": w.gid(w.house)}  # fmt: skip


@PATHS
def test_an_admin_reads_the_stored_aggregates(
    client: TestClient, world: World, compiled: bool
) -> None:
    found = ask(client, compiled, VIEW, **variables(world))
    assert found["product"] == {"currency": "USD", "revenue": [{"currency": "USD", "amount": 20.0}],
                                "buyers": 2, "repeatPurchaseRate": 0.5}  # fmt: skip
    assert found["ann"] == {"revenue": 100.0, "referralValue": 40.0, "networkValue": 40.0}
    assert found["broker"]["customersBrought"] == 2 and found["broker"]["networkSize"] == 3
    # live, per currency: ann's orders (10 + 20 USD) and her CLV (5, in her orders' currency)
    assert found["book"] == {"bookValue": [{"currency": "USD", "amount": 35.0}]}
    assert found["firm"] == {"accountValue": 900.0}
    assert found["house"] == {"householdValue": 77.0, "memberCount": 4}
    assert found["nextProducts"] == {"buyers": 2, "next": [{"support": 2}]}


@PATHS
def test_a_partner_reads_no_aggregate_counted_past_its_scope(
    settings: Settings, world: World, compiled: bool
) -> None:
    with client_for(settings, Role.PARTNER, subject="agg-partner", broker_id=world.alpha.id) as c:
        found = ask(c, compiled, VIEW, **variables(world))
    # the product's revenue is counted live within its scope: ann's line only (bob is beta's)
    assert found["product"] == {"currency": "USD", "revenue": [{"currency": "USD", "amount": 10.0}],
                                "buyers": None, "repeatPurchaseRate": None}  # fmt: skip
    assert found["ann"] == {"revenue": 100.0, "referralValue": None, "networkValue": None}
    assert set(found["broker"].values()) == {None}
    assert found["book"] == {"bookValue": [{"currency": "USD", "amount": 35.0}]}  # all its own
    assert found["firm"] == {"accountValue": None}
    assert found["house"] == {"householdValue": None, "memberCount": None}
    # what it may count, it counts within its scope: ann bought `first` then `then`, bob is beta's
    assert found["nextProducts"] == {"buyers": 1, "next": [{"support": 1}]}


@PATHS
def test_an_owned_accounts_team_reads_no_account_aggregate(
    settings: Settings, world: World, compiled: bool
) -> None:
    scoped = client_for(settings, Role.ACCOUNT_TEAM, subject=world.eve.id, owned_accounts_only=True)
    whole = client_for(settings, Role.ACCOUNT_TEAM, subject=world.eve.id)
    with scoped as c:
        found = ask(c, compiled, TEAM_VIEW, f=world.gid(world.firm))["account"]
    assert set(found.values()) == {None}
    with whole as c:
        found = ask(c, compiled, TEAM_VIEW, f=world.gid(world.firm))["account"]
    assert found == {"accountValue": 900.0, "committeeSize": 3, "committeeEngaged": 1,
                     "committeeEngagement": 0.333, "healthScore": 61.4}  # fmt: skip
