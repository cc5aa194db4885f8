"""`referralChain`: a party's referral chain back to its origin (`graph.traversals.referrals`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import referrals
from schema.context import Context
from schema.scalars import Date
from schema.traversals.common import TraversalParty, mirror, mirrors, run

strawberry.enum(
    referrals.ChainEnd, name="ReferralChainEnd", description="Why a referral chain stops."
)


@mirrors(referrals.Referral, referred_key=lambda r: r.referred_id)
@strawberry.type(description="One referral: `referrer` referred the party `referredKey`.")
class ReferralHop:
    referrer: TraversalParty
    referred_key: str
    date: Date | None
    channel: str | None
    incentive: float | None
    currency: str | None
    source: str | None = strawberry.field(description="The source record asserting it.")


@strawberry.type(
    description="A customer's referral chain: `hops[0]` is who referred it (its first referral), "
    "`hops[i + 1]` who referred `hops[i].referrer`."
)
class ReferralChain:
    customer: TraversalParty
    hops: list[ReferralHop]
    end: referrals.ChainEnd
    origin: TraversalParty = strawberry.field(
        description="The chain's last party (the customer when nobody referred it)."
    )


async def resolve_referral_chain(
    info: Info[Context, None], customer: strawberry.ID, max_depth: int = 10
) -> ReferralChain | None:
    return await run(
        info, referrals.referral_chain, [(customer, Family.PARTY)],
        lambda found: mirror(found, ReferralChain), max_depth=max_depth,
    )  # fmt: skip
