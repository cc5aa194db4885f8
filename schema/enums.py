"""Enums: a GraphQL name for each value the graph stores (the value is what Neo4j holds)."""

from __future__ import annotations

from enum import StrEnum

import strawberry


@strawberry.enum(description="What kind of party: an individual, a household or a firm.")
class PartyKind(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    ORGANIZATION = "organization"


@strawberry.enum(description="The roles a party plays with us (its extra labels).")
class PartyRole(StrEnum):
    CUSTOMER = "CUSTOMER"  # the labels, upper-cased in Cypher (`positions.roles`)
    BROKER = "BROKER"
    EMPLOYEE = "EMPLOYEE"


@strawberry.enum(description="Where a customer stands with us.")
class CustomerStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    FORMER = "former"


@strawberry.enum(description="The channel of an interaction.")
class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    SOCIAL = "social"
    SUPPORT = "support"
    MEETING = "meeting"
    CHAT = "chat"
    SURVEY = "survey"


@strawberry.enum(description="Who started an interaction.")
class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@strawberry.enum(description="What kind of partner a broker is.")
class PartnerType(StrEnum):
    BROKER = "broker"
    DISTRIBUTOR = "distributor"
    PARTNER = "partner"


@strawberry.enum(description="A role on a buying committee.")
class CommitteeRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    CHAMPION = "champion"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    BLOCKER = "blocker"


@strawberry.enum(description="Sort direction; nulls come last ascending and first descending.")
class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


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


@strawberry.enum(description="Net Promoter category of the latest 0-10 answer (Reichheld 2003).")
class NpsCategory(StrEnum):
    PROMOTER = "promoter"  # 9-10
    PASSIVE = "passive"  # 7-8
    DETRACTOR = "detractor"  # 0-6


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


@strawberry.enum(
    description="A fitted value model: BGNBD (purchase counts and dropout), GAMMA_GAMMA (spend "
    "per purchase)."
)
class ValueModelKind(StrEnum):
    BGNBD = "bgnbd"
    GAMMA_GAMMA = "gammagamma"


@strawberry.enum(
    description="How `portfolio` groups its customers: not at all, by segment, by lifecycle "
    "stage, or by the nearest broker up the referral chain."
)
class KpiGroup(StrEnum):
    NONE = "none"
    SEGMENT = "segment"
    LIFECYCLE_STAGE = "lifecycleStage"
    BROKER = "broker"
