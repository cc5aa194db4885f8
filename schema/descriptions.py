"""Descriptions of enum values, for enums Strawberry wraps after the fact.

`strawberry.enum_value(value, description=...)` cannot be a member of a `StrEnum` (its value must be
a string), and the domain enums of `graph/` must not import Strawberry; so each value's description
is set on the enum's Strawberry definition once `strawberry.enum` has wrapped it.
"""

from __future__ import annotations

from enum import Enum


def describe_values(enum: type[Enum], **texts: str) -> None:
    """Give the values of an enum already wrapped by `strawberry.enum` their descriptions, by
    member name; every name must be one of its members."""
    definition = getattr(enum, "__strawberry_definition__")  # noqa: B009 (set by strawberry.enum)
    unknown = set(texts) - {v.name for v in definition.values}
    if unknown:
        raise ValueError(f"{enum.__name__} has no value {sorted(unknown)}")
    for value in definition.values:
        if value.name in texts:
            value.description = texts[value.name]


# Texts shared by several fields (schema/parties.py is near the module size limit).
PII = " (null without the `pii` scope)"
EMAIL = "Its e-mail address, lower-cased" + PII + "."
REFERRAL_DATE = "When the referral was made."
REFERRAL_CHANNEL = "How the referral came, as the source states it."
INCENTIVE = "The incentive paid for the referral, in `currency`."
CURRENCY = "ISO 4217 code of `incentive`."
JOB_TITLE = "The person's job title there (`WORKS_FOR.title`)."
DEPARTMENT = "The person's department there (`WORKS_FOR.department`)."
HOUSEHOLD_ROLE = "The person's role in the household (`MEMBER_OF.role`), as the source states it."
SEAT_ROLES = "The roles held on that committee."
SEAT_PRIMARY = "True when this is the member's primary seat."
KEY = "Its graph id: `system:recordId` of the source record that created it."
EDGE_PAGE = (
    "A page of edges carrying the relationship's properties, paged with `first` and `after`."
)
SEAT_TARGET = "The account or deal whose committee it is."
PARTNER_TYPE = "Broker, distributor or partner."
