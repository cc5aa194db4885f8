"""`referralChain`: a party's referral chain back to its origin (`graph.traversals.referrals`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import referrals
from schema.context import Context
from schema.descriptions import describe_values
from schema.scalars import Date
from schema.traversals.common import TraversalParty, mirror, mirrors, run

strawberry.enum(
    referrals.ChainEnd, name="ReferralChainEnd", description="Why a referral chain stops."
)
describe_values(
    referrals.ChainEnd,
    ORIGIN="At a party nobody referred (the customer itself when it has no hops).",
    BROKER="At a broker: the chain's origin is a partner.",
    CYCLE="The last hop's referrer is already on the chain.",
    DEPTH="More referrals lie beyond `maxDepth` hops.",
)


@mirrors(referrals.Referral, referred_key=lambda r: r.referred_id)
@strawberry.type(description="One referral: `referrer` referred the party `referredKey`.")
class ReferralHop:
    referrer: TraversalParty = strawberry.field(description="Who referred.")
    referred_key: str = strawberry.field(description="The graph id of the party referred.")
    date: Date | None = strawberry.field(description="When the referral was made.")
    channel: str | None = strawberry.field(
        description="How the referral came (as the source states it)."
    )
    incentive: float | None = strawberry.field(
        description="The incentive paid for it, in `currency`."
    )
    currency: str | None = strawberry.field(description="ISO 4217 code of `incentive`.")
    source: str | None = strawberry.field(description="The source record asserting it.")


@strawberry.type(
    description="A customer's referral chain: `hops[0]` is who referred it (its first referral), "
    "`hops[i + 1]` who referred `hops[i].referrer`."
)
class ReferralChain:
    customer: TraversalParty = strawberry.field(description="The party the chain starts at.")
    hops: list[ReferralHop] = strawberry.field(description="Referrals back towards the origin.")
    end: referrals.ChainEnd = strawberry.field(description="Why the chain stops at `origin`.")
    origin: TraversalParty = strawberry.field(
        description="The chain's last party (the customer when nobody referred it)."
    )


async def resolve_referral_chain(
    info: Info[Context, None],
    customer: Annotated[
        strawberry.ID, strawberry.argument(description="The party's global id or key.")
    ],
    max_depth: Annotated[
        int, strawberry.argument(description="Hops to follow at most (1 to 20).")
    ] = 10,
) -> ReferralChain | None:
    return await run(
        info, referrals.referral_chain, [(customer, Family.PARTY)],
        lambda found: mirror(found, ReferralChain), max_depth=max_depth,
    )  # fmt: skip
