"""`partnerNetwork`: a broker's book of business and one page of its direct customers
(`graph.traversals.partners`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import partners, referral_tree
from schema.context import Context
from schema.cursors import decode_tree_cursor as decode_cursor
from schema.scalars import DateTime
from schema.traversals.common import TraversalParty, mirror, mirrors, run, selects
from schema.traversals.referral_tree import (
    ReferralTreeConnection,
    ReferralTreeNode,
    end_cursor,
    page,
    tree_node,
)


@mirrors(partners.NetworkFigures)
@strawberry.type(description="Counts and ratios of a set of referred parties.")
class NetworkFigures:
    parties: int = strawberry.field(description="Referred parties counted.")
    prospects: int = strawberry.field(description="Of them, prospects.")
    active: int = strawberry.field(description="Of them, active customers.")
    former: int = strawberry.field(description="Of them, former customers.")
    revenue: float = strawberry.field(
        description="Sum of their stored `revenue` (each in its party's currency, 0 if missing)."
    )
    conversion: float | None = strawberry.field(
        description="(active + former) / (prospects + active + former); null when none has one."
    )
    retention: float | None = strawberry.field(
        description="active / (active + former); null when none became a customer."
    )


@mirrors(partners.NetworkLevel)
@strawberry.type(description="The figures of one level of a partner network.")
class NetworkLevel:
    depth: int = strawberry.field(description="1: the broker's own referrals.")
    figures: NetworkFigures = strawberry.field(
        description="The figures of the parties at this depth."
    )


@strawberry.type(description="A broker's book of business and one page of its direct customers.")
class PartnerNetwork:
    broker: TraversalParty = strawberry.field(description="The broker.")
    depth: int = strawberry.field(description="The depth cap asked for.")
    direct: int = strawberry.field(description="Customers the broker referred itself.")
    figures: NetworkFigures = strawberry.field(description="The whole network, broker excluded.")
    levels: list[NetworkLevel] = strawberry.field(
        description="One per depth reached, shallowest first."
    )
    capped: bool = strawberry.field(
        description="Parties at the depth cap referred others beyond it."
    )
    order: referral_tree.TreeOrder = strawberry.field(description="The order of `directCustomers`.")
    as_of: DateTime = strawberry.field(
        description="When the network was read: by the last `c360 metrics compute` (the figures "
        "alone, asked by an unrestricted caller or the broker itself), or for this request "
        "(`live`, or with `directCustomers`)."
    )
    stale: bool = strawberry.field(
        description="Facts (parties, referrals, ...) changed after `asOf`; `live: true` reads the "
        "network now."
    )
    direct_customers: ReferralTreeConnection = strawberry.field(
        description="A page of its direct customers, with their own networks (`totalCount`: "
        "`direct`), paged by `partnerNetwork`'s `first` and `after`."
    )
    customers: list[ReferralTreeNode] = strawberry.field(
        description="This page of direct customers, with their own networks.",
        deprecation_reason="Use `directCustomers` (a connection); removed in the next release.",
    )
    has_next_page: bool = strawberry.field(
        description="True when more direct customers follow.",
        deprecation_reason="Use `directCustomers.pageInfo`; removed in the next release.",
    )
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` (same `order`) for the next page; null when none.",
        deprecation_reason="Use `directCustomers.pageInfo`; removed in the next release.",
    )


def network(
    found: partners.PartnerNetwork, order: referral_tree.TreeOrder, after: str | None
) -> PartnerNetwork:
    nodes = [tree_node(n, order) for n in found.customers]
    return mirror(
        found, PartnerNetwork, customers=nodes,
        direct_customers=page(nodes, found.has_next, after, found.direct),
        as_of=DateTime(found.as_of),
        has_next_page=found.has_next, end_cursor=end_cursor(order, found.end_cursor),
    )  # fmt: skip


async def resolve_partner_network(
    info: Info[Context, None],
    broker: Annotated[
        strawberry.ID, strawberry.argument(description="The broker's global id or key.")
    ],
    depth: Annotated[
        int, strawberry.argument(description="Referral levels counted in the figures (1 to 10).")
    ] = 10,
    first: Annotated[
        int, strawberry.argument(description="Direct customers per page (1 to 1000).")
    ] = 50,
    after: Annotated[
        str | None,
        strawberry.argument(description="The `endCursor` of the previous page, in this `order`."),
    ] = None,
    order: Annotated[
        referral_tree.TreeOrder,
        strawberry.argument(description="The order of `directCustomers`."),
    ] = referral_tree.TreeOrder.SUBTREE_REVENUE,
    live: Annotated[
        bool,
        strawberry.argument(
            description="Walk the network now, not the figures of the last metrics run (the time "
            "then follows the network's size)."
        ),
    ] = False,
) -> PartnerNetwork | None:
    chosen = order
    return await run(
        info, partners.partner_network, [(broker, Family.PARTY)],
        lambda found: network(found, chosen, after), depth=depth, order=chosen, first=first,
        after=decode_cursor(after, chosen), with_customers=selects(info, _PAGED), live=live,
    )  # fmt: skip


# The fields that need the page of direct customers (and the tree's parents, for their subtree
# sums); without them only the figures are read.
_PAGED = frozenset({"directCustomers", "customers", "hasNextPage", "endCursor"})
