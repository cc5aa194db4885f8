"""Partner networks: a broker's book of business.

The customers a broker referred itself, those they referred in turn down to a capped depth (the
broker's referral tree, `graph.traversals.referral_tree`), with per level and overall: how many parties, their
revenue, how many are still prospects, active or former customers, the conversion of referred
prospects (`(active + former) / (prospects + active + former)`: the share that became customers)
and the retention of referred customers (`active / (active + former)`). Parties without a status
are counted in `parties` but in neither ratio. The direct customers come one page at a time, each
with its own network (subtree) size and revenue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from neo4j import AsyncDriver

from graph.read.scope import Scope
from graph.traversals.common import PartyRef, bounded
from graph.traversals.referral_tree import (
    MAX_DEPTH,
    MAX_PAGE,
    Reach,
    TreeCursor,
    TreeNode,
    TreeOrder,
    checked,
    details,
    page,
    reach,
)


@dataclass(frozen=True, slots=True)
class NetworkFigures:
    """Counts and ratios of a set of referred parties (one level, or the whole network)."""

    parties: int
    prospects: int
    active: int
    former: int
    revenue: float
    conversion: float | None  # None when no party has a status
    retention: float | None  # None when no party became a customer


@dataclass(frozen=True, slots=True)
class NetworkLevel:
    depth: int  # 1: the broker's own referrals
    figures: NetworkFigures


@dataclass(frozen=True, slots=True)
class PartnerNetwork:
    broker: PartyRef
    depth: int  # the depth cap asked for
    direct: int  # customers the broker referred itself
    figures: NetworkFigures  # the whole network, the broker excluded
    levels: tuple[NetworkLevel, ...]  # one per depth reached, shallowest first
    capped: bool  # parties at the cap referred others beyond it
    order: TreeOrder
    customers: tuple[TreeNode, ...]  # this page of direct customers, with their own networks
    has_next: bool
    end_cursor: TreeCursor | None


def figures(tree: Reach, members: Sequence[int]) -> NetworkFigures:
    statuses = [tree.statuses[i] for i in members]
    prospects = statuses.count("prospect")
    active = statuses.count("active")
    former = statuses.count("former")
    known = prospects + active + former
    return NetworkFigures(
        parties=len(members),
        prospects=prospects,
        active=active,
        former=former,
        revenue=sum(sorted(tree.revenues[i] for i in members)),
        conversion=(active + former) / known if known else None,
        retention=active / (active + former) if active + former else None,
    )


def network_list(broker_id: str) -> str:
    """The `within` of the cursors of a broker's page of direct customers."""
    return f"network:{broker_id}"


async def partner_network(
    driver: AsyncDriver,
    database: str,
    broker_id: str,
    *,
    depth: int = MAX_DEPTH,
    order: TreeOrder = TreeOrder.SUBTREE_REVENUE,
    first: int = 50,
    after: TreeCursor | None = None,
    scope: Scope | None = None,
    timeout: float = 10.0,
    with_customers: bool = True,
) -> PartnerNetwork | None:
    """A broker's network and one page of its direct customers (None when the party does not
    exist, is not a broker or the scope hides it). `depth` is 1 to `MAX_DEPTH`, `first` 1 to
    `MAX_PAGE`; pass a page's `end_cursor` as `after` (with the same order) for the next page.
    Without `with_customers` (a caller wanting the figures alone) no page is read: `customers`
    is empty and `has_next` false, and the tree is read without parents (`Reach`)."""
    bounded("first", first, 1, MAX_PAGE)
    within = network_list(broker_id)
    checked(after, within)
    tree = await reach(driver, database, broker_id, depth, scope, timeout, with_customers)
    if tree is None or "Broker" not in tree.root.roles:
        return None
    by_depth: dict[int, list[int]] = {}
    for i, d in enumerate(tree.depths):
        by_depth.setdefault(d, []).append(i)
    customers: tuple[TreeNode, ...] = ()
    has_next = False
    if with_customers:
        chosen, has_next = page(
            tree, order, first, after, within, only=lambda i: tree.depths[i] == 1
        )
        customers = await details(driver, database, tree, order, chosen, within, scope, timeout)
    return PartnerNetwork(
        broker=tree.root,
        depth=depth,
        direct=len(by_depth.get(1, ())),
        figures=figures(tree, range(len(tree.ids))),
        levels=tuple(NetworkLevel(d, figures(tree, by_depth[d])) for d in sorted(by_depth)),
        capped=tree.capped,
        order=order,
        customers=customers,
        has_next=has_next,
        end_cursor=customers[-1].cursor if customers else None,
    )
