"""A scope injected after each anchoring match restricts everything a request can see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from graph.read.scope import BrokerNetwork
from tests.schema.conftest import World, data, graphql_app


@pytest.fixture
def partner(client: TestClient, world: World) -> Iterator[TestClient]:
    """The API as the brokerage sees it: its own network only."""
    app = graphql_app(client)
    original = app.scope_for
    app.scope_for = lambda request: BrokerNetwork(world.brokerage.id)  # type: ignore[method-assign]
    try:
        yield client
    finally:
        app.scope_for = original  # type: ignore[method-assign]


VIEW = """query($id: ID!) { customer(id: $id) { key
  ... on Person { household { household { key } } employment { organization { key } } }
  referredBy { totalCount edges { node { key } } } referrals { edges { node { key } } }
  accountOwner { key } broker { key } interactions { totalCount } } }"""


@pytest.mark.parametrize("compiled", [True, False])
def test_a_partner_sees_only_its_network(partner: TestClient, world: World, compiled: bool) -> None:
    graphql_app(partner).compiled = compiled
    try:
        everyone = data(partner, "{ customers(first: 100) { totalCount edges { node { key } } } }")
        assert everyone["customers"] == {
            "totalCount": 2,
            "edges": [{"node": {"key": k}} for k in sorted([world.john.id, world.kid.id])],
        }
        assert data(partner, VIEW, {"id": world.gid(world.acme)}) == {"customer": None}
        assert data(partner, VIEW, {"id": world.gid(world.john)}) == {
            "customer": {
                "key": world.john.id,
                "household": None,  # the Smiths were not brought in by the brokerage
                "employment": None,
                "referredBy": {"totalCount": 1, "edges": [{"node": {"key": world.brokerage.id}}]},
                "referrals": {"edges": [{"node": {"key": world.kid.id}}]},
                "accountOwner": None,
                "broker": {"key": world.brokerage.id},
                "interactions": {"totalCount": 4},
            }
        }
        node = "query($id: ID!) { node(id: $id) { id } }"
        mine, theirs = world.interactions[0], world.interactions[4]  # john's, acme's
        assert data(partner, node, {"id": world.gid(mine)}) == {"node": {"id": world.gid(mine)}}
        assert data(partner, node, {"id": world.gid(theirs)}) == {"node": None}
        catalogue = {"id": world.gid(world.widget)}
        assert data(partner, node, catalogue) == {"node": catalogue}  # products are public
        brokers = "query($id: ID!) { broker(id: $id) { key } }"
        assert data(partner, brokers, {"id": world.gid(world.solo)}) == {"broker": None}
        assert data(partner, brokers, {"id": world.gid(world.brokerage)}) == {
            "broker": {"key": world.brokerage.id}
        }
    finally:
        graphql_app(partner).compiled = True
