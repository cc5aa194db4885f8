"""Next-product affinity: what the buyers of a product buy next, and after how long.

For a product A, its buyers are the parties with an order holding A; each buyer's *anchor* is the
date of its first such order. For every other product B, a buyer supports "A then B" when it
ordered B on a later day than its anchor; its lag is the days from the anchor to its first such
order of B. The answer ranks the Bs by support (then median lag, then id), each with its support,
its share of A's buyers and the median of the lags ("those who buy A buy B about three months
later"). Cancelled orders do not count; returned or refunded ones do (the customer chose them).

For a customer: for each product it bought (its anchor: the first order of it), the same figures
computed over the *other* buyers, for the products the customer has never ordered; each
candidate keeps its best evidence (highest share, then support, shortest median lag), is
expected on anchor + median lag (whole days), and candidates rank by share, support, date, id.

Both are one statement, anchored on the product's or the party's id (unique index seeks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.read.scope import Scope
from graph.traversals.common import (
    PartyRef,
    Seen,
    bounded,
    day,
    everyone,
    party_map,
    run,
    statement,
)

MAX_RESULTS = 100


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: str
    name: str | None
    category: str | None

    @classmethod
    def of(cls, value: dict[str, Any]) -> ProductRef:
        return cls(value["id"], value.get("name"), value.get("category"))


@dataclass(frozen=True, slots=True)
class NextProduct:
    product: ProductRef
    support: int  # buyers of the anchor product who later bought this one
    share: float  # support / the anchor product's buyers
    median_days: float  # median lag from the anchor purchase to the first later one of this


@dataclass(frozen=True, slots=True)
class ProductAffinity:
    product: ProductRef
    buyers: int
    next: tuple[NextProduct, ...]  # by support, then median lag, then id


@dataclass(frozen=True, slots=True)
class Suggestion:
    product: ProductRef
    because: ProductRef  # the customer's product whose other buyers bought this one next
    bought_on: dt.date  # when the customer first ordered `because`
    buyers: int  # other buyers of `because`
    support: int  # of them, those who later bought `product`
    share: float
    median_days: float
    expected_on: dt.date  # bought_on + median_days (whole days)


@dataclass(frozen=True, slots=True)
class CustomerAffinity:
    customer: PartyRef
    suggestions: tuple[Suggestion, ...]  # the likeliest first


_COUNTED: LiteralString = "(o.status IS NULL OR o.status <> 'cancelled')"
_PRODUCT: LiteralString = "{id: b.id, name: b.name, category: b.category}"


def _product(seen: Seen) -> LiteralString:
    return (
        "MATCH (a:Product {id: $id})\n"
        "CALL (a) {\n"
        "  MATCH (a)<-[:OF_PRODUCT]-(:OrderLine)<-[:HAS_LINE]-(o:Order)<-[:PLACED]-(c:Party)\n"
        "  WHERE " + _COUNTED + " AND " + seen("c") + "\n"
        "  WITH c, min(o.date) AS first\n"
        "  RETURN collect([c, first]) AS buyers\n"
        "}\n"
        "CALL (a, buyers) {\n"
        "  UNWIND buyers AS buyer\n"
        "  WITH buyer[0] AS c, buyer[1] AS first\n"
        "  MATCH (c)-[:PLACED]->(o:Order)-[:HAS_LINE]->(:OrderLine)-[:OF_PRODUCT]->(b:Product)\n"
        "  WHERE o.date > first AND b <> a AND " + _COUNTED + "\n"
        "  WITH b, c, first, min(o.date) AS next\n"
        "  WITH b, count(*) AS support, percentileCont(duration.inDays(first, next).days, 0.5)\n"
        "    AS median\n"
        "  WHERE support >= $minSupport\n"
        "  WITH b, support, median ORDER BY support DESC, median, b.id LIMIT $first\n"
        "  RETURN collect({product: " + _PRODUCT + ", support: support, median: median}) AS next\n"
        "}\n"
        "RETURN {id: a.id, name: a.name, category: a.category} AS product,\n"
        "       size(buyers) AS buyers, next\n"
    )


PRODUCT_AFFINITY: LiteralString = _product(everyone)


def _customer(seen: Seen) -> LiteralString:
    return (
        "MATCH (me:Party {id: $id})\n"
        "WHERE " + seen("me") + "\n"
        "CALL (me) {\n"
        "  OPTIONAL MATCH (me)-[:PLACED]->(o:Order)-[:HAS_LINE]->(:OrderLine)-[:OF_PRODUCT]->(a:Product)\n"
        "  WHERE " + _COUNTED + "\n"
        "  WITH a, min(o.date) AS mine\n"
        "  WHERE a IS NOT NULL\n"
        "  RETURN collect([a, mine]) AS anchors, collect(a) AS owned\n"
        "}\n"
        "CALL (me, anchors, owned) {\n"
        "  UNWIND anchors AS anchor\n"
        "  WITH anchor[0] AS a, anchor[1] AS mine\n"
        "  CALL (me, a) {\n"
        "    MATCH (a)<-[:OF_PRODUCT]-(:OrderLine)<-[:HAS_LINE]-(o:Order)<-[:PLACED]-(c:Party)\n"
        "    WHERE c <> me AND " + _COUNTED + " AND " + seen("c") + "\n"
        "    WITH c, min(o.date) AS first\n"
        "    RETURN collect([c, first]) AS buyers\n"
        "  }\n"
        "  UNWIND buyers AS buyer\n"
        "  WITH a, mine, size(buyers) AS n, buyer[0] AS c, buyer[1] AS first\n"
        "  MATCH (c)-[:PLACED]->(o:Order)-[:HAS_LINE]->(:OrderLine)-[:OF_PRODUCT]->(b:Product)\n"
        "  WHERE o.date > first AND NOT b IN owned AND " + _COUNTED + "\n"
        "  WITH a, mine, n, b, c, first, min(o.date) AS next\n"
        "  WITH a, mine, n, b, count(*) AS support,\n"
        "    percentileCont(duration.inDays(first, next).days, 0.5) AS median\n"
        "  WHERE support >= $minSupport\n"
        "  RETURN collect({product: " + _PRODUCT + ",\n"
        "    because: {id: a.id, name: a.name, category: a.category}, mine: mine, buyers: n,\n"
        "    support: support, median: median}) AS candidates\n"
        "}\n"
        "RETURN " + party_map("me") + " AS customer, candidates\n"
    )


CUSTOMER_AFFINITY: LiteralString = _customer(everyone)


async def _read(
    build: Callable[[Seen], LiteralString],
    driver: AsyncDriver,
    database: str,
    params: dict[str, Any],
    scope: Scope | None,
    timeout: float,
) -> Any:
    records = await run(driver, database, statement(build, scope), params, timeout)
    return records[0] if records else None


async def next_products(
    driver: AsyncDriver,
    database: str,
    product_id: str,
    *,
    first: int = 10,
    min_support: int = 1,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> ProductAffinity | None:
    """What the buyers of a product buy next (None when the product does not exist). Only
    buyers the scope may see are counted. `first` is 1 to `MAX_RESULTS`."""
    bounded("first", first, 1, MAX_RESULTS)
    bounded("min_support", min_support, 1, 1_000_000)
    params = {"id": product_id, "first": first, "minSupport": min_support}
    record = await _read(_product, driver, database, params, scope, timeout)
    if record is None:
        return None
    buyers: int = record["buyers"]
    return ProductAffinity(
        product=ProductRef.of(record["product"]),
        buyers=buyers,
        next=tuple(
            NextProduct(
                ProductRef.of(n["product"]), n["support"], n["support"] / buyers, float(n["median"])
            )
            for n in record["next"]
        ),
    )


def _suggestion(value: dict[str, Any]) -> Suggestion:
    bought_on = day(value["mine"])
    assert bought_on is not None  # an order's date is required
    median = float(value["median"])
    return Suggestion(
        product=ProductRef.of(value["product"]),
        because=ProductRef.of(value["because"]),
        bought_on=bought_on,
        buyers=value["buyers"],
        support=value["support"],
        share=value["support"] / value["buyers"],
        median_days=median,
        expected_on=later(bought_on, int(median)),
    )


def later(start: dt.date, days: int) -> dt.date:
    """`days` after `start`, or the last representable date (9999-12-31) when that is beyond it."""
    if days > (dt.date.max - start).days:
        return dt.date.max
    return start + dt.timedelta(days=days)


def rank(candidates: list[Suggestion], first: int) -> tuple[Suggestion, ...]:
    """Each product's best evidence, the likeliest products first."""
    best: dict[str, Suggestion] = {}
    for s in sorted(candidates, key=lambda s: (-s.share, -s.support, s.median_days, s.because.id)):
        best.setdefault(s.product.id, s)
    ranked = sorted(
        best.values(), key=lambda s: (-s.share, -s.support, s.expected_on, s.product.id)
    )
    return tuple(ranked[:first])


async def likely_next(
    driver: AsyncDriver,
    database: str,
    customer_id: str,
    *,
    first: int = 10,
    min_support: int = 2,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> CustomerAffinity | None:
    """The products a customer is likely to buy next and when (None when the party does not
    exist or the scope hides it). Evidence needs `min_support` other buyers; `first` is 1 to
    `MAX_RESULTS`."""
    bounded("first", first, 1, MAX_RESULTS)
    bounded("min_support", min_support, 1, 1_000_000)
    params = {"id": customer_id, "minSupport": min_support}
    record = await _read(_customer, driver, database, params, scope, timeout)
    if record is None:
        return None
    candidates = [_suggestion(c) for c in record["candidates"]]
    return CustomerAffinity(PartyRef.of(record["customer"]), rank(candidates, first))
