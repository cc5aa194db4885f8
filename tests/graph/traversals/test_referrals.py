"""Referral chains (upstream) and referral trees (downstream) against plain-Python references:
hand-built graphs with ties, cycles and a 1,000-hop chain, and the demo sample's source files."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.read.scope import BrokerNetwork
from graph.traversals.common import statement
from graph.traversals.referral_tree import (
    ReferralTree,
    TreeCursor,
    TreeOrder,
    _page,
    _reach,
    referral_tree,
)
from graph.traversals.referrals import ChainEnd, ReferralChain, _chain, referral_chain
from tests.conftest import DemoData
from tests.graph.traversals.factories import SCANS, SEEKS, TGraph, call, explain
from tests.graph.traversals.reference import load_sample

D = dt.date


@dataclass(frozen=True)
class Ref:
    """A referral as the references see it."""

    src: str
    referrer: str
    referred: str
    date: dt.date


# --- the references -----------------------------------------------------------------------------


def reference_chain(
    refs: Sequence[Ref], brokers: set[str], start: str, max_depth: int
) -> tuple[list[str], ChainEnd]:
    """Walk each party's first referral (date, referrer, source) until a broker, a party nobody
    referred, a repeat or the cap. Returns the referrals' sources and the end."""
    into: dict[str, list[Ref]] = defaultdict(list)
    for r in refs:
        into[r.referred].append(r)
    hops: list[str] = []
    met = {start}
    node = start
    while True:
        if node in brokers:
            return hops, ChainEnd.BROKER
        if not into[node]:
            return hops, ChainEnd.ORIGIN
        if len(hops) == max_depth:
            return hops, ChainEnd.DEPTH
        first = min(into[node], key=lambda r: (r.date, r.referrer, r.src))
        hops.append(first.src)
        if first.referrer in met:
            return hops, ChainEnd.CYCLE
        met.add(first.referrer)
        node = first.referrer


@dataclass(frozen=True)
class RefNode:
    id: str
    depth: int
    parent: str
    size: int
    revenue: float


def reference_tree(
    refs: Sequence[Ref], revenue: dict[str, float], root: str, depth: int
) -> list[RefNode]:
    """Level-by-level BFS; each party's parent is its first referral from the level above."""
    out: dict[str, list[Ref]] = defaultdict(list)
    for r in refs:
        out[r.referrer].append(r)
    level = {root: 0}
    frontier = [root]
    parent: dict[str, Ref] = {}
    for k in range(1, depth + 1):
        offers: dict[str, list[Ref]] = defaultdict(list)
        for a in frontier:
            for r in out[a]:
                if r.referred not in level:
                    offers[r.referred].append(r)
        for b, found in offers.items():
            level[b] = k
            parent[b] = min(found, key=lambda r: (r.date, r.referrer, r.src))
        frontier = list(offers)
    children: dict[str, list[str]] = defaultdict(list)
    for b, r in parent.items():
        children[r.referrer].append(b)

    def below(v: str) -> Iterator[str]:
        yield v
        for c in children[v]:
            yield from below(c)

    return [
        RefNode(
            b,
            level[b],
            parent[b].referrer,
            sum(1 for _ in below(b)),
            sum(revenue.get(x, 0.0) for x in below(b)),
        )
        for b in parent
    ]


def reference_order(nodes: list[RefNode], order: TreeOrder) -> list[RefNode]:
    if order is TreeOrder.DEPTH:
        return sorted(nodes, key=lambda n: (n.depth, n.id))
    if order is TreeOrder.SUBTREE_SIZE:
        return sorted(nodes, key=lambda n: (-n.size, n.id))
    return sorted(nodes, key=lambda n: (-n.revenue, n.id))


def refs_of(g: TGraph) -> list[Ref]:
    return [
        Ref(e.props["src"], e.start, e.end, e.props["date"])
        for e in g.edges
        if e.type == "REFERRED"
    ]


