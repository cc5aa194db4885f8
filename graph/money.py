"""Money: amounts are added per currency, never across currencies, and rounded to the currency's
minor unit (ISO 4217 via CLDR: 2 digits for EUR, 0 for JPY, 3 for KWD; 2 when unknown or unstated).

The graph holds amounts as floats in the currency of their order, line or deal; a total is
summed exactly (as decimals of the stored floats) and rounded half-even once, so no float noise
(62455.00000000001) reaches a client, and no EUR is ever added to a USD. `product_revenue`
totals a product's order lines this way, within a caller's scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import LiteralString

from babel.numbers import UnknownCurrencyError, get_currency_precision
from neo4j import AsyncDriver

from graph.read.run import read
from graph.read.scope import Scope
from graph.read.writer import Writer


@dataclass(frozen=True, slots=True)
class Amount:
    currency: str | None  # ISO 4217; None when the source did not state one
    amount: float


@cache
def minor_digits(currency: str | None) -> int:
    """The digits of the currency's minor unit (2 when unknown or unstated)."""
    if currency is None:
        return 2
    try:
        return int(get_currency_precision(currency.upper()))
    except UnknownCurrencyError:
        return 2


def totals(amounts: Iterable[tuple[str | None, float | int | None]]) -> tuple[Amount, ...]:
    """The sum per currency of (currency, amount) pairs (None amounts skipped), each rounded to its
    minor unit, by currency (the unstated one last)."""
    sums: dict[str | None, Decimal] = {}
    for currency, amount in amounts:
        if amount is None:
            continue
        sums[currency] = sums.get(currency, Decimal(0)) + Decimal(amount)
    return tuple(
        Amount(c, float(s.quantize(Decimal(1).scaleb(-minor_digits(c)), ROUND_HALF_EVEN)))
        for c, s in sorted(sums.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    )


_LINES: LiteralString = """
UNWIND $ids AS id
CALL (id) {
  MATCH (:Product {id: id})<-[:OF_PRODUCT]-(l:OrderLine)<-[:HAS_LINE]-(:Order)<-[:PLACED]-(c:Party)
  WHERE {scope}
  WITH l.currency AS currency, sum(l.amount) AS amount
  RETURN collect([currency, amount]) AS revenue
}
RETURN id, revenue
"""


async def product_revenue(
    driver: AsyncDriver,
    database: str,
    ids: list[str],
    scope: Scope | None = None,
    timeout: float | None = None,
) -> dict[str, tuple[Amount, ...]]:
    """Per product id, the amounts of its order lines by currency, counting only the orders of
    parties the `scope` may see (every order without one). Read errors raise `ReadError`."""
    w = Writer()
    seen: LiteralString = "true" if scope is None else scope.parties("c", w)
    text: LiteralString = _LINES.replace("{scope}", seen)
    records = await read(driver, database, text, {**w.params, "ids": ids}, timeout)
    return {r["id"]: totals((c, a) for c, a in r["revenue"]) for r in records}


_BOOKS: LiteralString = """
UNWIND $ids AS id
CALL (id) {
  MATCH (:Broker {id: id})-[:REFERRED]->(c:Customer)
  WHERE {scope}
  WITH DISTINCT c
  CALL (c) {
    OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
    WITH o ORDER BY o.date DESC, o.id DESC
    WITH collect(o) AS orders
    RETURN [o IN orders | [o.currency, o.amount]] AS amounts, orders[0].currency AS latest
  }
  RETURN collect([amounts, latest, c.clv]) AS parts
}
RETURN id, parts
"""


async def book_value(
    driver: AsyncDriver,
    database: str,
    ids: list[str],
    scope: Scope | None = None,
    timeout: float | None = None,
) -> dict[str, tuple[Amount, ...]]:
    """Per broker id, the revenue and CLV of the customers it referred directly, by currency: each
    order in its own currency, a customer's CLV in the currency of its latest order (a CLV is
    fitted on the customer's own amounts); only the customers the `scope` may see count."""
    w = Writer()
    seen: LiteralString = "true" if scope is None else scope.parties("c", w)
    text: LiteralString = _BOOKS.replace("{scope}", seen)
    records = await read(driver, database, text, {**w.params, "ids": ids}, timeout)
    found: dict[str, tuple[Amount, ...]] = {}
    for r in records:
        pairs: list[tuple[str | None, float | None]] = []
        for amounts, latest, clv in r["parts"]:
            pairs += [(c, a) for c, a in amounts]
            if clv is not None and amounts:
                pairs.append((latest, clv))
        found[r["id"]] = totals(pairs)
    return found
