"""The traversal roots through the GraphQL API, each against the graph function it wraps, called
directly on the same demo graph, field by field."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, LiteralString, TypeVar

import pytest
from neo4j import AsyncDriver, Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.driver import open_driver
from graph.metrics.compute import Options
from graph.read.positions import Family
from graph.traversals import committees, partners, referral_tree, referrals
from graph.traversals.common import PartyRef
from schema.cursors import encode_tree_cursor as encode_cursor
from schema.ids import global_id
from schema.scalars import format_date, format_datetime
from tests.conftest import DemoData
from tests.graph.metrics.test_compute import run_compute
from tests.schema.conftest import data, run

T = TypeVar("T")

PARTY = "id key name kind roles status"
HOP = f"referrer {{ {PARTY} }} referredKey date channel incentive currency source"
TREE_NODE = (
    f"party {{ {PARTY} }} depth parentKey referral {{ {HOP} }} revenue subtreeSize "
    "subtreeRevenue cursor"
)
FIGURES = "parties prospects active former revenue conversion retention"


def call(settings: Settings, go: Callable[[AsyncDriver], Coroutine[Any, Any, T]]) -> T:
    """A graph function's answer, called on its own driver."""

    async def main() -> T:
        driver = open_driver(settings)
        try:
            return await go(driver)
        finally:
            await driver.close()

    return asyncio.run(main())


def anchor(driver: Driver, settings: Settings, query: LiteralString) -> str:
    records, _, _ = driver.execute_query(query, database_=settings.neo4j_database)
    if not records:
        pytest.skip("the demo graph has no such anchor")
    found: str = records[0]["id"]
    return found


def gid(key: str) -> str:
    return global_id(Family.PARTY, key)


def upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def party(p: PartyRef | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "id": gid(p.id),
        "key": p.id,
        "name": p.name,
        "kind": upper(p.kind),
        "roles": [r.upper() for r in p.roles],
        "status": upper(p.status),
    }


def day(value: dt.date | None) -> str | None:
    return None if value is None else format_date(value)


