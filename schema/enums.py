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