def whole_tree(
    settings: Settings,
    root: str,
    depth: int,
    order: TreeOrder,
    first: int,
) -> tuple[list[ReferralTree], list[tuple[str, int, str, int, float]]]:
    """Every page of a tree, following the cursors."""

    async def work(driver: AsyncDriver, database: str) -> list[ReferralTree]:
        pages: list[ReferralTree] = []
        after: TreeCursor | None = None
        while True:
            tree = await referral_tree(
                driver, database, root, depth=depth, order=order, first=first, after=after
            )
            assert tree is not None
            pages.append(tree)
            if not tree.has_next:
                return pages
            after = tree.end_cursor

    pages = call(settings, work)
    rows = [
        (n.party.id, n.depth, n.parent_id, n.subtree_size, n.subtree_revenue)
        for p in pages
        for n in p.nodes
    ]
    return pages, rows


# --- hand-built graphs --------------------------------------------------------------------------


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def network(g: TGraph) -> dict[str, str]:
    """A broker, customers referring customers, a party referred twice (by date, then on the
    same day by two referrers), a cycle, and revenues."""
    p = {"B": g.broker("B")}
    for name in ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "x1", "x2", "x3"):
        p[name] = g.customer(name, revenue=float(len(name) * 10 + int(name[1:])))
    g.refer(p["B"], p["c1"], D(2020, 1, 1), "branch", 250.0)
    g.refer(p["B"], p["c2"], D(2020, 2, 1), "phone", 120.5)
    g.refer(p["c1"], p["c3"], D(2020, 3, 1), "friend", 25.0)
    g.refer(p["c1"], p["c4"], D(2020, 4, 1))
    g.refer(p["c3"], p["c5"], D(2021, 5, 1))
    g.refer(p["c2"], p["c5"], D(2021, 1, 1))  # c5's first referral: from c2
    g.refer(p["c4"], p["c6"], D(2021, 6, 1))
    g.refer(p["c5"], p["c6"], D(2021, 6, 1))  # same day: c4 < c5 by id
    g.refer(p["c6"], p["c7"], D(2022, 1, 1))
    g.refer(p["c7"], p["c1"], D(2022, 2, 1))  # back into the tree: c1 keeps B
    g.refer(p["c7"], p["c8"], D(2022, 3, 1), None, None)
    g.refer(p["x1"], p["x2"], D(2020, 1, 1))  # a cycle of customers, away from the broker
    g.refer(p["x2"], p["x3"], D(2020, 2, 1))
    g.refer(p["x3"], p["x1"], D(2020, 3, 1))
    return p


