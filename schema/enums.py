"""Enums: a GraphQL name for each value the graph stores (the value is what Neo4j holds).

The domain enums the loaders validate against live in `graph/ingest/records.py`; this module only names
them for GraphQL."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from graph.ingest.records import Channel, CommitteeRole, Direction, PartnerType
from graph.ingest.records import Status as CustomerStatus

__all__ = ["Channel", "CommitteeRole", "CustomerStatus", "Direction", "PartnerType"]


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


strawberry.enum(
    CustomerStatus, name="CustomerStatus", description="Where a customer stands with us."
)


strawberry.enum(Channel, description="The channel of an interaction.")


strawberry.enum(Direction, description="Who started an interaction.")


strawberry.enum(PartnerType, description="What kind of partner a broker is.")


strawberry.enum(CommitteeRole, description="A role on a buying committee.")


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
