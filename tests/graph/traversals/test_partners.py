"""Partner networks against a plain-Python reference: a hand-built broker, the demo sample's
brokers, and a broker with 100,000 referrals (paged, in bounded time and memory)."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.metrics.compute import Options
from graph.read.scope import BrokerNetwork
from graph.traversals.partners import NetworkFigures, PartnerNetwork, partner_network
from graph.traversals.referral_tree import ReferralTree, TreeCursor, TreeOrder, referral_tree
from tests.conftest import DemoData
from tests.graph.metrics.test_compute import run_compute
from tests.graph.traversals.factories import TGraph, big_broker, call, delete_prefix
from tests.graph.traversals.reference import load_sample
from tests.graph.traversals.test_referrals import (
    Ref,
    RefNode,
    network,
    reference_order,
    reference_tree,
)

D = dt.date


def reference_figures(
    members: list[RefNode], revenue: dict[str, float], status: Mapping[str, str | None]
) -> NetworkFigures:
    found = [status.get(n.id) for n in members]
    prospects, active, former = (found.count(s) for s in ("prospect", "active", "former"))
    known = prospects + active + former
    return NetworkFigures(
        parties=len(members),
        prospects=prospects,
        active=active,
        former=former,
        revenue=sum(revenue.get(n.id, 0.0) for n in members),
        conversion=(active + former) / known if known else None,
        retention=active / (active + former) if active + former else None,
    )


def expected_network(
    refs: list[Ref],
    revenue: dict[str, float],
    status: Mapping[str, str | None],
    root: str,
    depth: int,
) -> tuple[NetworkFigures, list[tuple[int, NetworkFigures]], list[RefNode]]:
    nodes = reference_tree(refs, revenue, root, depth)
    levels = sorted({n.depth for n in nodes})
    return (
        reference_figures(nodes, revenue, status),
        [
            (k, reference_figures([n for n in nodes if n.depth == k], revenue, status))
            for k in levels
        ],
        reference_order([n for n in nodes if n.depth == 1], TreeOrder.SUBTREE_REVENUE),
    )


def approx_figures(found: NetworkFigures, expected: NetworkFigures) -> None:
    assert (found.parties, found.prospects, found.active, found.former) == (
        expected.parties, expected.prospects, expected.active, expected.former,
    )  # fmt: skip
    assert found.revenue == pytest.approx(expected.revenue, rel=1e-9)
    assert found.conversion == expected.conversion
    assert found.retention == expected.retention


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def test_a_brokers_book_level_by_level(graph: TGraph, driver: Driver, settings: Settings) -> None:
    p = network(graph)
    graph.parties[p["c3"]]["props"]["status"] = "prospect"
    graph.parties[p["c6"]]["props"]["status"] = "former"
    graph.parties[p["c8"]]["props"]["status"] = "prospect"
    graph.write(driver, settings.neo4j_database)
    found = call(settings, lambda d, db: partner_network(d, db, p["B"], first=1))
    assert found is not None
    assert (found.broker.id, found.direct, found.capped, found.has_next) == (p["B"], 2, False, True)
    # c1..c8: 5 active, 2 prospects (c3, c8), 1 former (c6)
    assert found.figures == NetworkFigures(
        8, 2, 5, 1, 21 + 22 + 23 + 24 + 25 + 26 + 27 + 28, 6 / 8, 5 / 6
    )
    assert [(lv.depth, lv.figures.parties) for lv in found.levels] == [
        (1, 2),
        (2, 3),
        (3, 1),
        (4, 1),
        (5, 1),
    ]
    assert found.levels[1].figures == NetworkFigures(3, 1, 2, 0, 23 + 24 + 25, 2 / 3, 1.0)
    # c1's own network: c1, c3, c4, c6, c7, c8 (c5 is c2's)
    top = found.customers[0]
    assert (top.party.id, top.subtree_size, top.subtree_revenue) == (
        p["c1"], 6, 21 + 23 + 24 + 26 + 27 + 28,
    )  # fmt: skip
    rest = call(
        settings, lambda d, db: partner_network(d, db, p["B"], first=5, after=found.end_cursor)
    )
    assert rest is not None and [n.party.id for n in rest.customers] == [p["c2"]]
    assert not rest.has_next


def test_not_a_broker(graph: TGraph, driver: Driver, settings: Settings) -> None:
    p = network(graph)
    graph.write(driver, settings.neo4j_database)
    assert call(settings, lambda d, db: partner_network(d, db, p["c1"])) is None
    assert call(settings, lambda d, db: partner_network(d, db, "t:nobody")) is None


def test_the_demo_samples_brokers_equal_the_reference(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    sample = load_sample(driver, settings.neo4j_database, demo_loaded.folder)
    refs = [Ref(r.src, r.referrer, r.referred, r.date) for r in sample.referrals]
    brokers = sorted({r.referrer for r in refs if "Broker" in sample.labels[r.referrer]})
    assert len(brokers) >= 5

    async def work(d: AsyncDriver, db: str) -> list[tuple[PartnerNetwork | None, ...]]:
        return [
            (
                await partner_network(d, db, b, first=1000),
                await partner_network(d, db, b, first=1000, scope=BrokerNetwork(b)),
                await partner_network(d, db, b, with_customers=False, live=True),
                await partner_network(d, db, b, depth=1),
                await partner_network(d, db, b, depth=1, with_customers=False, live=True),
            )
            for b in brokers
        ]

    capped = 0
    for broker, found_all in zip(brokers, call(settings, work), strict=True):
        found, scoped, figures_only, shallow, shallow_figures = found_all
        assert found is not None and scoped is not None
        # The figures alone (no page, no parents read) are the same figures.
        assert figures_only is not None and shallow is not None and shallow_figures is not None
        for whole_net, alone in ((found, figures_only), (shallow, shallow_figures)):
            assert (alone.broker, alone.direct, alone.figures, alone.levels, alone.capped) == (
                whole_net.broker, whole_net.direct, whole_net.figures, whole_net.levels,
                whole_net.capped,
            )  # fmt: skip
            assert (alone.customers, alone.has_next, alone.end_cursor) == ((), False, None)
        capped += shallow.capped
        whole, levels, direct = expected_network(refs, sample.revenue, sample.status, broker, 10)
        approx_figures(found.figures, whole)
        assert [lv.depth for lv in found.levels] == [k for k, _ in levels]
        for level, (_, expected) in zip(found.levels, levels, strict=True):
            approx_figures(level.figures, expected)
        assert [(n.party.id, n.subtree_size) for n in found.customers] == [
            (n.id, n.size) for n in direct
        ]
        # the broker's own scope sees its whole network: the same answer
        assert scoped.figures == found.figures and scoped.customers == found.customers
    assert capped >= 1  # some brokers' networks go deeper than one level


def test_stored_figures_equal_the_walk_at_every_depth(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    """After a full metrics run, the figures alone come from each broker's stored levels: the
    walk's figures, levels, direct customers and `capped` at every depth, for an unrestricted
    caller and for the broker itself (who sees nothing past depth 10); fresh until facts change,
    then still served, marked stale; withdrawn by a run limited to one system."""
    db = settings.neo4j_database
    before = dt.datetime.now(dt.UTC)
    run_compute(settings, Options(as_of=D(2025, 6, 30)))
    sample = load_sample(driver, db, demo_loaded.folder)
    brokers = sorted(
        {r.referrer for r in sample.referrals if "Broker" in sample.labels[r.referrer]}
    )

    def pairs(scope: Callable[[str], BrokerNetwork | None]) -> list[tuple[Any, Any]]:
        async def work(d: AsyncDriver, db: str) -> list[tuple[Any, Any]]:
            found = []
            for b, k in ((b, k) for b in brokers for k in range(1, 11)):
                ask = partial(partner_network, d, db, b, depth=k, scope=scope(b),
                              with_customers=False)  # fmt: skip
                found.append((await ask(live=True), await ask()))
            return found

        return call(settings, work)

    capped = 0
    for scope in (lambda b: None, BrokerNetwork):
        for walked, stored in pairs(scope):
            assert walked is not None and stored is not None
            assert (stored.stale, walked.stale) == (False, False)
            assert before < stored.as_of < walked.as_of  # the run's stamp; the request's time
            assert (stored.broker, stored.depth, stored.direct, stored.capped) == (
                walked.broker, walked.depth, walked.direct, walked.capped,
            )  # fmt: skip
            approx_figures(stored.figures, walked.figures)
            assert [lv.depth for lv in stored.levels] == [lv.depth for lv in walked.levels]
            for mine, theirs in zip(stored.levels, walked.levels, strict=True):
                approx_figures(mine.figures, theirs.figures)
            capped += stored.capped
    assert capped >= 1  # some network is capped at some depth: its next level was stored

    def figures_of(broker: str) -> PartnerNetwork:
        found = call(settings, lambda d, db: partner_network(d, db, broker, with_customers=False))
        assert found is not None
        return found

    fresh = figures_of(brokers[0])
    # A load stamps the graph's change: the stored figures are still served, marked stale.
    driver.execute_query(
        "MERGE (g:GraphState {id: 'facts'}) SET g.changedAt = datetime.realtime()", database_=db
    )
    stale = figures_of(brokers[0])
    assert (stale.stale, stale.as_of, stale.figures) == (True, fresh.as_of, fresh.figures)
    # A run limited to one system withdraws them: the network is walked, as of now.
    run_compute(settings, Options(as_of=D(2025, 6, 30), system="nothing-at-all"))
    left, _, _ = driver.execute_query(
        "MATCH (b:Broker) WHERE b.networkAt IS NOT NULL RETURN count(b) AS n", database_=db
    )
    assert left[0]["n"] == 0
    walked = figures_of(brokers[0])
    assert (walked.stale, walked.direct) == (False, fresh.direct) and walked.as_of > fresh.as_of


# --- a broker with 100,000 referrals ------------------------------------------------------------

DIRECT, SECOND = 100_000, 2_000


@pytest.fixture(scope="module")
def big(driver: Driver, settings: Settings) -> Iterator[tuple[str, list[Ref], dict[str, float]]]:
    tag = uuid.uuid4().hex[:10]
    prefix = f"t:{tag}-"
    broker = big_broker(driver, settings.neo4j_database, tag, DIRECT, SECOND)
    refs = [
        Ref(f"{prefix}R{i}", broker, f"{prefix}c{i}", D(2020, 1, 1) + dt.timedelta(days=i % 1000))
        for i in range(DIRECT)
    ] + [
        Ref(f"{prefix}S{j}", f"{prefix}c{j // 2}", f"{prefix}d{j}", D(2021, 1, 1))
        for j in range(SECOND)
    ]
    revenue = {f"{prefix}c{i}": float(i % 100) for i in range(DIRECT)}
    revenue |= {f"{prefix}d{j}": 5.0 for j in range(SECOND)}
    yield broker, refs, revenue
    delete_prefix(driver, settings.neo4j_database, prefix)


def test_a_broker_with_100k_referrals_pages_in_bounded_time_and_memory(
    big: tuple[str, list[Ref], dict[str, float]], settings: Settings
) -> None:
    broker, refs, revenue = big
    status = {r.referred: "prospect" if "-d" in r.referred else "active" for r in refs}
    whole, _, direct = expected_network(refs, revenue, status, broker, 10)
    tracemalloc.start()
    began = time.perf_counter()
    first = call(settings, lambda d, db: partner_network(d, db, broker, first=1000))
    took = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert first is not None
    assert took < 20.0, took
    assert peak < 1500 * (DIRECT + SECOND), peak  # well under 1.5 KB per party reached
    approx_figures(first.figures, whole)
    assert first.figures.revenue == 4_950_000.0 + 10_000.0
    assert [(lv.depth, lv.figures.parties) for lv in first.levels] == [(1, DIRECT), (2, SECOND)]
    assert first.direct == DIRECT and first.has_next and len(first.customers) == 1000
    assert [(n.party.id, n.subtree_size, n.subtree_revenue) for n in first.customers] == [
        (n.id, n.size, n.revenue) for n in direct[:1000]
    ]
    assert first.customers[0].subtree_revenue == 99.0 + 10.0
    second = call(
        settings, lambda d, db: partner_network(d, db, broker, first=1000, after=first.end_cursor)
    )
    assert second is not None
    assert [n.party.id for n in second.customers] == [n.id for n in direct[1000:2000]]


def test_the_last_pages_of_a_100k_tree(
    big: tuple[str, list[Ref], dict[str, float]], settings: Settings
) -> None:
    broker, refs, revenue = big
    expected = reference_order(reference_tree(refs, revenue, broker, 10), TreeOrder.DEPTH)
    cut = DIRECT - 3  # three parties of depth 1 left, then the second level
    cursor = TreeCursor(float(expected[cut - 1].depth), expected[cut - 1].id, f"tree:{broker}")

    async def work(d: AsyncDriver, db: str) -> tuple[ReferralTree | None, ReferralTree | None]:
        tree = await referral_tree(d, db, broker, first=1000, after=cursor)
        assert tree is not None
        last = TreeCursor(2.0, expected[-2].id, f"tree:{broker}")
        return tree, await referral_tree(d, db, broker, first=1000, after=last)

    page, end = call(settings, work)
    assert page is not None and end is not None
    assert [(n.party.id, n.depth, n.parent_id) for n in page.nodes] == [
        (n.id, n.depth, n.parent) for n in expected[cut : cut + 1000]
    ]
    assert page.has_next and page.size == DIRECT + SECOND
    assert [n.party.id for n in end.nodes] == [expected[-1].id] and not end.has_next
