"""Deals: opportunities with their own buying committee."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from schema import resolvers
from schema.context import Context
from schema.descriptions import KEY
from schema.meta import KEY_FIELD, follow, resolved
from schema.relay import After, Before, First, Last, Node
from schema.scalars import Date

if TYPE_CHECKING:
    from schema.committee_edges import CommitteeMemberConnection
    from schema.parties import Organization

OrganizationRef = Annotated["Organization", strawberry.lazy("schema.parties")]
CommitteeRef = Annotated["CommitteeMemberConnection", strawberry.lazy("schema.committee_edges")]


@strawberry.type(description="An opportunity with an account.")
class Deal(Node):
    FAMILY: ClassVar[Family] = Family.DEAL
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    name: str | None = strawberry.field(description="Its name.")
    stage: str | None = strawberry.field(description="Its sales stage, as the source states it.")
    amount: float | None = strawberry.field(description="Its amount, in `currency`.")
    currency: str | None = strawberry.field(description="ISO 4217.")
    opened_at: Date | None = strawberry.field(description="When it was opened.")

    @resolved(metadata=follow("deal_account"), description="The account it is with.")
    async def account(self, info: Info[Context, None]) -> OrganizationRef | None:
        from schema.parties import Organization  # imports this module

        return await resolvers.single(info, self, "deal_account", node=Organization)

    @resolved(
        metadata=follow("committee"),
        description="Its buying committee's seats, one edge per seat record: a person seated by "
        "two sources is two edges, so `totalCount` counts seats (people: `dealCommittee.people`).",
    )
    async def committee(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> CommitteeRef:  # fmt: skip
        from schema.committee_edges import CommitteeMemberConnection, CommitteeMemberEdge

        return await resolvers.connection(
            info, self, "committee", first, after, last, before,
            edge=CommitteeMemberEdge, wrap=CommitteeMemberConnection,
        )  # fmt: skip


resolvers.register(Deal)
