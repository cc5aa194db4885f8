"""`extensions.cost` on every GraphQL response: what the query was estimated to cost (the values it
may return, `api/limits.py`), what was taken from the caller's per-minute budget, and what is left.

    "extensions": {"cost": {"estimated": 220, "charged": 220, "remaining": 999780, "limit": 1000000}}

`charged` is 0 when nothing ran (a refusal) or the role is unlimited; `remaining` and `limit` are
null when the role's budget is unlimited (`COST_LIMIT_PER_MINUTE`). A refused request reports the
estimate when it got that far, else 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.ratelimit import CostBudget
from graph.security.principal import Principal


@dataclass(frozen=True, slots=True)
class Cost:
    estimated: int
    charged: int
    remaining: int | None
    limit: int | None

    def extension(self) -> dict[str, Any]:
        return {
            "estimated": self.estimated,
            "charged": self.charged,
            "remaining": self.remaining,
            "limit": self.limit,
        }


async def cost_of(
    budget: CostBudget | None, principal: Principal | None, estimated: int, charged: bool
) -> Cost:
    """The cost report of a request whose estimate is `estimated` (`charged`: it was taken)."""
    if budget is None or principal is None or budget.limit(principal) == 0:
        return Cost(estimated, 0, None, None)
    return Cost(
        estimated,
        estimated if charged else 0,
        await budget.remaining(principal),
        budget.limit(principal),
    )


def with_cost(body: dict[str, Any], cost: Cost) -> dict[str, Any]:
    """The body with `extensions.cost` (other extensions kept)."""
    extensions = {**body.get("extensions", {}), "cost": cost.extension()}
    return {**body, "extensions": extensions}
