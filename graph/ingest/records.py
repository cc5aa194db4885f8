"""Validated source records, one pydantic model per entity a source file can hold.

A mapping turns a raw row into a dict of field values; the entity's model validates it. References to
other records (`customer`, `product`, ...) are already qualified as `system:recordId` by the mapping.
Every text field holds at most `MAX_TEXT` characters (a survey comment `MAX_LONG_TEXT`), whatever
the source: a file's row over it is rejected, an API input refused.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from graph.ingest import normalize

MAX_TEXT = 500  # characters of any text field of a record (ids, names, types, channels...)
MAX_LONG_TEXT = 5_000  # characters of a free comment (a survey response's)

NonEmpty = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
LongText = Annotated[str, Field(max_length=MAX_LONG_TEXT)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Status(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    FORMER = "former"


class PartnerType(StrEnum):
    BROKER = "broker"
    DISTRIBUTOR = "distributor"
    PARTNER = "partner"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    SOCIAL = "social"
    SUPPORT = "support"
    MEETING = "meeting"
    CHAT = "chat"
    SURVEY = "survey"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CommitteeRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    CHAMPION = "champion"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    BLOCKER = "blocker"


class Record(BaseModel):
    """Fields every record has: its qualified id and the source's own timestamp, if any."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, str_max_length=MAX_TEXT
    )

    id: NonEmpty
    source_ts: dt.datetime | None = None


class PartyFields(Record):
    name: str | None = None
    email: str | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None  # before phone: it reads it
    phone: str | None = None
    created_at: dt.date | None = None
    external_ids: tuple[str, ...] = ()

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        found = normalize.email(value)
        if found is None:
            raise ValueError(f"not an email address: {value!r}")
        return found

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        found = normalize.phone(value, info.data.get("country") or "US")
        if found is None:
            raise ValueError(f"not a phone number: {value!r}")
        return found


class CustomerFields(PartyFields):
    status: Status | None = None
    segment: str | None = None
    owner: str | None = None  # employee record id: OWNS_ACCOUNT


class PersonRecord(CustomerFields):
    given_name: str | None = None
    surname: str | None = None
    date_of_birth: dt.date | None = None
    street_number: str | None = None
    street: str | None = None
    locality: str | None = None
    postcode: str | None = None
    state: str | None = None
    national_id: str | None = None
    household: str | None = None  # household record id: MEMBER_OF
    household_role: str | None = None
    employer: str | None = None  # organization record id: WORKS_FOR
    title: str | None = None
    department: str | None = None
    manager: str | None = None  # person record id: REPORTS_TO
    is_customer: bool = True  # False for contacts at a buying firm who are not customers themselves

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: dt.date | None) -> dt.date | None:
        if value and value > dt.date.today():
            raise ValueError(f"date of birth in the future: {value}")
        return value


class OrganizationRecord(CustomerFields):
    name: NonEmpty
    domain: str | None = None
    industry: str | None = None
    size: Annotated[int, Field(ge=0)] | None = None
    parent: str | None = None  # organization record id: SUBSIDIARY_OF


class HouseholdRecord(CustomerFields):
    pass


class BrokerRecord(PartyFields):
    name: NonEmpty
    partner_type: PartnerType = PartnerType.BROKER
    organization: bool = True  # False for an individual broker


class EmployeeRecord(PartyFields):
    name: NonEmpty
    title: str | None = None
    team: str | None = None


class ProductRecord(Record):
    name: NonEmpty
    category: str | None = None
    price: Money | None = None
    currency: Currency | None = None


class OrderRecord(Record):
    customer: NonEmpty
    date: dt.date
    amount: Money
    currency: Currency = "USD"
    quantity: Annotated[int, Field(ge=0)] | None = None
    status: str | None = None


class OrderLineRecord(Record):
    order: NonEmpty
    product: NonEmpty
    line_no: Annotated[int, Field(ge=1)] | None = None
    quantity: Annotated[int, Field(ge=1)]
    amount: Money
    currency: Currency = "USD"


class InteractionRecord(Record):
    customer: NonEmpty
    at: dt.datetime
    channel: Channel
    direction: Direction | None = None
    type: str | None = None
    outcome: str | None = None
    sentiment: Annotated[float, Field(ge=-1, le=1)] | None = None
    product: str | None = None
    employee: str | None = None


class SurveyResponseRecord(Record):
    customer: NonEmpty
    at: dt.datetime
    score: Annotated[int, Field(ge=0, le=10)]
    survey: str | None = None
    comment: LongText | None = None


class ReferralRecord(Record):
    referrer: NonEmpty
    referred: NonEmpty
    date: dt.date
    channel: str | None = None
    incentive: Money | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _not_self(self) -> ReferralRecord:
        if self.referrer == self.referred:
            raise ValueError("a party cannot refer itself")
        return self


class CommitteeRecord(Record):
    person: NonEmpty
    account: str | None = None  # organization record id
    deal: str | None = None  # deal record id
    roles: tuple[CommitteeRole, ...] = Field(min_length=1)
    influence: Annotated[float, Field(ge=0, le=1)] | None = None
    primary: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> CommitteeRecord:
        if (self.account is None) == (self.deal is None):
            raise ValueError("a committee seat needs exactly one of account or deal")
        return self


class DealRecord(Record):
    account: NonEmpty
    name: str | None = None
    stage: str | None = None
    amount: Money | None = None
    currency: Currency | None = None
    opened_at: dt.date | None = None


class KnowsRecord(Record):
    employee: NonEmpty
    person: NonEmpty
    strength: Annotated[float, Field(ge=0, le=1)] | None = None
    since: dt.date | None = None


ENTITIES: dict[str, type[Record]] = {
    "person": PersonRecord,
    "organization": OrganizationRecord,
    "household": HouseholdRecord,
    "broker": BrokerRecord,
    "employee": EmployeeRecord,
    "product": ProductRecord,
    "order": OrderRecord,
    "order_line": OrderLineRecord,
    "interaction": InteractionRecord,
    "survey_response": SurveyResponseRecord,
    "referral": ReferralRecord,
    "committee": CommitteeRecord,
    "deal": DealRecord,
    "knows": KnowsRecord,
}

# Entities whose records are parties: they go through identity resolution.
PARTY_ENTITIES = frozenset({"person", "organization", "household", "broker", "employee"})

# Fields holding references to other records (qualified with a system by the mapping).
REFERENCE_FIELDS = frozenset(
    {
        "owner", "household", "employer", "manager", "parent", "customer", "order", "product",
        "employee", "referrer", "referred", "person", "account", "deal",
    }
)  # fmt: skip


def field_names(entity: str) -> set[str]:
    return set(ENTITIES[entity].model_fields)


@cache
def essential_fields(entity: str) -> frozenset[str]:
    """The fields a record of this entity cannot exist without: its id, the fields the model requires,
    and those it defaults to a value (a bad `currency` must not silently become USD). A bad value in any
    other field is set to null by the loader and reported as a field issue. Worked out once per
    entity: the loader asks for every row (4.6% of a 100k load's Python, py-spy)."""
    return frozenset(
        name
        for name, info in ENTITIES[entity].model_fields.items()
        if name == "id" or info.is_required() or info.default not in (None, ())
    )


def dump(record: Record) -> dict[str, Any]:
    """The record as JSON-ready values (dates as ISO strings), without nulls."""
    return record.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
