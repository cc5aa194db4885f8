"""Next-product affinity against a plain-Python reference over the orders: hand-built purchase
histories (same-day orders, repeat and earlier purchases, cancellations) and the demo sample."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator, Sequence

import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.read.scope import BrokerNetwork
from graph.traversals.affinity import (
    CustomerAffinity,
    ProductAffinity,
    ProductRef,
    _customer,
    _product,
    likely_next,
    next_products,
)
from graph.traversals.common import statement
from tests.conftest import DemoData
from tests.graph.traversals.factories import SCANS, TGraph, call, explain
from tests.graph.traversals.reference import Purchase, load_sample

D = dt.date

# --- the reference ------------------------------------------------------------------------------


def anchors(purchases: Sequence[Purchase], product: str) -> dict[str, dt.date]:
    """Each buyer's first counted order of the product."""
    found: dict[str, dt.date] = {}
    for p in purchases:
        if p.status != "cancelled" and product in p.products:
            found[p.party] = min(p.date, found.get(p.party, p.date))
    return found


def lags(purchases: Sequence[Purchase], buyers: dict[str, dt.date]) -> dict[str, list[int]]:
    """For each other product, the days from each buyer's anchor to its first later order of it."""
    nexts: dict[tuple[str, str], dt.date] = {}
    for p in purchases:
        first = buyers.get(p.party)
        if p.status == "cancelled" or first is None or p.date <= first:
            continue
        for product in set(p.products):
            key = (p.party, product)
            nexts[key] = min(p.date, nexts.get(key, p.date))
    found: dict[str, list[int]] = {}
    for (party, product), date in nexts.items():
        found.setdefault(product, []).append((date - buyers[party]).days)
    return found


def reference_next(
    purchases: Sequence[Purchase], product: str
) -> tuple[int, list[tuple[str, int, float]]]:
    buyers = anchors(purchases, product)
    found = [
        (b, len(days), float(statistics.median(days)))
        for b, days in lags(purchases, buyers).items()
        if b != product
    ]
    return len(buyers), sorted(found, key=lambda x: (-x[1], x[2], x[0]))


def reference_likely(
    purchases: Sequence[Purchase], me: str, min_support: int
) -> list[tuple[str, str, int, int, float, dt.date]]:
    """(product, because, buyers, support, median, expected on), likeliest first."""
    mine = [p for p in purchases if p.party == me]
    owned = {x for p in mine if p.status != "cancelled" for x in p.products}
    candidates = []
    for a in sorted(owned):
        bought_on = anchors(mine, a)[me]
        others = {k: v for k, v in anchors(purchases, a).items() if k != me}
        for b, days in lags(purchases, others).items():
            if b not in owned and len(days) >= min_support:
                median = float(statistics.median(days))
                expected = bought_on + dt.timedelta(days=int(median))
                candidates.append((b, a, len(others), len(days), median, expected))
    best: dict[str, tuple[str, str, int, int, float, dt.date]] = {}
    for c in sorted(candidates, key=lambda c: (-c[3] / c[2], -c[3], c[4], c[1])):
        best.setdefault(c[0], c)
    return sorted(best.values(), key=lambda c: (-c[3] / c[2], -c[3], c[5], c[0]))


def purchases_of(g: TGraph) -> list[Purchase]:
    return [Purchase(o.id, o.party, o.date, o.status, o.products) for o in g.orders]


def as_rows(found: CustomerAffinity) -> list[tuple[str, str, int, int, float, dt.date]]:
    return [
        (s.product.id, s.because.id, s.buyers, s.support, s.median_days, s.expected_on)
        for s in found.suggestions
    ]


# --- hand-built ---------------------------------------------------------------------------------


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def shop(g: TGraph) -> dict[str, str]:
    p = {x: g.product(x, "Hardware" if x in "AB" else "Services") for x in "ABCDE"}
    for name in ("u1", "u2", "u3", "u4", "u5"):
        p[name] = g.customer(name)
    g.order(p["u1"], D(2023, 1, 1), [p["A"], p["C"]])  # C the same day: not "next"
    g.order(p["u1"], D(2023, 4, 1), [p["B"]])  # 90 days
    g.order(p["u1"], D(2023, 6, 1), [p["A"]])
    g.order(p["u2"], D(2023, 2, 1), [p["A"], p["D"]])
    g.order(p["u2"], D(2023, 3, 3), [p["B"], p["B"]])  # 30 days; two lines of B
    g.order(p["u2"], D(2023, 10, 1), [p["B"]])  # a later B again: only the first counts
    g.order(p["u3"], D(2023, 3, 1), [p["A"]])
    g.order(p["u3"], D(2023, 3, 11), [p["C"]])  # 10 days
    g.order(p["u3"], D(2023, 4, 1), [p["B"]], status="cancelled")
    g.order(p["u4"], D(2022, 1, 1), [p["B"]])  # B before A ...
    g.order(p["u4"], D(2023, 1, 1), [p["A"]])
    g.order(p["u4"], D(2023, 7, 1), [p["B"]], status="returned")  # ... and 181 days after
    g.order(p["u5"], D(2023, 1, 1), [p["C"]])
    g.order(p["u5"], D(2022, 6, 1), [p["E"]], status="cancelled")
    return p


