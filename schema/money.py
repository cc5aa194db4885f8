"""`Money`: an amount in one currency. Totals are lists of them, one per currency (`graph/money.py`),
never a sum across currencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from neo4j import AsyncDriver
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from graph.money import Amount
from graph.read.run import ReadError
from graph.read.scope import Scope
from schema.context import Context
from schema.reads import client_error

Fetch = Callable[
    [AsyncDriver, str, list[str], Scope | None, float], Awaitable[dict[str, tuple[Amount, ...]]]
]


@strawberry.type(
    description="An amount in one currency, rounded to its minor unit; totals list one per "
    "currency, by currency code."
)
class Money:
    currency: str | None = strawberry.field(description="ISO 4217; null when not stated.")
    amount: float = strawberry.field(
        description="The amount, rounded half-even to the currency's minor unit."
    )


def money(amounts: tuple[Amount, ...]) -> list[Money]:
    return [Money(currency=a.currency, amount=a.amount) for a in amounts]


async def load(info: Info[Context, None], fetch: Fetch, key: str) -> list[Money]:
    """The totals `fetch` gives for `key`, batched per request and field (one DataLoader each)."""
    ctx = info.context
    loader = ctx.totals.get(fetch)
    if loader is None:

        async def batch(keys: list[str]) -> list[tuple[Amount, ...]]:
            try:
                found = await fetch(ctx.driver, ctx.database, keys, ctx.scope, ctx.timeout)
            except ReadError as exc:
                raise client_error(exc) from exc
            return [found.get(k, ()) for k in keys]

        loader = ctx.totals[fetch] = DataLoader(load_fn=batch)
    return money(await loader.load(key))
