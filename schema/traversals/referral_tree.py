"""`referralTree`: one page of everyone a customer or broker referred
(`graph.traversals.referral_tree`), and the page cursors it shares with `partnerNetwork`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import referral_tree
from schema.context import Context
from schema.cursors import decode_tree_cursor as decode_cursor
from schema.cursors import encode_tree_cursor as encode_cursor
from schema.descriptions import describe_values
from schema.relay import CURSOR, PageInfo
from schema.traversals.common import TraversalParty, mirror, run
from schema.traversals.referrals import ReferralHop

strawberry.enum(
    referral_tree.TreeOrder,
    name="ReferralTreeOrder",
    description="Orders of a referral tree's pages (ties broken by party key).",
)
describe_values(
    referral_tree.TreeOrder,
    DEPTH="Shallowest first.",
    SUBTREE_SIZE="Largest subtree first.",
    SUBTREE_REVENUE="Most subtree revenue first.",
)


@strawberry.type(description="A party of a referral tree, with its subtree's size and revenue.")
class ReferralTreeNode:
    party: TraversalParty = strawberry.field(description="The party.")
    depth: int = strawberry.field(description="1 for the parties the root referred itself.")
    parent_key: str = strawberry.field(description="The referrer one level up.")
    referral: ReferralHop | None = strawberry.field(description="The parent's referral of it.")
    revenue: float = strawberry.field(
        description="Its stored `revenue` metric (each in its party's currency, 0 if missing)."
    )
    subtree_size: int = strawberry.field(description="It and everyone below it.")
    subtree_revenue: float = strawberry.field(
        description="Revenue of it and everyone below it (summed as `revenue`)."
    )
    cursor: str = strawberry.field(
        description="Its position in this `order`; pass it as `after` to page on from here."
    )


@strawberry.type(description="A party of a referral tree and its cursor.")
class ReferralTreeEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: ReferralTreeNode = strawberry.field(description="The party and its subtree.")


@strawberry.type(
    description="A page of referral tree parties in the `order` asked, paged forward with `first` "
    "and `after` on the field that made it."
)
class ReferralTreeConnection:
    edges: list[ReferralTreeEdge] = strawberry.field(description="The parties of this page.")
    page_info: PageInfo = strawberry.field(
        description="Where this page stands (`hasPreviousPage`: an `after` cursor was given)."
    )
    total_count: int = strawberry.field(description="The parties of the whole list.")


DEPRECATED = "Use the connection fields (`edges`, `pageInfo`); removed in the next release."


@strawberry.type(
    description="One page of the referral tree below a customer or a broker: a connection "
    "(`edges`, `pageInfo`, `totalCount`) with the tree's figures."
)
class ReferralTree:
    root: TraversalParty = strawberry.field(
        description="The customer or broker the tree starts at."
    )
    depth: int = strawberry.field(description="The depth cap asked for.")
    size: int = strawberry.field(description="Parties in the tree, the root excluded.")
    revenue: float = strawberry.field(
        description="Sum of the parties' `revenue` (each in its party's currency, 0 if missing)."
    )
    deepest: int = strawberry.field(
        description="The greatest depth reached (0 when the root referred nobody)."
    )
    capped: bool = strawberry.field(description="Parties at the cap referred others beyond it.")
    order: referral_tree.TreeOrder = strawberry.field(description="The order of `edges`.")
    edges: list[ReferralTreeEdge] = strawberry.field(description="This page of the tree.")
    page_info: PageInfo = strawberry.field(
        description="Where this page stands (`hasPreviousPage`: an `after` cursor was given)."
    )
    total_count: int = strawberry.field(description="Parties in the tree, the root excluded.")
    nodes: list[ReferralTreeNode] = strawberry.field(
        description="This page of the tree.", deprecation_reason=DEPRECATED
    )
    has_next_page: bool = strawberry.field(
        description="True when more nodes follow.", deprecation_reason=DEPRECATED
    )
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` (same `order`) for the next page; null when none.",
        deprecation_reason=DEPRECATED,
    )


def tree_node(n: referral_tree.TreeNode, order: referral_tree.TreeOrder) -> ReferralTreeNode:
    return mirror(
        n, ReferralTreeNode, parent_key=n.parent_id, cursor=encode_cursor(order, n.cursor)
    )


def end_cursor(order: referral_tree.TreeOrder, c: referral_tree.TreeCursor | None) -> str | None:
    return None if c is None else encode_cursor(order, c)


def page(
    nodes: list[ReferralTreeNode], has_next: bool, after: str | None, total: int
) -> ReferralTreeConnection:
    """A page of tree nodes as a connection (tree pages go forward only)."""
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=nodes[0].cursor if nodes else None,
        end_cursor=nodes[-1].cursor if nodes else None,
    )
    edges = [ReferralTreeEdge(cursor=n.cursor, node=n) for n in nodes]
    return ReferralTreeConnection(edges=edges, page_info=info, total_count=total)


def tree(
    found: referral_tree.ReferralTree, order: referral_tree.TreeOrder, after: str | None
) -> ReferralTree:
    nodes = [tree_node(n, order) for n in found.nodes]
    conn = page(nodes, found.has_next, after, found.size)
    return mirror(
        found, ReferralTree, nodes=nodes, edges=conn.edges, page_info=conn.page_info,
        total_count=found.size, has_next_page=found.has_next,
        end_cursor=end_cursor(order, found.end_cursor),
    )  # fmt: skip


async def resolve_referral_tree(
    info: Info[Context, None],
    root_: Annotated[
        strawberry.ID,
        strawberry.argument(
            name="root", description="The customer's or broker's global id or key."
        ),
    ],
    depth: Annotated[
        int, strawberry.argument(description="How many referral levels down (1 to 10).")
    ] = 10,
    first: Annotated[int, strawberry.argument(description="Nodes per page (1 to 1000).")] = 100,
    after: Annotated[
        str | None,
        strawberry.argument(description="The `endCursor` of the previous page, in this `order`."),
    ] = None,
    order: Annotated[
        referral_tree.TreeOrder, strawberry.argument(description="The order of `edges`.")
    ] = referral_tree.TreeOrder.DEPTH,
) -> ReferralTree | None:
    chosen = order
    return await run(
        info, referral_tree.referral_tree, [(root_, Family.PARTY)],
        lambda found: tree(found, chosen, after), depth=depth, order=chosen, first=first,
        after=decode_cursor(after, chosen),
    )  # fmt: skip
