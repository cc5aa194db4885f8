"""Where a node can appear in a response, and how its type name is read from the graph.

A *position* is what a traversal lands on: a customer (person, household or organization, by
`kind`), any party (customers by kind, otherwise broker, then employee, then kind), one fixed party
type, a committee target (organization or deal), any node, or a non-party label. Each position has
a guard (the nodes it admits: parties without `kind` are stubs for records never loaded, and are
never returned) and a type name, written twice: as a Cypher expression and as the same rule in
Python for the resolvers. The two are kept side by side so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, LiteralString


class Position(StrEnum):
    CUSTOMER = "customer"
    PARTY = "party"
    PERSON = "person"
    HOUSEHOLD = "household"
    ORGANIZATION = "organization"
    BROKER = "broker"
    EMPLOYEE = "employee"
    COMMITTEE_TARGET = "committee_target"
    NODE = "node"
    PRODUCT = "product"
    ORDER = "order"
    ORDER_LINE = "order_line"
    INTERACTION = "interaction"
    SURVEY_RESPONSE = "survey_response"
    SOURCE_RECORD = "source_record"
    DEAL = "deal"


class Family(StrEnum):
    """A global id's prefix: the label a node is found by (one per `id` uniqueness constraint)."""

    PARTY = "Party"
    PRODUCT = "Product"
    ORDER = "Order"
    ORDER_LINE = "OrderLine"
    INTERACTION = "Interaction"
    SURVEY_RESPONSE = "SurveyResponse"
    SOURCE_RECORD = "SourceRecord"
    DEAL = "Deal"


KIND_TYPES: dict[str, str] = {
    "person": "Person",
    "household": "Household",
    "organization": "Organization",
}

# Non-party labels: (position, label = family = type name).
_PLAIN: dict[Position, Family] = {
    Position.PRODUCT: Family.PRODUCT,
    Position.ORDER: Family.ORDER,
    Position.ORDER_LINE: Family.ORDER_LINE,
    Position.INTERACTION: Family.INTERACTION,
    Position.SURVEY_RESPONSE: Family.SURVEY_RESPONSE,
    Position.SOURCE_RECORD: Family.SOURCE_RECORD,
    Position.DEAL: Family.DEAL,
}

_PARTY_TYPES: dict[Position, str] = {
    Position.PERSON: "Person",
    Position.HOUSEHOLD: "Household",
    Position.ORGANIZATION: "Organization",
    Position.BROKER: "Broker",
    Position.EMPLOYEE: "Employee",
}

_KIND_CASE: LiteralString = (
    "CASE {v}.kind WHEN 'person' THEN 'Person' WHEN 'household' THEN 'Household' "
    "WHEN 'organization' THEN 'Organization' END"
)
_PARTY_CASE: LiteralString = (
    "CASE WHEN {v}:Customer THEN " + _KIND_CASE + " WHEN {v}:Broker THEN 'Broker' "
    "WHEN {v}:Employee THEN 'Employee' ELSE " + _KIND_CASE + " END"
)
_KNOWN_KIND: LiteralString = "{v}.kind IN ['person', 'household', 'organization']"

_GUARDS: dict[Position, LiteralString] = {
    Position.CUSTOMER: _KNOWN_KIND,
    Position.PARTY: _KNOWN_KIND,
    Position.PERSON: "{v}.kind = 'person'",
    Position.HOUSEHOLD: "{v}.kind = 'household'",
    Position.ORGANIZATION: "{v}.kind = 'organization'",
    Position.BROKER: "{v}:Broker AND " + _KNOWN_KIND,
    Position.EMPLOYEE: "{v}:Employee AND " + _KNOWN_KIND,
    Position.COMMITTEE_TARGET: "({v}:Deal OR {v}.kind = 'organization')",
    Position.NODE: "(NOT {v}:Party OR " + _KNOWN_KIND + ")",
}


def family_of(position: Position) -> Family:
    return _PLAIN.get(position, Family.PARTY)


def is_party(position: Position) -> bool:
    return position not in _PLAIN and position not in {Position.NODE, Position.COMMITTEE_TARGET}


def guard(position: Position, var: LiteralString) -> LiteralString | None:
    """The predicate a node at this position must satisfy, or None when its label suffices."""
    found = _GUARDS.get(position)
    return found.format(v=var) if found else None


def typename(position: Position, var: LiteralString) -> LiteralString:
    """A Cypher expression for the GraphQL type name of the node bound to `var`."""
    if position in _PLAIN:
        return f"'{_PLAIN[position].value}'"
    if position in _PARTY_TYPES:
        return f"'{_PARTY_TYPES[position]}'"
    if position is Position.CUSTOMER:
        return _KIND_CASE.format(v=var)
    if position is Position.PARTY:
        return _PARTY_CASE.format(v=var)
    if position is Position.COMMITTEE_TARGET:
        return f"CASE WHEN {var}:Deal THEN 'Deal' ELSE 'Organization' END"
    plain: LiteralString = ""
    for family in _PLAIN.values():
        plain += f"WHEN {var}:{family.value} THEN '{family.value}' "
    return f"CASE {plain}WHEN {var}:Party THEN {_PARTY_CASE.format(v=var)} END"


def possible_types(position: Position) -> frozenset[str]:
    if position in _PLAIN:
        return frozenset({_PLAIN[position].value})
    if position in _PARTY_TYPES:
        return frozenset({_PARTY_TYPES[position]})
    if position is Position.CUSTOMER:
        return frozenset(KIND_TYPES.values())
    if position is Position.PARTY:
        return frozenset({*KIND_TYPES.values(), "Broker", "Employee"})
    if position is Position.COMMITTEE_TARGET:
        return frozenset({"Organization", "Deal"})
    return frozenset(
        {*KIND_TYPES.values(), "Broker", "Employee", *(f.value for f in _PLAIN.values())}
    )


def python_typename(position: Position, labels: Sequence[str], props: Mapping[str, Any]) -> str:
    """The same rule as `typename`, for a node already read (its labels and properties)."""
    if position in _PLAIN:
        return _PLAIN[position].value
    if position in _PARTY_TYPES:
        return _PARTY_TYPES[position]
    if position is Position.COMMITTEE_TARGET:
        return "Deal" if "Deal" in labels else "Organization"
    if position is Position.NODE and "Party" not in labels:
        return next(f.value for f in _PLAIN.values() if f.value in labels)
    kind_type = KIND_TYPES[props["kind"]]
    if position is Position.CUSTOMER or "Customer" in labels:
        return kind_type
    if "Broker" in labels:
        return "Broker"
    if "Employee" in labels:
        return "Employee"
    return kind_type


ROLE_LABELS: tuple[LiteralString, ...] = ("Customer", "Broker", "Employee")


def roles(var: LiteralString) -> LiteralString:
    """The party's role labels, in a fixed order, as GraphQL enum names."""
    return f"[l IN ['Customer', 'Broker', 'Employee'] WHERE l IN labels({var}) | toUpper(l)]"


def python_roles(labels: Sequence[str]) -> list[str]:
    return [label.upper() for label in ROLE_LABELS if label in labels]
