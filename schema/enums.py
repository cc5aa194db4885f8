"""Enums: a GraphQL name for each value the graph stores (the value is what Neo4j holds).

The domain enums the loaders validate against live in `graph/ingest/records.py`; this module only names
them for GraphQL."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from graph.ingest.records import Channel, CommitteeRole, Direction, PartnerType
from graph.ingest.records import Status as CustomerStatus
from schema.descriptions import describe_values

__all__ = ["Channel", "CommitteeRole", "CustomerStatus", "Direction", "PartnerType"]


@strawberry.enum(description="What kind of party: an individual, a household or a firm.")
class PartyKind(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    ORGANIZATION = "organization"


describe_values(
    PartyKind,
    PERSON="An individual.",
    HOUSEHOLD="A household: people living together, linked by `MEMBER_OF`.",
    ORGANIZATION="A firm or other organization (a business account).",
)


@strawberry.enum(description="The roles a party plays with us (its extra labels).")
class PartyRole(StrEnum):
    CUSTOMER = "CUSTOMER"  # the labels, upper-cased in Cypher (`positions.roles`)
    BROKER = "BROKER"
    EMPLOYEE = "EMPLOYEE"


describe_values(
    PartyRole,
    CUSTOMER="Buys from us, or may (prospects are customers too).",
    BROKER="A partner who refers customers to us.",
    EMPLOYEE="One of our own staff.",
)


strawberry.enum(
    CustomerStatus, name="CustomerStatus", description="Where a customer stands with us."
)
describe_values(
    CustomerStatus,
    PROSPECT="Known to us, has not bought yet.",
    ACTIVE="A current customer.",
    FORMER="Was a customer and left (churned).",
)


strawberry.enum(Channel, description="The channel of an interaction.")
describe_values(
    Channel,
    EMAIL="An e-mail.",
    PHONE="A phone call.",
    WEB="A visit or action on our website.",
    SOCIAL="A social-media exchange.",
    SUPPORT="A support case.",
    MEETING="A meeting, in person or online.",
    CHAT="A chat conversation.",
    SURVEY="A survey answer.",
)


strawberry.enum(Direction, description="Who started an interaction.")
describe_values(Direction, INBOUND="The party contacted us.", OUTBOUND="We contacted the party.")


strawberry.enum(PartnerType, description="What kind of partner a broker is.")
describe_values(
    PartnerType,
    BROKER="An intermediary who refers customers to us.",
    DISTRIBUTOR="A reseller of our products.",
    PARTNER="Another business partner who refers customers.",
)


strawberry.enum(CommitteeRole, description="A role on a buying committee.")
describe_values(
    CommitteeRole,
    DECISION_MAKER="Makes the final buying decision.",
    ECONOMIC_BUYER="Controls the budget and signs off the spend.",
    CHAMPION="Promotes our offer inside the account.",
    INFLUENCER="Shapes the decision without making it.",
    USER="Will use what is bought.",
    GATEKEEPER="Controls access to the decision makers.",
    BLOCKER="Opposes the purchase.",
)


@strawberry.enum(description="Sort direction; nulls come last ascending and first descending.")
class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


describe_values(SortDirection, ASC="Smallest first.", DESC="Largest first.")


@strawberry.enum(description="What `customers` can be sorted on (then by id).")
class CustomerSortField(StrEnum):
    ID = "id"
    NAME = "name"
    KIND = "kind"
    STATUS = "status"
    SEGMENT = "segment"
    COUNTRY = "country"
    CREATED_AT = "createdAt"
    LAST_ACTIVITY = "lastActivity"
    CLV = "clv"
    CHURN_RISK = "churnRisk"
    REVENUE = "revenue"
    LIFECYCLE_STAGE = "lifecycleStage"


describe_values(
    CustomerSortField,
    ID="The party key.",
    NAME="The display name.",
    KIND="Person, household or organization.",
    STATUS="Prospect, active or former.",
    SEGMENT="The segment from the sources.",
    COUNTRY="The ISO 3166 country code.",
    CREATED_AT="When the relationship began (`createdAt`).",
    LAST_ACTIVITY="The latest interaction's or order's UTC date (computed live).",
    CLV="The stored customer lifetime value, in the customer's currency.",
    CHURN_RISK="The stored churn risk, 1 - P(alive), from 0 to 1.",
    REVENUE="The stored total of the customer's orders, in its currency.",
    LIFECYCLE_STAGE="The stored lifecycle stage.",
)


@strawberry.enum(description="Net Promoter category of the latest 0-10 answer (Reichheld 2003).")
class NpsCategory(StrEnum):
    PROMOTER = "promoter"  # 9-10
    PASSIVE = "passive"  # 7-8
    DETRACTOR = "detractor"  # 0-6


describe_values(
    NpsCategory,
    PROMOTER="Answered 9 or 10.",
    PASSIVE="Answered 7 or 8.",
    DETRACTOR="Answered 0 to 6.",
)


@strawberry.enum(
    description="Where a customer is in its lifecycle; the first rule that holds wins: LAPSED "
    "(status former), ACQUISITION (no purchase yet), ADVOCACY (has referred a customer, or its "
    "latest NPS answer is 9-10), NURTURING (one purchase, or the first is under 90 days old), "
    "EXPANSION (spend in the last 180 days exceeds the 180 days before), RETENTION (the rest)."
)
class LifecycleStage(StrEnum):
    ACQUISITION = "acquisition"
    NURTURING = "nurturing"
    RETENTION = "retention"
    EXPANSION = "expansion"
    ADVOCACY = "advocacy"
    LAPSED = "lapsed"


describe_values(
    LifecycleStage,
    ACQUISITION="No purchase yet.",
    NURTURING="One purchase, or the first is under 90 days old.",
    RETENTION="A repeat customer whose spend is not growing.",
    EXPANSION="Spend in the last 180 days exceeds the 180 days before.",
    ADVOCACY="Has referred a customer, or its latest NPS answer is 9-10.",
    LAPSED="Its status is former.",
)


@strawberry.enum(
    description="Customer value (CLV) against referral value, each split at the median over the "
    "customers scored (Kumar, Petersen & Leone 2007); high means above the median and above zero: "
    "CHAMPION (high, high), AFFLUENT (high CLV), ADVOCATE (high referral value), MISER (low, low)."
)
class ValueQuadrant(StrEnum):
    CHAMPION = "champion"
    AFFLUENT = "affluent"
    ADVOCATE = "advocate"
    MISER = "miser"


describe_values(
    ValueQuadrant,
    CHAMPION="High CLV and high referral value.",
    AFFLUENT="High CLV, low referral value.",
    ADVOCATE="Low CLV, high referral value.",
    MISER="Low CLV and low referral value.",
)


@strawberry.enum(
    description="A fitted value model: BGNBD (purchase counts and dropout), GAMMA_GAMMA (spend "
    "per purchase)."
)
class ValueModelKind(StrEnum):
    BGNBD = "bgnbd"
    GAMMA_GAMMA = "gammagamma"


describe_values(
    ValueModelKind,
    BGNBD="BG/NBD: how many purchases a customer makes and when it drops out (Fader, Hardie "
    "& Lee 2005).",
    GAMMA_GAMMA="Gamma-Gamma: the spend per purchase (Fader, Hardie & Lee 2005).",
)


@strawberry.enum(
    description="How `portfolio` groups its customers: not at all, by segment, by lifecycle "
    "stage, or by the nearest broker up the referral chain."
)
class KpiGroup(StrEnum):
    NONE = "none"
    SEGMENT = "segment"
    LIFECYCLE_STAGE = "lifecycleStage"
    BROKER = "broker"


describe_values(
    KpiGroup,
    NONE="One entry for all the customers.",
    SEGMENT="One entry per segment.",
    LIFECYCLE_STAGE="One entry per lifecycle stage.",
    BROKER="One entry per nearest broker up the referral chain.",
)
