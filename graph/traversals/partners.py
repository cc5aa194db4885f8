"""Partner networks: a broker's book of business.

The customers a broker referred itself, those they referred in turn down to a capped depth (the
broker's referral tree, `graph.traversals.referral_tree`), with per level and overall: how many parties, their
revenue, how many are still prospects, active or former customers, the conversion of referred
prospects (`(active + former) / (prospects + active + former)`: the share that became customers)
and the retention of referred customers (`active / (active + former)`). Parties without a status
are counted in `parties` but in neither ratio. The direct customers come one page at a time, each
with its own network (subtree) size and revenue.

Asked for the figures alone (no page of customers), by a caller who sees everything or by the
broker itself, the network is not walked: `c360 metrics compute` keeps each broker's figures per
level (`graph.metrics.aggregates.NETWORKS`), and the answer adds up the levels within the depth
asked, in time independent of the network's size. Such an answer carries when the figures were
read (`as_of`) and whether facts changed since (`stale`, as the portfolio KPIs'); `live` walks the
network now instead, as does a broker without stored figures (no full metrics run since it came).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.ingest import changes
from graph.read.scope import BrokerNetwork, Scope
from graph.traversals.common import PartyRef, Seen, bounded, native, party_map, run, statement
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
    as_of: dt.datetime  # when the figures were read: the metrics run's, or this request's
    stale: bool  # facts changed after `as_of`


def counted(
    parties: int, prospects: int, active: int, former: int, revenue: float
) -> NetworkFigures:
    known = prospects + active + former
    return NetworkFigures(
        parties=parties,
        prospects=prospects,
        active=active,
        former=former,
        revenue=revenue,
        conversion=(active + former) / known if known else None,
        retention=active / (active + former) if active + former else None,
    )


def figures(tree: Reach, members: Sequence[int]) -> NetworkFigures:
    statuses = [tree.statuses[i] for i in members]
    return counted(
        len(members),
        statuses.count("prospect"),
        statuses.count("active"),
        statuses.count("former"),
        sum(sorted(tree.revenues[i] for i in members)),
    )


def _stored(seen: Seen) -> LiteralString:
    return (
        "MATCH (root:Party {id: $id})\n"
        "WHERE " + seen("root") + "\n"
        "OPTIONAL MATCH (g:GraphState {id: 'facts'})\n"
        "RETURN " + party_map("root") + " AS root, root.networkParties AS parties,\n"
        "       root.networkProspects AS prospects, root.networkActive AS active,\n"
        "       root.networkFormer AS former, root.networkRevenue AS revenue,\n"
        "       root.networkAt AS at, g.changedAt AS changedAt\n"
    )


def _servable(broker_id: str, scope: Scope | None) -> bool:
    """Whether the stored figures are the ones this caller would count: it sees every party, or
    it is the broker, who sees its whole network to depth 10 (`BrokerNetwork`)."""
    return scope is None or scope == BrokerNetwork(broker_id)


def _from_levels(
    record: Any, depth: int, scope: Scope | None
) -> tuple[int, NetworkFigures, tuple[NetworkLevel, ...], bool]:
    """Direct customers, figures, levels and `capped` within `depth`, from the stored levels (the
    list of level k at index k - 1; stored to level 11, so a network capped at 10 shows)."""
    columns = [record[k][:depth] for k in ("parties", "prospects", "active", "former", "revenue")]
    levels = tuple(
        NetworkLevel(k + 1, counted(*row)) for k, row in enumerate(zip(*columns, strict=True))
    )
    whole = counted(*(sum(column) for column in columns))
    # The broker sees no party past depth 10, so its network is never capped there.
    capped = len(record["parties"]) > depth and (scope is None or depth < 10)
    return (columns[0][0] if levels else 0), whole, levels, capped


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
    live: bool = False,
) -> PartnerNetwork | None:
    """A broker's network and one page of its direct customers (None when the party does not
    exist, is not a broker or the scope hides it). `depth` is 1 to `MAX_DEPTH`, `first` 1 to
    `MAX_PAGE`; pass a page's `end_cursor` as `after` (with the same order) for the next page.
    Without `with_customers` (a caller wanting the figures alone) no page is read: `customers`
    is empty and `has_next` false, and the figures come from the last metrics run unless `live`
    (or none are stored), else from the tree read without parents (`Reach`)."""
    bounded("first", first, 1, MAX_PAGE)
    bounded("depth", depth, 1, MAX_DEPTH)
    within = network_list(broker_id)
    checked(after, within)
    if not with_customers and not live and _servable(broker_id, scope):
        found = await run(driver, database, statement(_stored, scope), {"id": broker_id}, timeout)
        if not found:
            return None
        record = found[0]
        root = PartyRef.of(record["root"])
        if "Broker" not in root.roles:
            return None
        if record["parties"] is not None:
            direct, whole, levels, capped = _from_levels(record, depth, scope)
            at = native(record["at"])
            return PartnerNetwork(
                broker=root, depth=depth, direct=direct, figures=whole, levels=levels,
                capped=capped, order=order, customers=(), has_next=False, end_cursor=None,
                as_of=at, stale=changes.stale(native(record["changedAt"]), at),
            )  # fmt: skip
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
        as_of=dt.datetime.now(dt.UTC),
        stale=False,
    )