def test_a_chain_goes_back_to_the_broker_hop_by_hop(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = network(graph)
    graph.write(driver, settings.neo4j_database)
    chain = call(settings, lambda d, db: referral_chain(d, db, p["c8"]))
    assert chain is not None
    assert [(h.referrer.id, h.referred_id) for h in chain.hops] == [
        (p["c7"], p["c8"]), (p["c6"], p["c7"]), (p["c4"], p["c6"]), (p["c1"], p["c4"]),
        (p["B"], p["c1"]),
    ]  # fmt: skip
    assert chain.end is ChainEnd.BROKER
    assert chain.origin.id == p["B"] and chain.origin.roles == ("Broker",)
    last = chain.hops[-1]
    assert (last.date, last.channel, last.incentive, last.currency) == (
        D(2020, 1, 1), "branch", 250.0, "USD",
    )  # fmt: skip
    assert (chain.hops[0].channel, chain.hops[0].incentive) == (None, None)
    assert chain.customer.id == p["c8"] and chain.customer.status == "active"


def test_chains_equal_the_reference_with_ties_cycles_and_caps(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = network(graph)
    graph.write(driver, settings.neo4j_database)
    refs = refs_of(graph)
    cases = [(name, depth) for name in p for depth in (1, 2, 3, 10)]

    async def work(d: AsyncDriver, db: str) -> list[ReferralChain | None]:
        return [await referral_chain(d, db, p[name], max_depth=depth) for name, depth in cases]

    found = call(settings, work)
    for (name, depth), chain in zip(cases, found, strict=True):
        assert chain is not None
        expected = reference_chain(refs, {p["B"]}, p[name], depth)
        assert ([h.source for h in chain.hops], chain.end) == expected, (name, depth)
    by_name = dict(zip(cases, found, strict=True))
    x1 = by_name[("x1", 10)]
    assert x1 is not None and x1.end is ChainEnd.CYCLE
    assert [h.referrer.id for h in x1.hops] == [p["x3"], p["x2"], p["x1"]]
    c5 = by_name[("c5", 10)]
    assert c5 is not None and [h.referrer.id for h in c5.hops] == [p["c2"], p["B"]]
    b = by_name[("B", 10)]
    assert b is not None and (b.hops, b.end) == ((), ChainEnd.BROKER)


def test_a_thousand_hop_chain_is_capped_and_prompt(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    ids = [graph.customer(f"h{i:04d}", revenue=1.0) for i in range(1001)]
    for i in range(1000):  # h(i+1) referred h(i)
        graph.refer(ids[i + 1], ids[i], D(2020, 1, 1) + dt.timedelta(days=i))
    graph.write(driver, settings.neo4j_database)

    async def work(d: AsyncDriver, db: str) -> tuple[ReferralChain | None, ReferralTree | None]:
        return (
            await referral_chain(d, db, ids[0], max_depth=20),
            await referral_tree(d, db, ids[1000], depth=10, first=20),
        )

    began = time.perf_counter()
    chain, tree = call(settings, work)
    assert time.perf_counter() - began < 5.0
    assert chain is not None and tree is not None
    assert [h.referrer.id for h in chain.hops] == ids[1:21] and chain.end is ChainEnd.DEPTH
    assert (tree.size, tree.deepest, tree.capped, tree.has_next) == (10, 10, True, False)
    assert [(n.party.id, n.depth, n.subtree_size) for n in tree.nodes] == [
        (ids[1000 - k], k, 11 - k) for k in range(1, 11)
    ]
    assert tree.nodes[0].subtree_revenue == 10.0 and tree.revenue == 10.0


@pytest.mark.parametrize("order", list(TreeOrder))
def test_tree_pages_equal_the_reference_bfs(
    graph: TGraph, driver: Driver, settings: Settings, order: TreeOrder
) -> None:
    p = network(graph)
    graph.write(driver, settings.neo4j_database)
    revenue = {pid: graph.parties[pid]["props"].get("revenue", 0.0) for pid in graph.parties}
    for root, depth in ((p["B"], 10), (p["B"], 2), (p["c1"], 10), (p["x1"], 10)):
        pages, rows = whole_tree(settings, root, depth, order, first=2)
        expected = reference_order(reference_tree(refs_of(graph), revenue, root, depth), order)
        assert rows == [(n.id, n.depth, n.parent, n.size, n.revenue) for n in expected]
        assert all(len(page.nodes) <= 2 for page in pages)
        assert pages[0].size == len(expected)
        assert pages[0].revenue == sum(revenue[n.id] for n in expected)
    pages, _ = whole_tree(settings, p["B"], 2, order, first=100)
    assert (pages[0].deepest, pages[0].capped) == (2, True)
    pages, _ = whole_tree(settings, p["B"], 10, order, first=100)
    assert (pages[0].deepest, pages[0].capped) == (5, False)


def test_tree_nodes_carry_the_parents_referral(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = network(graph)
    graph.write(driver, settings.neo4j_database)
    tree = call(settings, lambda d, db: referral_tree(d, db, p["B"], first=3))
    assert tree is not None
    assert [n.party.id for n in tree.nodes] == [p["c1"], p["c2"], p["c3"]]
    c2 = tree.nodes[1]
    assert c2.referral is not None
    assert (c2.referral.referrer.id, c2.referral.date, c2.referral.channel) == (
        p["B"], D(2020, 2, 1), "phone",
    )  # fmt: skip
    assert (c2.referral.incentive, c2.referral.currency) == (120.5, "USD")
    assert tree.end_cursor == TreeCursor(2.0, p["c3"], f"tree:{p['B']}")


def test_unknown_roots_and_bad_arguments(settings: Settings) -> None:
    assert call(settings, lambda d, db: referral_chain(d, db, "t:nobody")) is None
    assert call(settings, lambda d, db: referral_tree(d, db, "t:nobody")) is None
    with pytest.raises(ValueError, match="max_depth"):
        call(settings, lambda d, db: referral_chain(d, db, "t:nobody", max_depth=21))
    with pytest.raises(ValueError, match="depth"):
        call(settings, lambda d, db: referral_tree(d, db, "t:nobody", depth=11))
    with pytest.raises(ValueError, match="first"):
        call(settings, lambda d, db: referral_tree(d, db, "t:nobody", first=0))


def test_a_scope_hides_what_the_broker_did_not_bring(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = network(graph)
    other = graph.broker("B2")
    graph.refer(other, p["c5"], D(2019, 1, 1))  # B2 referred c5 before anyone
    graph.write(driver, settings.neo4j_database)
    mine = BrokerNetwork(p["B"])

    async def work(
        d: AsyncDriver, db: str
    ) -> tuple[
        ReferralChain | None, ReferralChain | None, ReferralTree | None, ReferralTree | None
    ]:
        return (
            await referral_chain(d, db, p["c5"]),
            await referral_chain(d, db, p["c5"], scope=mine),
            await referral_tree(d, db, other, scope=mine),
            await referral_tree(d, db, p["B"], scope=mine, first=100),
        )

    open_chain, scoped_chain, hidden, scoped_tree = call(settings, work)
    assert open_chain is not None and [h.referrer.id for h in open_chain.hops] == [other]
    assert scoped_chain is not None
    assert [h.referrer.id for h in scoped_chain.hops] == [p["c2"], p["B"]]
    assert hidden is None
    assert scoped_tree is not None
    assert {n.party.id for n in scoped_tree.nodes} == {
        p[n] for n in ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8")
    }


# --- the demo sample ----------------------------------------------------------------------------


def test_the_demo_samples_chains_and_trees_equal_the_reference(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    sample = load_sample(driver, settings.neo4j_database, demo_loaded.folder)
    refs = [Ref(r.src, r.referrer, r.referred, r.date) for r in sample.referrals]
    brokers = {pid for pid, labels in sample.labels.items() if "Broker" in labels}
    referred = sorted({r.referred for r in refs})
    referrers = sorted({r.referrer for r in refs})
    assert len(referred) > 50 and len(brokers) >= 5

    async def work(
        d: AsyncDriver, db: str
    ) -> tuple[list[ReferralChain | None], list[ReferralTree | None]]:
        chains = [await referral_chain(d, db, c, max_depth=10) for c in referred]
        trees = [await referral_tree(d, db, r, first=1000) for r in referrers]
        return chains, trees

    chains, trees = call(settings, work)
    ends: set[ChainEnd] = set()
    for customer, chain in zip(referred, chains, strict=True):
        assert chain is not None
        expected = reference_chain(refs, brokers, customer, 10)
        assert ([h.source for h in chain.hops], chain.end) == expected, customer
        ends.add(chain.end)
    assert {ChainEnd.BROKER, ChainEnd.ORIGIN} <= ends
    deepest = 0
    for root, tree in zip(referrers, trees, strict=True):
        assert tree is not None and not tree.has_next
        nodes = reference_order(reference_tree(refs, sample.revenue, root, 10), TreeOrder.DEPTH)
        assert [(n.party.id, n.depth, n.parent_id, n.subtree_size) for n in tree.nodes] == [
            (n.id, n.depth, n.parent, n.size) for n in nodes
        ], root
        assert [n.subtree_revenue for n in tree.nodes] == pytest.approx(
            [n.revenue for n in nodes], rel=1e-9
        )
        deepest = max(deepest, tree.deepest)
    assert deepest >= 2


# --- plans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scoped", [False, True])
def test_every_statement_is_anchored_on_an_index_seek(
    driver: Driver, settings: Settings, scoped: bool
) -> None:
    scope = BrokerNetwork("t:some-broker") if scoped else None
    params = {"id": "t:x", "depth": 3, "rows": [{"id": "t:x", "parent": "t:y"}]}
    for build in (_chain, _reach(1), _reach(3), _reach(10), _reach(10, parents=False)):
        stmt = statement(build, scope)
        plan = explain(driver, settings.neo4j_database, stmt.text, {**params, **stmt.params})
        assert plan.anchor == "NodeUniqueIndexSeek" and ":Party(id)" in plan.anchor_details
        assert not SCANS & set(plan.operators)
    stmt = statement(_page, scope)  # a page's details: one seek per row of the page
    plan = explain(driver, settings.neo4j_database, stmt.text, {**params, **stmt.params})
    assert plan.anchor == "Unwind" and SEEKS & set(plan.operators)
    assert not SCANS & set(plan.operators)
    for parents in (True, False):
        text = statement(_reach(10, parents), None).text
        reach = explain(driver, settings.neo4j_database, text, params)
        assert "VarLengthExpand(Pruning,BFS,All)" in reach.operators  # one visit per party