def test_what_buyers_of_a_product_buy_next(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = shop(graph)
    graph.write(driver, settings.neo4j_database)
    found = call(settings, lambda d, db: next_products(d, db, p["A"]))
    assert found is not None
    assert found.product == ProductRef(p["A"], "A", "Hardware")
    assert found.buyers == 4
    assert [(n.product.id, n.support, n.share, n.median_days) for n in found.next] == [
        (p["B"], 3, 0.75, 90.0), (p["C"], 1, 0.25, 10.0),
    ]  # fmt: skip
    purchases = purchases_of(graph)

    async def every(d: AsyncDriver, db: str) -> list[ProductAffinity | None]:
        return [await next_products(d, db, p[x], first=100) for x in "ABCDE"]

    for x, got in zip("ABCDE", call(settings, every), strict=True):
        assert got is not None
        buyers, expected = reference_next(purchases, p[x])
        assert got.buyers == buyers
        assert [(n.product.id, n.support, n.median_days) for n in got.next] == expected
    top = call(settings, lambda d, db: next_products(d, db, p["A"], first=1, min_support=2))
    assert top is not None and [n.product.id for n in top.next] == [p["B"]]


def test_what_a_customer_is_likely_to_buy_next(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = shop(graph)
    graph.write(driver, settings.neo4j_database)
    found = call(settings, lambda d, db: likely_next(d, db, p["u5"], min_support=1))
    assert found is not None and found.customer.id == p["u5"]
    # u5 bought C on 2023-01-01; C's other buyers u1 and u3: u1 bought B 90 and A 151 days later
    assert as_rows(found) == [
        (p["B"], p["C"], 2, 1, 90.0, D(2023, 4, 1)),
        (p["A"], p["C"], 2, 1, 151.0, D(2023, 6, 1)),
    ]
    assert found.suggestions[0].share == 0.5 and found.suggestions[0].bought_on == D(2023, 1, 1)
    purchases = purchases_of(graph)
    cases = [(name, support) for name in ("u1", "u2", "u3", "u4", "u5") for support in (1, 2)]

    async def every(d: AsyncDriver, db: str) -> list[CustomerAffinity | None]:
        return [await likely_next(d, db, p[n], min_support=s, first=100) for n, s in cases]

    for (name, support), got in zip(cases, call(settings, every), strict=True):
        assert got is not None
        assert as_rows(got) == reference_likely(purchases, p[name], support)
    assert call(settings, lambda d, db: likely_next(d, db, "t:nobody")) is None
    assert call(settings, lambda d, db: next_products(d, db, "t:nothing")) is None
    hidden = BrokerNetwork("t:a-broker")
    assert call(settings, lambda d, db: likely_next(d, db, p["u1"], scope=hidden)) is None
    blind = call(settings, lambda d, db: next_products(d, db, p["A"], scope=hidden))
    assert blind is not None and (blind.buyers, blind.next) == (0, ())


# --- the demo sample ----------------------------------------------------------------------------


def test_the_demo_samples_affinities_equal_the_reference(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    sample = load_sample(driver, settings.neo4j_database, demo_loaded.folder)
    purchases = sample.purchases
    products = sorted({x for p in purchases for x in p.products})
    buyers = sorted({p.party for p in purchases})[::10]
    assert len(products) > 30 and len(buyers) > 20

    async def work(
        d: AsyncDriver, db: str
    ) -> tuple[list[ProductAffinity | None], list[CustomerAffinity | None]]:
        return (
            [await next_products(d, db, x, first=100) for x in products],
            [await likely_next(d, db, c, first=100) for c in buyers],
        )

    by_product, by_customer = call(settings, work)
    supported = 0
    for product, found in zip(products, by_product, strict=True):
        assert found is not None
        count, expected = reference_next(purchases, product)
        assert found.buyers == count
        assert [(n.product.id, n.support, n.median_days) for n in found.next] == expected[:100]
        supported += len(found.next)
    suggested = 0
    for customer, likely in zip(buyers, by_customer, strict=True):
        assert likely is not None
        assert as_rows(likely) == reference_likely(purchases, customer, 2)[:100]
        suggested += len(likely.suggestions)
    assert supported > 100 and suggested > 20


# --- plans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scoped", [False, True])
def test_affinity_statements_are_anchored_on_an_index_seek(
    driver: Driver, settings: Settings, scoped: bool
) -> None:
    scope = BrokerNetwork("t:b") if scoped else None
    for build, label in ((_product, "a:Product(id)"), (_customer, "me:Party(id)")):
        stmt = statement(build, scope)
        params = {"id": "t:x", "first": 5, "minSupport": 1, **stmt.params}
        plan = explain(driver, settings.neo4j_database, stmt.text, params)
        assert plan.anchor == "NodeUniqueIndexSeek" and label in plan.anchor_details
        assert not SCANS & set(plan.operators)
