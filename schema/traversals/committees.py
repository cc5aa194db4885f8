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
from schema.scalars import Date, DateTime
from schema.traversals.common import TraversalParty, mirror, mirrors, run

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
    employee: TraversalParty
    strength: float | None
    since: Date | None


@mirrors(committees.Engagement)
@strawberry.type(description="A member's interactions and sentiment in two consecutive windows.")
class Engagement:
    last_interaction: DateTime | None
    interactions: int = strawberry.field(description="In the window ending at `asOf`.")
    interactions_previous: int = strawberry.field(description="In the window before.")
    sentiment: float | None
    sentiment_previous: float | None
    trend: committees.Trend


@mirrors(committees.Member, committee_manager_key=lambda m: m.committee_manager_id)
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


@mirrors(committees.RoleCoverage)
@strawberry.type(description="How many members hold a role, and how many of them are engaged.")
class RoleCoverage:
    role: CommitteeRole
    members: int
    engaged: int
    last_interaction: DateTime | None


@mirrors(committees.Gap)
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
