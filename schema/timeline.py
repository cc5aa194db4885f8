"""`timeline` on every party: its interactions, orders, survey answers and the referrals it made,
in one connection, newest first, filterable by kind and channel (`graph/read/timeline.py`).

Runs on the executor: one statement for the page, one for its nodes (`nodes`' batch read, with
the caller's scope and masking). A referral's node is the customer it brought in.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.read.timeline import timeline
from graph.security.principal import ANONYMOUS
from schema import resolvers
from schema.access import allowed
from schema.context import Context
from schema.cursors import decode_cursor, encode_cursor
from schema.relay import After, Before, First, Last, Node, PageInfo, page_size
from schema.scalars import DateTime

TAG = "timeline"


@strawberry.enum(description="What a timeline entry is.")
class TimelineKind(Enum):
    INTERACTION = strawberry.enum_value("INTERACTION", description="An interaction it had.")
    ORDER = strawberry.enum_value(
        "ORDER", description="An order it placed (at its date, 00:00 UTC)."
    )
    SURVEY_RESPONSE = strawberry.enum_value(
        "SURVEY_RESPONSE", description="A survey answer it gave."
    )
    REFERRAL = strawberry.enum_value(
        "REFERRAL", description="A customer it referred (at the referral's date, 00:00 UTC)."
    )


@strawberry.type(description="One entry of a party's timeline.")
class TimelineEntry:
    kind: TimelineKind = strawberry.field(description="What it is.")
    at: DateTime | None = strawberry.field(
        description="When: an interaction's or answer's instant; an order's or referral's date at "
        "00:00 UTC; null for a referral without a date (listed last)."
    )
    channel: str | None = strawberry.field(
        description="The interaction's, answer's or referral's channel (`phone`, `partner`, …)."
    )
    node: Node | None = strawberry.field(
        description="The Interaction, Order, SurveyResponse, or the Customer referred; null when "
        "the caller may not see it."
    )


@strawberry.type(description="A timeline entry and its cursor.")
class TimelineEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` for the entries that follow, or as `before` for those before."
    )
    node: TimelineEntry = strawberry.field(description="The entry.")


@strawberry.type(description="One page of a party's timeline, newest first.")
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")


Kinds = Annotated[
    list[TimelineKind] | None, strawberry.argument(description="Only these kinds (null: all).")
]
Channels = Annotated[
    list[str] | None,
    strawberry.argument(description="Only entries on these channels (null: any)."),
]


REFERRALS = "Customer.referrals"  # the role matrix's rule for whom a party referred


async def resolve_timeline(
    root: Any,
    info: Info[Context, None],
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
    kind: Kinds = None,
    channel: Channels = None,
) -> TimelineConnection:
    size, backward = page_size(first, last)
    cursor = decode_cursor(TAG, after, 2) if after is not None else None
    end = decode_cursor(TAG, before, 2) if before is not None else None
    ctx = info.context
    kinds = [k.name for k in (kind if kind is not None else TimelineKind)]
    if not allowed(ctx.principal or ANONYMOUS, REFERRALS):
        kinds = [k for k in kinds if k != TimelineKind.REFERRAL.name]  # as `Customer.referrals`
    entries, more = await timeline(
        ctx.driver, ctx.database, root._key, size, cursor, kinds, channel, ctx.timeout, end,
        backward,
    )  # fmt: skip
    nodes = await resolvers.many(info, [(Family(e.family), e.key) for e in entries], node=Node)
    edges = [
        TimelineEdge(
            cursor=encode_cursor(TAG, e.sort),
            node=TimelineEntry(kind=TimelineKind[e.kind], at=e.at, channel=e.channel, node=n),
        )
        for e, n in zip(entries, nodes, strict=True)
        if n is not None  # an entry whose node is outside the caller's scope is not shown
    ]
    page_info = PageInfo(
        has_next_page=before is not None if backward else more,
        has_previous_page=more if backward else after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return TimelineConnection(edges=edges, page_info=page_info)
