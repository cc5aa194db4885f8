"""`Money`: an amount in one currency. Totals are lists of them, one per currency (`graph/money.py`),
never a sum across currencies."""

from __future__ import annotations

import strawberry

from graph.money import Amount


@strawberry.type(
    description="An amount in one currency, rounded to its minor unit; totals list one per "
    "currency, by currency code."
)
class Money:
    currency: str | None = strawberry.field(description="ISO 4217; null when not stated.")
    amount: float


def money(amounts: tuple[Amount, ...]) -> list[Money]:
    return [Money(currency=a.currency, amount=a.amount) for a in amounts]