def instant(value: dt.datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def hop(r: referrals.Referral | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "referrer": party(r.referrer),
        "referredKey": r.referred_id,
        "date": day(r.date),
        "channel": r.channel,
        "incentive": r.incentive,
        "currency": r.currency,
        "source": r.source,
    }


def tree_node(n: referral_tree.TreeNode, order: referral_tree.TreeOrder) -> dict[str, Any]:
    return {
        "party": party(n.party),
        "depth": n.depth,
        "parentKey": n.parent_id,
        "referral": hop(n.referral),
        "revenue": n.revenue,
        "subtreeSize": n.subtree_size,
        "subtreeRevenue": n.subtree_revenue,
        "cursor": encode_cursor(order, n.cursor),
    }


def figures(f: partners.NetworkFigures) -> dict[str, Any]:
    return {
        "parties": f.parties, "prospects": f.prospects, "active": f.active, "former": f.former,
        "revenue": f.revenue, "conversion": f.conversion, "retention": f.retention,
    }  # fmt: skip


# ---- referralChain --------------------------------------------------------------------------

CHAIN = f"""
query($id: ID!, $maxDepth: Int!) {{
  referralChain(customer: $id, maxDepth: $maxDepth) {{
    customer {{ {PARTY} }} hops {{ {HOP} }} end origin {{ {PARTY} }}
  }}
}}
"""


def test_referral_chain_is_the_graph_functions(
    client: TestClient, driver: Driver, demo_loaded: DemoData
) -> None:
    settings = demo_loaded.settings
    key = anchor(
        driver,
        settings,
        "MATCH (c:Party:Customer)<-[:REFERRED]-(x:Party)<-[:REFERRED]-(:Party) "
        "RETURN c.id AS id ORDER BY c.id LIMIT 1",
    )
    got = data(client, CHAIN, {"id": gid(key), "maxDepth": 10})["referralChain"]
    chain = call(
        settings,
        lambda d: referrals.referral_chain(d, settings.neo4j_database, key, max_depth=10),
    )
    assert chain is not None and chain.hops
    assert got == {
        "customer": party(chain.customer),
        "hops": [hop(h) for h in chain.hops],
        "end": chain.end.name,
        "origin": party(chain.origin),
    }


# ---- referralTree (two pages) ---------------------------------------------------------------

TREE = f"""
query($id: ID!, $first: Int!, $after: String) {{
  referralTree(root: $id, depth: 10, first: $first, after: $after) {{
    root {{ {PARTY} }} depth size revenue deepest capped order
    nodes {{ {TREE_NODE} }} hasNextPage endCursor
  }}
}}
"""

BROKER_WITH_CUSTOMERS: LiteralString = (
    "MATCH (b:Party:Broker)-[:REFERRED]->(c:Party:Customer) "
    "WITH b, count(DISTINCT c) AS n WHERE n >= 3 RETURN b.id AS id ORDER BY n DESC, b.id LIMIT 1"
)


def test_referral_tree_pages_are_the_graph_functions(
    client: TestClient, driver: Driver, demo_loaded: DemoData
) -> None:
    settings = demo_loaded.settings
    key = anchor(driver, settings, BROKER_WITH_CUSTOMERS)
    order = referral_tree.TreeOrder.DEPTH
    after: referral_tree.TreeCursor | None = None
    cursor: str | None = None
    for _ in range(2):
        got = data(client, TREE, {"id": gid(key), "first": 2, "after": cursor})["referralTree"]
        tree = call(settings, partial(tree_page, settings, key, after))
        assert tree is not None and tree.nodes
        assert got == {
            "root": party(tree.root),
            "depth": tree.depth,
            "size": tree.size,
            "revenue": tree.revenue,
            "deepest": tree.deepest,
            "capped": tree.capped,
            "order": order.name,
            "nodes": [tree_node(n, order) for n in tree.nodes],
            "hasNextPage": tree.has_next,
            "endCursor": None if tree.end_cursor is None else encode_cursor(order, tree.end_cursor),
        }
        after, cursor = tree.end_cursor, got["endCursor"]


async def tree_page(
    settings: Settings, key: str, after: referral_tree.TreeCursor | None, driver: AsyncDriver
) -> referral_tree.ReferralTree | None:
    return await referral_tree.referral_tree(
        driver, settings.neo4j_database, key, depth=10, first=2, after=after
    )


# ---- partnerNetwork -------------------------------------------------------------------------

NETWORK = f"""
query($id: ID!) {{
  partnerNetwork(broker: $id, depth: 10, first: 5) {{
    broker {{ {PARTY} }} depth direct figures {{ {FIGURES} }}
    levels {{ depth figures {{ {FIGURES} }} }} capped order
    customers {{ {TREE_NODE} }} hasNextPage endCursor
  }}
}}
"""


def test_partner_network_is_the_graph_functions(
    client: TestClient, driver: Driver, demo_loaded: DemoData
) -> None:
    settings = demo_loaded.settings
    key = anchor(driver, settings, BROKER_WITH_CUSTOMERS)
    got = data(client, NETWORK, {"id": gid(key)})["partnerNetwork"]
    net = call(
        settings,
        lambda d: partners.partner_network(d, settings.neo4j_database, key, depth=10, first=5),
    )
    assert net is not None and net.customers
    order = net.order
    assert got == {
        "broker": party(net.broker),
        "depth": net.depth,
        "direct": net.direct,
        "figures": figures(net.figures),
        "levels": [{"depth": v.depth, "figures": figures(v.figures)} for v in net.levels],
        "capped": net.capped,
        "order": order.name,
        "customers": [tree_node(n, order) for n in net.customers],
        "hasNextPage": net.has_next,
        "endCursor": None if net.end_cursor is None else encode_cursor(order, net.end_cursor),
    }


FIGURES_ONLY = f"""
query($id: ID!) {{
  partnerNetwork(broker: $id, depth: 10, first: 5, live: true) {{
    ...Head ... on PartnerNetwork {{ levels {{ depth figures {{ {FIGURES} }} }} }}
  }}
}}
fragment Head on PartnerNetwork {{ broker {{ {PARTY} }} depth direct figures {{ {FIGURES} }} capped }}
"""


@pytest.mark.parametrize(
    ("selection", "paged"),
    [
        ("direct figures { parties }", False),
        ("...F", True),  # directCustomers through a fragment spread
        ("... on PartnerNetwork { endCursor }", True),
        ("customers { depth }", True),
        ("hasNextPage", True),
        ("directCustomers @skip(if: true) { totalCount }", True),  # read, though not answered
    ],
)
def test_the_page_of_customers_is_read_only_when_asked(
    client: TestClient,
    driver: Driver,
    demo_loaded: DemoData,
    monkeypatch: pytest.MonkeyPatch,
    selection: str,
    paged: bool,
) -> None:
    """Asked for its figures alone, a partner network reads no page of customers (nor the tree's
    parents): the same figures, with less work."""
    key = anchor(driver, demo_loaded.settings, BROKER_WITH_CUSTOMERS)
    asked: list[bool] = []
    real = partners.partner_network

    async def watched(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs["with_customers"])
        return await real(*args, **kwargs)

    monkeypatch.setattr(partners, "partner_network", watched)
    query = "query($id: ID!) { partnerNetwork(broker: $id) { " + selection + " } }"
    if "...F" in selection:
        query += "\nfragment F on PartnerNetwork { directCustomers { totalCount } }"
    assert "partnerNetwork" in data(client, query, {"id": gid(key)})
    assert asked == [paged]
    whole = data(client, NETWORK, {"id": gid(key)})["partnerNetwork"]
    alone = data(client, FIGURES_ONLY, {"id": gid(key)})["partnerNetwork"]
    assert asked[1:] == [True, False]
    assert alone == {k: whole[k] for k in alone} and len(alone) == 6


STORED = """
query($id: ID!, $live: Boolean!) {
  partnerNetwork(broker: $id, depth: 3, live: $live) {
    direct capped asOf stale figures { parties prospects active former revenue }
  }
}
"""


def test_partner_network_figures_from_the_last_metrics_run(
    client: TestClient, driver: Driver, demo_loaded: DemoData
) -> None:
    """The figures alone come from the last metrics run (its stamp as `asOf`); `live: true`
    walks the network now: the same figures, as of the request."""
    settings = demo_loaded.settings
    key = anchor(driver, settings, BROKER_WITH_CUSTOMERS)
    before = dt.datetime.now(dt.UTC)
    run_compute(settings, Options(as_of=dt.date(2025, 6, 30)))
    after = dt.datetime.now(dt.UTC)
    stored = data(client, STORED, {"id": gid(key), "live": False})["partnerNetwork"]
    live = data(client, STORED, {"id": gid(key), "live": True})["partnerNetwork"]
    assert (stored["stale"], live["stale"]) == (False, False)
    at = [dt.datetime.fromisoformat(found["asOf"]) for found in (stored, live)]
    assert before < at[0] < after < at[1]
    mine, theirs = stored.pop("figures"), live.pop("figures")
    assert mine["revenue"] == pytest.approx(theirs["revenue"], rel=1e-9)
    assert {k: v for k, v in mine.items() if k != "revenue"} == {
        k: v for k, v in theirs.items() if k != "revenue"
    }
    assert mine["parties"] >= 1
    assert {k: stored[k] for k in ("direct", "capped")} == {
        k: live[k] for k in ("direct", "capped")
    }


# ---- buyingCommittee ------------------------------------------------------------------------

COMMITTEE = f"""
query($id: ID!, $asOf: Date!) {{
  buyingCommittee(account: $id, asOf: $asOf) {{
    id key name kind account {{ {PARTY} }} owners {{ {PARTY} }} asOf
    members {{
      person {{ {PARTY} }} roles influence primary seats title department
      manager {{ {PARTY} }} reportingLine {{ {PARTY} }} committeeManagerKey
      engagement {{
        lastInteraction interactions interactionsPrevious sentiment sentimentPrevious trend
      }}
      knownBy {{ employee {{ {PARTY} }} strength since }}
    }}
    coverage {{ role members engaged lastInteraction }}
    gaps {{ role reason lastInteraction }}
  }}
}}
"""


def member(m: committees.Member) -> dict[str, Any]:
    e = m.engagement
    return {
        "person": party(m.person),
        "roles": [r.name for r in m.roles],
        "influence": m.influence,
        "primary": m.primary,
        "seats": list(m.seats),
        "title": m.title,
        "department": m.department,
        "manager": party(m.manager),
        "reportingLine": [party(p) for p in m.reporting_line],
        "committeeManagerKey": m.committee_manager_id,
        "engagement": {
            "lastInteraction": instant(e.last_interaction),
            "interactions": e.interactions,
            "interactionsPrevious": e.interactions_previous,
            "sentiment": e.sentiment,
            "sentimentPrevious": e.sentiment_previous,
            "trend": e.trend.name,
        },
        "knownBy": [
            {"employee": party(a.employee), "strength": a.strength, "since": day(a.since)}
            for a in m.known_by
        ],
    }


def test_buying_committee_is_the_graph_functions(
    client: TestClient, driver: Driver, demo_loaded: DemoData
) -> None:
    settings = demo_loaded.settings
    key = anchor(
        driver,
        settings,
        "MATCH (o:Party:Organization)<-[:ON_COMMITTEE]-(m:Party) "
        "WITH o, count(m) AS n RETURN o.id AS id ORDER BY n DESC, o.id LIMIT 1",
    )
    as_of = dt.date(2025, 6, 30)
    got = data(client, COMMITTEE, {"id": gid(key), "asOf": as_of.isoformat()})["buyingCommittee"]
    at = dt.datetime.combine(as_of, dt.time.max, dt.UTC)
    c = call(
        settings,
        lambda d: committees.account_committee(d, settings.neo4j_database, key, as_of=at),
    )
    assert c is not None and c.members
    assert got == {
        "id": gid(c.id),
        "key": c.id,
        "name": c.name,
        "kind": c.kind,
        "account": party(c.account),
        "owners": [party(o) for o in c.owners],
        "asOf": format_datetime(c.as_of),
        "members": [member(m) for m in c.members],
        "coverage": [
            {"role": r.role.name, "members": r.members, "engaged": r.engaged,
             "lastInteraction": instant(r.last_interaction)}
            for r in c.coverage
        ],
        "gaps": [
            {"role": g.role.name, "reason": g.reason.name,
             "lastInteraction": instant(g.last_interaction)}
            for g in c.gaps
        ],
    }  # fmt: skip


# ---- errors and not found -------------------------------------------------------------------


def test_out_of_range_arguments_and_malformed_ids_are_bad_user_input(
    client: TestClient, demo_loaded: DemoData
) -> None:
    body = run(client, CHAIN, {"id": gid("crm:anyone"), "maxDepth": 0})
    assert body["data"] == {"referralChain": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "max_depth" in body["errors"][0]["message"]

    body = run(client, CHAIN, {"id": "not an id!", "maxDepth": 3})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]

    body = run(client, TREE, {"id": gid("crm:anyone"), "first": 2, "after": "garbage"})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def test_unknown_and_wrong_family_ids_are_null(client: TestClient, demo_loaded: DemoData) -> None:
    missing = gid("nowhere:0")
    product = global_id(Family.PRODUCT, "nowhere:0")
    found = data(
        client,
        """
        query($p: ID!, $x: ID!) {
          referralChain(customer: $p) { end }
          partnerNetwork(broker: $p) { direct }
          buyingCommittee(account: $x) { key }
          connectionPaths(from: $p, to: $p) { paths { hops } }
          nextProducts(product: $x) { buyers }
          likelyNextProducts(customer: $p) { suggestions { share } }
        }
        """,
        {"p": missing, "x": product},
    )
    assert found == dict.fromkeys(
        ["referralChain", "partnerNetwork", "buyingCommittee", "connectionPaths", "nextProducts",
         "likelyNextProducts"],
        None,
    )  # fmt: skip
