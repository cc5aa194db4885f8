"""`buyingCommittee` and `dealCommittee`: the buying committee of an account or of a deal
(`graph.traversals.committees`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import committees
from schema.context import Context
from schema.descriptions import describe_values
from schema.enums import CommitteeRole
from schema.ids import global_id
from schema.meta import resolved
from schema.relay import CURSOR, After, Before, First, Last, PageInfo
from schema.scalars import Date, DateTime
from schema.traversals.common import TraversalParty, mirror, mirrors, run
from schema.traversals.pages import page_list

AsOf = Annotated[
    Date | None,
    strawberry.argument(
        description="The day (UTC) whose end the committee is taken at; null: the graph's "
        "today (`c360 db today`), else now."
    ),
]

strawberry.enum(
    committees.Trend,
    name="SentimentTrend",
    description="Recent sentiment against the window before.",
)
describe_values(
    committees.Trend,
    RISING="Average sentiment rose by more than 0.1.",
    STEADY="Average sentiment moved by 0.1 or less.",
    FALLING="Average sentiment fell by more than 0.1.",
    UNKNOWN="No sentiment in one of the two windows.",
)
strawberry.enum(committees.GapReason, name="CommitteeGapReason", description="Why a role is a gap.")
describe_values(
    committees.GapReason,
    MISSING="A required role nobody on the committee holds.",
    DISENGAGED="The role's holders had no interaction in the recent window.",
)


@mirrors(committees.Acquaintance)
@strawberry.type(description="One of our employees who knows a committee member.")
class Acquaintance:
    employee: TraversalParty = strawberry.field(description="The employee.")
    strength: float | None = strawberry.field(
        description="How well they know the member (from the `KNOWS` relationship)."
    )
    since: Date | None = strawberry.field(description="Since when they know the member.")


@mirrors(committees.Engagement)
@strawberry.type(description="A member's interactions and sentiment in two consecutive windows.")
class Engagement:
    last_interaction: DateTime | None = strawberry.field(
        description="The member's latest interaction at or before `asOf`."
    )
    interactions: int = strawberry.field(description="In the window ending at `asOf`.")
    interactions_previous: int = strawberry.field(description="In the window before.")
    sentiment: float | None = strawberry.field(
        description="Average sentiment of the window's interactions; null without any."
    )
    sentiment_previous: float | None = strawberry.field(
        description="Average sentiment in the window before."
    )
    trend: committees.Trend = strawberry.field(
        description="`sentiment` against `sentimentPrevious`."
    )


@mirrors(committees.Member, committee_manager_key=lambda m: m.committee_manager_id)
@strawberry.type(description="A member of a buying committee (its seats merged).")
class CommitteeMember:
    person: TraversalParty = strawberry.field(description="The member.")
    roles: list[CommitteeRole] = strawberry.field(
        description="Its committee roles, all seats merged."
    )
    influence: float | None = strawberry.field(
        description="The highest influence of its seats, 0..1."
    )
    primary: bool = strawberry.field(description="True when one of its seats is primary.")
    seats: list[str] = strawberry.field(description="Source records of its seats.")
    title: str | None = strawberry.field(description="Its job title at the organization.")
    department: str | None = strawberry.field(description="Its department at the organization.")
    manager: TraversalParty | None = strawberry.field(
        description="Its direct manager, on the committee or not."
    )
    reporting_line: list[TraversalParty] = strawberry.field(
        description="Its manager, its manager's manager, ..."
    )
    committee_manager_key: str | None = strawberry.field(
        description="The nearest manager in its line who is a member."
    )
    engagement: Engagement = strawberry.field(description="Its recent interactions and sentiment.")
    known_by: list[Acquaintance] = strawberry.field(description="Strongest first.")


@mirrors(committees.RoleCoverage)
@strawberry.type(description="How many members hold a role, and how many of them are engaged.")
class RoleCoverage:
    role: CommitteeRole = strawberry.field(description="The role.")
    members: int = strawberry.field(description="Members holding it.")
    engaged: int = strawberry.field(
        description="Of them, those with an interaction in the recent window."
    )
    last_interaction: DateTime | None = strawberry.field(
        description="The latest interaction of its holders."
    )


@mirrors(committees.Gap)
@strawberry.type(description="A required role nobody holds, or a role whose holders disengaged.")
class CommitteeGap:
    role: CommitteeRole = strawberry.field(description="The role.")
    reason: committees.GapReason = strawberry.field(description="Why it is a gap.")
    last_interaction: DateTime | None = strawberry.field(
        description="The holders' latest interaction; null when the role is missing."
    )


@strawberry.type(description="A member of a buying committee and its cursor.")
class CommitteePersonEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: CommitteeMember = strawberry.field(description="The member (its seats merged).")


@strawberry.type(
    description="A page of a buying committee's members (people, their seats merged), primary "
    "first, by influence."
)
class CommitteePeopleConnection:
    edges: list[CommitteePersonEdge] = strawberry.field(description="The members of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    total_count: int = strawberry.field(description="Members of the whole committee (people).")


@strawberry.type(description="The buying committee of an account or of a deal.")
class BuyingCommittee:
    id: strawberry.ID = strawberry.field(description="The account's or the deal's global id.")
    key: str = strawberry.field(description="The account's or the deal's graph id.")
    name: str | None = strawberry.field(description="The account's or the deal's name.")
    kind: str = strawberry.field(description="`account` or `deal`.")
    account: TraversalParty | None = strawberry.field(
        description="The account (for a deal, the one it is for)."
    )
    owners: list[TraversalParty] = strawberry.field(description="Employees owning the account.")
    as_of: DateTime = strawberry.field(description="The instant the committee is taken at.")
    members: list[CommitteeMember] = strawberry.field(
        description="Primary first, by influence.",
        deprecation_reason="Use `people` (the same members as a connection); removed in the next "
        "release.",
    )
    coverage: list[RoleCoverage] = strawberry.field(
        description="One entry per role, in `CommitteeRole` order."
    )
    gaps: list[CommitteeGap] = strawberry.field(description="Roles missing or disengaged.")

    @resolved(
        description="Its members (people, their seats merged), primary first, by influence, as a "
        "connection (`totalCount`: the people, as `committeeSize`)."
    )
    def people(
        self, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> CommitteePeopleConnection:
        found = page_list(
            self.members, lambda m: m.person.key, f"members:{self.key}", first, after, last, before
        )
        edges = [CommitteePersonEdge(cursor=c, node=m) for c, m in found.items]
        return CommitteePeopleConnection(
            edges=edges, page_info=found.page_info, total_count=found.total
        )


def buying_committee(c: committees.Committee) -> BuyingCommittee:
    family = Family.DEAL if c.kind == "deal" else Family.PARTY
    return mirror(c, BuyingCommittee, id=strawberry.ID(global_id(family, c.id)), key=c.id)


def end_of_day(value: object) -> dt.datetime | None:
    """A date as the last instant of that day in UTC (None for None)."""
    if value is None:
        return None
    assert isinstance(value, dt.date)
    return dt.datetime.combine(value, dt.time.max, dt.UTC)


async def resolve_buying_committee(
    info: Info[Context, None],
    account: Annotated[
        strawberry.ID, strawberry.argument(description="The organization's global id or key.")
    ],
    as_of: AsOf = None,
) -> BuyingCommittee | None:
    return await run(
        info, committees.account_committee, [(account, Family.PARTY)], buying_committee,
        as_of=end_of_day(as_of),
    )  # fmt: skip


async def resolve_deal_committee(
    info: Info[Context, None],
    deal: Annotated[strawberry.ID, strawberry.argument(description="The deal's global id or key.")],
    as_of: AsOf = None,
) -> BuyingCommittee | None:
    return await run(
        info, committees.deal_committee, [(deal, Family.DEAL)], buying_committee,
        as_of=end_of_day(as_of),
    )  # fmt: skip
