"""The edges and wrappers of the parties' relationships that carry the relationship's own
properties: identities, referrals, household members, employments and contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema import descriptions as D
from schema.meta import TARGET_FIELD, prop
from schema.provenance import SourceRecord
from schema.relay import CURSOR, EdgeConnection
from schema.scalars import Date, DateTime

if TYPE_CHECKING:
    from schema.parties import Customer, Household, Organization, Party, Person

PartyRef = Annotated["Party", strawberry.lazy("schema.parties")]
CustomerRef = Annotated["Customer", strawberry.lazy("schema.parties")]
PersonRef = Annotated["Person", strawberry.lazy("schema.parties")]
HouseholdRef = Annotated["Household", strawberry.lazy("schema.parties")]
OrganizationRef = Annotated["Organization", strawberry.lazy("schema.parties")]


@strawberry.type(description="A source record of a party and how it was matched to it.")
class IdentityEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: SourceRecord = strawberry.field(metadata=TARGET_FIELD, description="The record.")
    rule: str | None = strawberry.field(
        description="The rule that matched it (`source`, `exact:email`, `fuzzy:person`, ...)."
    )
    score: float | None = strawberry.field(description="The match score, 0..1.")
    matched_at: DateTime | None = strawberry.field(
        metadata=prop("at"), description="When identity resolution last moved it here."
    )


@strawberry.type(name="IdentityConnection", description=D.EDGE_PAGE)
class IdentityConnection(EdgeConnection[IdentityEdge]):
    pass


@strawberry.type(description="A referral: who referred whom, when, through which channel.")
class ReferrerEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: PartyRef = strawberry.field(metadata=TARGET_FIELD, description="Who made the referral.")
    date: Date | None = strawberry.field(description=D.REFERRAL_DATE)
    channel: str | None = strawberry.field(description=D.REFERRAL_CHANNEL)
    incentive: float | None = strawberry.field(description=D.INCENTIVE)
    currency: str | None = strawberry.field(description=D.CURRENCY)


@strawberry.type(name="ReferrerConnection", description=D.EDGE_PAGE)
class ReferrerConnection(EdgeConnection[ReferrerEdge]):
    pass


@strawberry.type(description="A referral this party made.")
class ReferralEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: CustomerRef = strawberry.field(metadata=TARGET_FIELD, description="Who was referred.")
    date: Date | None = strawberry.field(description=D.REFERRAL_DATE)
    channel: str | None = strawberry.field(description=D.REFERRAL_CHANNEL)
    incentive: float | None = strawberry.field(description=D.INCENTIVE)
    currency: str | None = strawberry.field(description=D.CURRENCY)


@strawberry.type(name="ReferralConnection", description=D.EDGE_PAGE)
class ReferralConnection(EdgeConnection[ReferralEdge]):
    pass


@strawberry.type(description="A person's place in a household.")
class HouseholdMembership:
    role: str | None = strawberry.field(description=D.HOUSEHOLD_ROLE)
    household: HouseholdRef = strawberry.field(metadata=TARGET_FIELD, description="The household.")


@strawberry.type(description="A member of a household.")
class HouseholdMemberEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD, description="The member.")
    role: str | None = strawberry.field(description=D.HOUSEHOLD_ROLE)


@strawberry.type(name="HouseholdMemberConnection", description=D.EDGE_PAGE)
class HouseholdMemberConnection(EdgeConnection[HouseholdMemberEdge]):
    pass


@strawberry.type(description="Where a person works, and as what.")
class Employment:
    title: str | None = strawberry.field(description=D.JOB_TITLE)
    department: str | None = strawberry.field(description=D.DEPARTMENT)
    organization: OrganizationRef = strawberry.field(
        metadata=TARGET_FIELD, description="The employer."
    )


@strawberry.type(description="A person working for an organization.")
class ContactEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD, description="The person.")
    title: str | None = strawberry.field(description=D.JOB_TITLE)
    department: str | None = strawberry.field(description=D.DEPARTMENT)


@strawberry.type(name="ContactConnection", description=D.EDGE_PAGE)
class ContactConnection(EdgeConnection[ContactEdge]):
    pass
