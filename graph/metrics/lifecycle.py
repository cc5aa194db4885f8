"""Per-customer signals derived by documented rules (no model fitting here).

Lifecycle stage, evaluated in this order; the first rule that holds wins:

1. `lapsed`      — status is `former` (the relationship ended; the target of win-back, not a stage of
                   the five-stage cycle, so it is named apart).
2. `acquisition` — no purchase yet (prospects and new sign-ups).
3. `advocacy`    — has referred at least one customer, or the latest NPS answer is a promoter (9-10).
4. `nurturing`   — exactly one purchase (no repeat yet), or the first purchase is under 90 days old.
5. `expansion`   — spend in the last 180 days exceeds spend in the 180 days before (growing).
6. `retention`   — every other repeat buyer.

NPS category: promoter 9-10, passive 7-8, detractor 0-6 (Reichheld 2003).
Engagement dropped: at least 2 interactions in the 90 days before the last 90, and the last 90 days
have at most half as many. The 90-day windows end at the `as of` date.
Value quadrant (Kumar, Petersen & Leone 2007, "How Valuable Is Word of Mouth?", HBR): customer value
(CLV) against referral value (CRV), each split at the median over the customers scored:
champion (high, high), affluent (high CLV, low CRV), advocate (low CLV, high CRV), miser (low, low).
A value counts as high when it is strictly above the median and above zero.
"""

from __future__ import annotations

from dataclasses import dataclass


def nps_category(score: int | None) -> str | None:
    if score is None:
        return None
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def engagement_dropped(recent: int, previous: int) -> bool:
    return previous >= 2 and recent * 2 <= previous


@dataclass(frozen=True)
class Facts:
    status: str | None
    orders: int
    days_since_first_order: int | None
    spend_last_180: float
    spend_prior_180: float
    referred: int
    nps: int | None


def stage(facts: Facts) -> str:
    if facts.status == "former":
        return "lapsed"
    if facts.orders == 0:
        return "acquisition"
    if facts.referred > 0 or nps_category(facts.nps) == "promoter":
        return "advocacy"
    if facts.orders == 1 or (
        facts.days_since_first_order is not None and facts.days_since_first_order < 90
    ):
        return "nurturing"
    if facts.spend_last_180 > facts.spend_prior_180:
        return "expansion"
    return "retention"


def quadrant(clv: float, crv: float, clv_median: float, crv_median: float) -> str:
    high_clv = clv > clv_median and clv > 0
    high_crv = crv > crv_median and crv > 0
    if high_clv:
        return "champion" if high_crv else "affluent"
    return "advocate" if high_crv else "miser"
