"""Traversal roots answered on the executor (not compiled): referral chains and trees, partner
networks, buying committees, connection paths and next-product affinity (`graph.traversals.referrals`,
`graph.traversals.referral_tree`, `graph.traversals.partners`, `graph.traversals.committees`, `graph.traversals.paths`, `graph.traversals.affinity`).

Each root parses its global id (another family of id answers null), calls the traversal with the
caller's scope and the request's timeout, and mirrors the frozen dataclass it returns. Parties are
`TraversalParty` (global id, key, name, kind, roles, status: what the traversal read, no more);
refetch one with `node(id)` for the rest. Out-of-range arguments are `BAD_USER_INPUT`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Awaitable
from enum import Enum
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.read.run import ReadError
from graph.traversals import affinity, committees, partners, paths, referral_tree, referrals
from graph.traversals.common import KINDS, PartyRef
from schema.context import Context
from schema.enums import CommitteeRole, CustomerStatus, PartyKind, PartyRole
from schema.errors import ClientError, Code
from schema.ids import global_id, parse_id
from schema.reads import client_error
from schema.scalars import Date, DateTime

T = TypeVar("T")

strawberry.enum(
    referrals.ChainEnd, name="ReferralChainEnd", description="Why a referral chain stops."
)
strawberry.enum(
    referral_tree.TreeOrder,
    name="ReferralTreeOrder",
    description="Orders of a referral tree's pages (ties broken by party key).",
)
strawberry.enum(
    committees.Trend,
    name="SentimentTrend",
    description="Recent sentiment against the window before.",
)
strawberry.enum(committees.GapReason, name="CommitteeGapReason", description="Why a role is a gap.")
strawberry.enum(
    paths.Link, name="LinkKind", description="The kinds of link a connection path may follow."
)


def _enum(kind: type[Enum], value: str | None) -> Enum | None:
    """The enum member of a stored value; None when missing or not one of its values."""
    return next((m for m in kind if m.value == value), None)


@strawberry.type(description="A party as a traversal shows it; `node(id)` refetches the rest.")
class TraversalParty:
    id: strawberry.ID = strawberry.field(description="Its global id.")
    key: str = strawberry.field(description="Its graph id (`system:recordId`).")
    name: str | None
    kind: PartyKind | None
    roles: list[PartyRole]
    status: CustomerStatus | None


def party(p: PartyRef) -> TraversalParty:
    kind = _enum(PartyKind, p.kind)
    status = _enum(CustomerStatus, p.status)
    return TraversalParty(
        id=strawberry.ID(global_id(Family.PARTY, p.id)),
        key=p.id,
        name=p.name,
        kind=kind if isinstance(kind, PartyKind) else None,
        roles=[PartyRole(r.upper()) for r in p.roles],
        status=status if isinstance(status, CustomerStatus) else None,
    )


def party_or_none(p: PartyRef | None) -> TraversalParty | None:
    return None if p is None else party(p)


# ---- referrals ------------------------------------------------------------------------------


@strawberry.type(description="One referral: `referrer` referred the party `referredKey`.")
class ReferralHop:
    referrer: TraversalParty
    referred_key: str
    date: Date | None
    channel: str | None
    incentive: float | None
    currency: str | None
    source: str | None = strawberry.field(description="The source record asserting it.")


def hop(r: referrals.Referral) -> ReferralHop:
    return ReferralHop(
        referrer=party(r.referrer),
        referred_key=r.referred_id,
        date=Date(r.date),
        channel=r.channel,
        incentive=r.incentive,
        currency=r.currency,
        source=r.source,
    )


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
    key = _key(customer, Family.PARTY)
    if key is None:
        return None
    ctx = info.context
    found = await _call(
        referrals.referral_chain(
            ctx.driver, ctx.database, key, max_depth=max_depth, scope=ctx.scope, timeout=ctx.timeout
        )
    )
    if found is None:
        return None
    return ReferralChain(
        customer=party(found.customer),
        hops=[hop(h) for h in found.hops],
        end=found.end,
        origin=party(found.origin),
    )


@strawberry.type(description="A party of a referral tree, with its subtree's size and revenue.")
class ReferralTreeNode:
    party: TraversalParty
    depth: int = strawberry.field(description="1 for the parties the root referred itself.")
    parent_key: str = strawberry.field(description="The referrer one level up.")
    referral: ReferralHop | None = strawberry.field(description="The parent's referral of it.")
    revenue: float
    subtree_size: int = strawberry.field(description="It and everyone below it.")
    subtree_revenue: float
    cursor: str


@strawberry.type(description="One page of the referral tree below a customer or a broker.")
class ReferralTree:
    root: TraversalParty
    depth: int = strawberry.field(description="The depth cap asked for.")
    size: int = strawberry.field(description="Parties in the tree, the root excluded.")
    revenue: float
    deepest: int
    capped: bool = strawberry.field(description="Parties at the cap referred others beyond it.")
    order: referral_tree.TreeOrder
    nodes: list[ReferralTreeNode]
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(order: referral_tree.TreeOrder, c: referral_tree.TreeCursor) -> str:
    raw = json.dumps([order.value, c.key, c.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    value: str | None, order: referral_tree.TreeOrder
) -> referral_tree.TreeCursor | None:
    if value is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        tag, key, party_id = raw
        if tag != order.value or not isinstance(party_id, str):
            raise ValueError
        return referral_tree.TreeCursor(float(key), party_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ClientError(f"Not a valid cursor for this list and order: {value!r}.") from None


def tree_node(n: referral_tree.TreeNode, order: referral_tree.TreeOrder) -> ReferralTreeNode:
    return ReferralTreeNode(
        party=party(n.party),
        depth=n.depth,
        parent_key=n.parent_id,
        referral=None if n.referral is None else hop(n.referral),
        revenue=n.revenue,
        subtree_size=n.subtree_size,
        subtree_revenue=n.subtree_revenue,
        cursor=encode_cursor(order, n.cursor),
    )


async def resolve_referral_tree(
    info: Info[Context, None],
    root_: Annotated[strawberry.ID, strawberry.argument(name="root")],
    depth: int = 10,
    first: int = 100,
    after: str | None = None,
    order: referral_tree.TreeOrder = referral_tree.TreeOrder.DEPTH,
) -> ReferralTree | None:
    key = _key(root_, Family.PARTY)
    if key is None:
        return None
    chosen = order
    ctx = info.context
    found = await _call(
        referral_tree.referral_tree(
            ctx.driver, ctx.database, key, depth=depth, order=chosen, first=first,
            after=decode_cursor(after, chosen), scope=ctx.scope, timeout=ctx.timeout,
        )
    )  # fmt: skip
    if found is None:
        return None
    return ReferralTree(
        root=party(found.root),
        depth=found.depth,
        size=found.size,
        revenue=found.revenue,
        deepest=found.deepest,
        capped=found.capped,
        order=found.order,
        nodes=[tree_node(n, chosen) for n in found.nodes],
        has_next_page=found.has_next,
        end_cursor=None if found.end_cursor is None else encode_cursor(chosen, found.end_cursor),
    )


# ---- partner networks -----------------------------------------------------------------------


@strawberry.type(description="Counts and ratios of a set of referred parties.")
class NetworkFigures:
    parties: int
    prospects: int
    active: int
    former: int
    revenue: float
    conversion: float | None = strawberry.field(
        description="(active + former) / (prospects + active + former); null when none has one."
    )
    retention: float | None = strawberry.field(
        description="active / (active + former); null when none became a customer."
    )


@strawberry.type(description="The figures of one level of a partner network.")
class NetworkLevel:
    depth: int = strawberry.field(description="1: the broker's own referrals.")
    figures: NetworkFigures


@strawberry.type(description="A broker's book of business and one page of its direct customers.")
class PartnerNetwork:
    broker: TraversalParty
    depth: int = strawberry.field(description="The depth cap asked for.")
    direct: int = strawberry.field(description="Customers the broker referred itself.")
    figures: NetworkFigures = strawberry.field(description="The whole network, broker excluded.")
    levels: list[NetworkLevel]
    capped: bool
    order: referral_tree.TreeOrder
    customers: list[ReferralTreeNode]
    has_next_page: bool
    end_cursor: str | None


def network_figures(f: partners.NetworkFigures) -> NetworkFigures:
    return NetworkFigures(
        parties=f.parties,
        prospects=f.prospects,
        active=f.active,
        former=f.former,
        revenue=f.revenue,
        conversion=f.conversion,
        retention=f.retention,
    )


async def resolve_partner_network(
    info: Info[Context, None],
    broker: strawberry.ID,
    depth: int = 10,
    first: int = 50,
    after: str | None = None,
    order: referral_tree.TreeOrder = referral_tree.TreeOrder.SUBTREE_REVENUE,
) -> PartnerNetwork | None:
    key = _key(broker, Family.PARTY)
    if key is None:
        return None
    chosen = order
    ctx = info.context
    found = await _call(
        partners.partner_network(
            ctx.driver, ctx.database, key, depth=depth, order=chosen, first=first,
            after=decode_cursor(after, chosen), scope=ctx.scope, timeout=ctx.timeout,
        )
    )  # fmt: skip
    if found is None:
        return None
    return PartnerNetwork(
        broker=party(found.broker),
        depth=found.depth,
        direct=found.direct,
        figures=network_figures(found.figures),
        levels=[
            NetworkLevel(depth=v.depth, figures=network_figures(v.figures)) for v in found.levels
        ],
        capped=found.capped,
        order=found.order,
        customers=[tree_node(n, chosen) for n in found.customers],
        has_next_page=found.has_next,
        end_cursor=None if found.end_cursor is None else encode_cursor(chosen, found.end_cursor),
    )


# ---- buying committees ----------------------------------------------------------------------


@strawberry.type(description="One of our employees who knows a committee member.")
class Acquaintance:
    employee: TraversalParty
    strength: float | None
    since: Date | None


@strawberry.type(description="A member's interactions and sentiment in two consecutive windows.")
class Engagement:
    last_interaction: DateTime | None
    interactions: int = strawberry.field(description="In the window ending at `asOf`.")
    interactions_previous: int = strawberry.field(description="In the window before.")
    sentiment: float | None
    sentiment_previous: float | None
    trend: committees.Trend


@strawberry.type(description="A member of a buying committee (its seats merged).")
class CommitteeMember:
    person: TraversalParty
    roles: list[CommitteeRole]
    influence: float | None
    primary: bool
    seats: list[str] = strawberry.field(description="Source records of its seats.")
    title: str | None
    department: str | None
    manager: TraversalParty | None
    reporting_line: list[TraversalParty] = strawberry.field(
        description="Its manager, its manager's manager, ..."
    )
    committee_manager_key: str | None = strawberry.field(
        description="The nearest manager in its line who is a member."
    )
    engagement: Engagement
    known_by: list[Acquaintance] = strawberry.field(description="Strongest first.")


@strawberry.type(description="How many members hold a role, and how many of them are engaged.")
class RoleCoverage:
    role: CommitteeRole
    members: int
    engaged: int
    last_interaction: DateTime | None


@strawberry.type(description="A required role nobody holds, or a role whose holders disengaged.")
class CommitteeGap:
    role: CommitteeRole
    reason: committees.GapReason
    last_interaction: DateTime | None


@strawberry.type(description="The buying committee of an account or of a deal.")
class BuyingCommittee:
    id: strawberry.ID = strawberry.field(description="The account's or the deal's global id.")
    key: str
    name: str | None
    kind: str = strawberry.field(description="`account` or `deal`.")
    account: TraversalParty | None
    owners: list[TraversalParty]
    as_of: DateTime
    members: list[CommitteeMember] = strawberry.field(description="Primary first, by influence.")
    coverage: list[RoleCoverage]
    gaps: list[CommitteeGap]


def member(m: committees.Member) -> CommitteeMember:
    e = m.engagement
    return CommitteeMember(
        person=party(m.person),
        roles=[CommitteeRole(r.value) for r in m.roles],
        influence=m.influence,
        primary=m.primary,
        seats=list(m.seats),
        title=m.title,
        department=m.department,
        manager=party_or_none(m.manager),
        reporting_line=[party(p) for p in m.reporting_line],
        committee_manager_key=m.committee_manager_id,
        engagement=Engagement(
            last_interaction=DateTime(e.last_interaction),
            interactions=e.interactions,
            interactions_previous=e.interactions_previous,
            sentiment=e.sentiment,
            sentiment_previous=e.sentiment_previous,
            trend=e.trend,
        ),
        known_by=[Acquaintance(employee=party(a.employee), strength=a.strength, since=Date(a.since))
                  for a in m.known_by],
    )  # fmt: skip


def buying_committee(c: committees.Committee) -> BuyingCommittee:
    family = Family.DEAL if c.kind == "deal" else Family.PARTY
    return BuyingCommittee(
        id=strawberry.ID(global_id(family, c.id)),
        key=c.id,
        name=c.name,
        kind=c.kind,
        account=party_or_none(c.account),
        owners=[party(o) for o in c.owners],
        as_of=DateTime(c.as_of),
        members=[member(m) for m in c.members],
        coverage=[RoleCoverage(role=CommitteeRole(r.role.value), members=r.members,
                               engaged=r.engaged, last_interaction=DateTime(r.last_interaction))
                  for r in c.coverage],
        gaps=[CommitteeGap(role=CommitteeRole(g.role.value), reason=g.reason,
                           last_interaction=DateTime(g.last_interaction)) for g in c.gaps],
    )  # fmt: skip


def end_of_day(value: object) -> dt.datetime | None:
    """A date as the last instant of that day in UTC (None for None)."""
    if value is None:
        return None
    assert isinstance(value, dt.date)
    return dt.datetime.combine(value, dt.time.max, dt.UTC)


async def resolve_buying_committee(
    info: Info[Context, None], account: strawberry.ID, as_of: Date | None = None
) -> BuyingCommittee | None:
    key = _key(account, Family.PARTY)
    if key is None:
        return None
    ctx = info.context
    found = await _call(
        committees.account_committee(
            ctx.driver, ctx.database, key, as_of=end_of_day(as_of), scope=ctx.scope,
            timeout=ctx.timeout,
        )
    )  # fmt: skip
    return None if found is None else buying_committee(found)


async def resolve_deal_committee(
    info: Info[Context, None], deal: strawberry.ID, as_of: Date | None = None
) -> BuyingCommittee | None:
    key = _key(deal, Family.DEAL)
    if key is None:
        return None
    ctx = info.context
    found = await _call(
        committees.deal_committee(
            ctx.driver, ctx.database, key, as_of=end_of_day(as_of), scope=ctx.scope,
            timeout=ctx.timeout,
        )
    )  # fmt: skip
    return None if found is None else buying_committee(found)


# ---- connection paths -----------------------------------------------------------------------

_NODE_FAMILIES = {**dict.fromkeys(KINDS, Family.PARTY), "Interaction": Family.INTERACTION,
                  "Deal": Family.DEAL}  # fmt: skip


@strawberry.type(description="A node of a connection path: a party, an interaction or a deal.")
class PathNode:
    id: strawberry.ID | None = strawberry.field(description="Its global id.")
    key: str
    label: str = strawberry.field(
        description="Person, Organization, Household, Interaction or Deal."
    )
    name: str | None
    roles: list[PartyRole]
    at: DateTime | None = strawberry.field(description="An interaction's.")
    channel: str | None = strawberry.field(description="An interaction's.")


@strawberry.type(description="A relationship of a connection path.")
class PathEdge:
    link: paths.Link
    type: str = strawberry.field(description="The relationship type.")
    start_key: str = strawberry.field(description="The relationship's own direction.")
    end_key: str
    forward: bool = strawberry.field(description="Followed from start to end along the path.")
    date: Date | None = strawberry.field(
        description="A referral's date, since when an employee knows a person."
    )
    channel: str | None
    incentive: float | None
    strength: float | None
    title: str | None
    role: str | None
    roles: list[str]


@strawberry.type(description="A simple path: `edges[i]` links `nodes[i]` and `nodes[i + 1]`.")
class ConnectionPath:
    hops: int
    nodes: list[PathNode]
    edges: list[PathEdge]


@strawberry.type(description="The shortest paths between two parties, shortest first.")
class Connections:
    source: TraversalParty
    target: TraversalParty
    paths: list[ConnectionPath]


def path_node(n: paths.PathNode) -> PathNode:
    family = _NODE_FAMILIES.get(n.label)
    return PathNode(
        id=None if family is None else strawberry.ID(global_id(family, n.id)),
        key=n.id,
        label=n.label,
        name=n.name,
        roles=[PartyRole(r.upper()) for r in n.roles],
        at=DateTime(n.at),
        channel=n.channel,
    )


def path_edge(e: paths.PathEdge) -> PathEdge:
    return PathEdge(
        link=e.link, type=e.type, start_key=e.start_id, end_key=e.end_id, forward=e.forward,
        date=Date(e.date), channel=e.channel, incentive=e.incentive, strength=e.strength,
        title=e.title, role=e.role, roles=list(e.roles),
    )  # fmt: skip


async def resolve_connection_paths(
    info: Info[Context, None],
    from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
    to: strawberry.ID,
    k: int = 3,
    max_hops: int = 6,
    links: list[paths.Link] | None = None,
) -> Connections | None:
    source, target = _key(from_, Family.PARTY), _key(to, Family.PARTY)
    if source is None or target is None:
        return None
    chosen = paths.DEFAULT_LINKS if links is None else links
    ctx = info.context
    found = await _call(
        paths.connection_paths(
            ctx.driver, ctx.database, source, target, links=chosen, k=k, max_hops=max_hops,
            scope=ctx.scope, timeout=ctx.timeout,
        )
    )  # fmt: skip
    if found is None:
        return None
    return Connections(
        source=party(found.source),
        target=party(found.target),
        paths=[
            ConnectionPath(
                hops=p.hops,
                nodes=[path_node(n) for n in p.nodes],
                edges=[path_edge(e) for e in p.edges],
            )
            for p in found.paths
        ],
    )


# ---- next-product affinity ------------------------------------------------------------------


@strawberry.type(description="A product as the affinity traversals show it.")
class AffinityProduct:
    id: strawberry.ID = strawberry.field(description="Its global id.")
    key: str
    name: str | None
    category: str | None


def affinity_product(p: affinity.ProductRef) -> AffinityProduct:
    return AffinityProduct(
        id=strawberry.ID(global_id(Family.PRODUCT, p.id)),
        key=p.id,
        name=p.name,
        category=p.category,
    )


@strawberry.type(description="A product the buyers of the anchor product bought later.")
class NextProduct:
    product: AffinityProduct
    support: int = strawberry.field(description="Buyers of the anchor who later bought this.")
    share: float = strawberry.field(description="support / the anchor's buyers.")
    median_days: float = strawberry.field(description="Median days to the first later order.")


@strawberry.type(description="What the buyers of a product buy next, and after how long.")
class ProductAffinity:
    product: AffinityProduct
    buyers: int
    next: list[NextProduct] = strawberry.field(description="By support, median lag, then key.")


@strawberry.type(description="A product a customer is likely to buy next, and its evidence.")
class ProductSuggestion:
    product: AffinityProduct
    because: AffinityProduct = strawberry.field(
        description="The customer's product whose other buyers bought this one next."
    )
    bought_on: Date = strawberry.field(description="When the customer first ordered `because`.")
    buyers: int = strawberry.field(description="Other buyers of `because`.")
    support: int
    share: float
    median_days: float
    expected_on: Date = strawberry.field(description="boughtOn + medianDays (whole days).")


@strawberry.type(description="The products a customer is likely to buy next, likeliest first.")
class CustomerAffinity:
    customer: TraversalParty
    suggestions: list[ProductSuggestion]


async def resolve_next_products(
    info: Info[Context, None], product: strawberry.ID, first: int = 10
) -> ProductAffinity | None:
    key = _key(product, Family.PRODUCT)
    if key is None:
        return None
    ctx = info.context
    found = await _call(
        affinity.next_products(
            ctx.driver, ctx.database, key, first=first, scope=ctx.scope, timeout=ctx.timeout
        )
    )
    if found is None:
        return None
    return ProductAffinity(
        product=affinity_product(found.product),
        buyers=found.buyers,
        next=[
            NextProduct(
                product=affinity_product(n.product),
                support=n.support,
                share=n.share,
                median_days=n.median_days,
            )
            for n in found.next
        ],
    )


async def resolve_likely_next_products(
    info: Info[Context, None], customer: strawberry.ID, first: int = 10
) -> CustomerAffinity | None:
    key = _key(customer, Family.PARTY)
    if key is None:
        return None
    ctx = info.context
    found = await _call(
        affinity.likely_next(
            ctx.driver, ctx.database, key, first=first, scope=ctx.scope, timeout=ctx.timeout
        )
    )
    if found is None:
        return None
    return CustomerAffinity(
        customer=party(found.customer),
        suggestions=[
            ProductSuggestion(
                product=affinity_product(s.product), because=affinity_product(s.because), bought_on=Date(s.bought_on),
                buyers=s.buyers, support=s.support, share=s.share, median_days=s.median_days,
                expected_on=Date(s.expected_on),
            )
            for s in found.suggestions
        ],
    )  # fmt: skip


# ---- helpers --------------------------------------------------------------------------------


def _key(id: str, family: Family) -> str | None:
    """The key of a global id of `family`; None for another family (BAD_USER_INPUT if malformed)."""
    found, key = parse_id(id, family)
    return key if found is family else None


async def _call(pending: Awaitable[T]) -> T:
    """A traversal's answer; its argument and read errors as client errors."""
    try:
        return await pending
    except ValueError as exc:
        raise ClientError(str(exc), Code.BAD_USER_INPUT) from exc
    except ReadError as exc:
        raise client_error(exc) from exc
