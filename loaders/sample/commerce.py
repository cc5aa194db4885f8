"""Products and purchases for the sample generator.

Repeat buying follows the BG/NBD story (Fader, Hardie & Lee 2005), so a value model fitted on the
loaded orders can recover the parameters written to `truth.json`: while alive a customer buys as a
Poisson process with a rate drawn from Gamma(r, alpha); after each purchase they drop out with a
probability drawn from Beta(a, b).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Final

from loaders.sample.words import FX, PRODUCTS, TIERS


@dataclass(frozen=True)
class BuyingModel:
    r: float  # gamma shape of the purchase rate (per year)
    alpha: float  # gamma rate, in years
    a: float  # beta of the dropout probability
    b: float
    lines: float  # mean extra lines per order


MODELS: Final = {
    "person": BuyingModel(r=0.75, alpha=0.30, a=0.8, b=4.0, lines=0.6),
    "household": BuyingModel(r=1.2, alpha=0.60, a=0.6, b=5.0, lines=0.3),
    "organization": BuyingModel(r=1.5, alpha=0.25, a=0.7, b=6.0, lines=2.0),
}

_B2B: Final = {"Software": 4.0, "Services": 3.0, "Training": 2.0, "Hardware": 2.0}
_B2C: Final = {"Hardware": 2.0, "Accessories": 4.0, "Subscriptions": 3.0, "Software": 1.0}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    cents: int  # list price in USD cents


class Catalogue:
    """The shop's products, with B2C and B2B popularity (Zipf over a shuffled order)."""

    def __init__(self, rng: random.Random) -> None:
        items: list[Product] = []
        for category, names, median in PRODUCTS:
            tiered = category in ("Software", "Subscriptions")
            for name in names:
                for tier in TIERS if tiered else ("",):
                    factor = {"": 1.0, "Basic": 0.6, "Plus": 1.0, "Pro": 1.8}[tier]
                    price = median * factor * rng.lognormvariate(0.0, 0.35)
                    label = f"{name} {tier}".strip()
                    sku = f"SKU-{10001 + len(items)}"
                    items.append(Product(sku, label, category, int(price) * 100 + 99))
        self.products = tuple(items)
        rank = list(range(len(items)))
        rng.shuffle(rank)
        zipf = [1.0 / (1 + k) ** 0.9 for k in rank]

        def cumulative(affinity: dict[str, float]) -> list[float]:
            weights = (z * affinity.get(p.category, 0.2) for z, p in zip(zipf, items, strict=True))
            return list(itertools.accumulate(weights))

        self._b2c = cumulative(_B2C)
        self._b2b = cumulative(_B2B)

    def basket(self, rng: random.Random, lines: int, business: bool) -> list[Product]:
        weights = self._b2b if business else self._b2c
        picked = rng.choices(self.products, cum_weights=weights, k=lines)
        return list(dict.fromkeys(picked))  # one line per product, first-seen order


@dataclass(frozen=True)
class Buyer:
    rate: float  # purchases per day while alive
    dropout: float
    lines: float
    discount: float  # share of list price this customer pays


def draw_buyer(rng: random.Random, model: BuyingModel) -> Buyer:
    per_year = rng.gammavariate(model.r, 1.0 / model.alpha)
    return Buyer(
        rate=max(per_year, 1e-3) / 365.0,
        dropout=rng.betavariate(model.a, model.b),
        lines=model.lines * rng.gammavariate(2.0, 0.5),
        discount=rng.uniform(0.8, 1.0),
    )


def purchase_days(
    rng: random.Random, buyer: Buyer, first: int, today: int, cap: int = 150
) -> tuple[list[int], bool]:
    """Days of purchase from `first` up to `today`, and whether the customer dropped out."""
    days: list[int] = []
    t = float(first)
    while t <= today and len(days) < cap:
        days.append(int(t))
        if rng.random() < buyer.dropout:
            return days, True
        t += rng.expovariate(buyer.rate)
    return days, False


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by multiplication of uniforms (Knuth), for the small means used here."""
    limit = 2.718281828459045 ** (-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def lines_of(
    rng: random.Random, catalogue: Catalogue, buyer: Buyer, currency: str, business: bool
) -> list[tuple[Product, int, int]]:
    """(product, quantity, amount in cents of the currency) for one order."""
    products = catalogue.basket(rng, 1 + poisson(rng, buyer.lines), business)
    fx = FX[currency] * buyer.discount
    out = []
    for product in products:
        qty = 1 + (poisson(rng, 6.0 if business else 0.3))
        out.append((product, qty, round(product.cents * fx) * qty))
    return out
