"""Filters as data, rendered to Cypher predicates over whitelisted attributes.

`CustomerField` is the whitelist of customer attributes a filter or a sort may use, each with its
Cypher expression; computed ones (last activity) are bound by a `CALL` before the predicate. The
metrics issue extends it (lifecycle stage, value ranges) by adding members and expressions here.

A caller's scope reaches into the one criterion that reads other parties: the customer's attributed
broker (`attribution.py`, the top of its referral chain, as `Customer.broker` and `referralChain`
show it) counts only the referrals of parties the scope may see, so a filter on a broker outside
the scope matches nothing, like an unknown broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from graph.read.attribution import Seen, chain, everyone
from graph.read.scope import Scope
from graph.read.writer import Writer


class CustomerField(StrEnum):
    ID = "id"
    NAME = "name"
    KIND = "kind"
    STATUS = "status"
    SEGMENT = "segment"
    COUNTRY = "country"
    CREATED_AT = "createdAt"
    LAST_ACTIVITY = "lastActivity"
    LIFECYCLE_STAGE = "lifecycleStage"  # the metrics stored by `c360 metrics compute`
    CLV = "clv"
    CHURN_RISK = "churnRisk"
    REVENUE = "revenue"


# Expressions over `{t}` (the customer) and `{la}` (its last activity date, when computed).
CUSTOMER_FIELDS: dict[CustomerField, LiteralString] = {
    CustomerField.ID: "{t}.id",
    CustomerField.NAME: "{t}.name",
    CustomerField.KIND: "{t}.kind",
    CustomerField.STATUS: "{t}.status",
    CustomerField.SEGMENT: "{t}.segment",
    CustomerField.COUNTRY: "{t}.country",
    CustomerField.CREATED_AT: "{t}.createdAt",
    CustomerField.LAST_ACTIVITY: "{la}",
    CustomerField.LIFECYCLE_STAGE: "{t}.lifecycleStage",
    CustomerField.CLV: "{t}.clv",
    CustomerField.CHURN_RISK: "{t}.churnRisk",
    CustomerField.REVENUE: "{t}.revenue",
}
COMPUTED: frozenset[CustomerField] = frozenset({CustomerField.LAST_ACTIVITY})

# The latest activity of a party: its newest interaction (as a UTC date) or order date.
LAST_ACTIVITY: LiteralString = """CALL ({t}) {{
  OPTIONAL MATCH ({t})-[:HAD]->(_i:Interaction)
  WITH {t}, max(_i.at) AS _at
  OPTIONAL MATCH ({t})-[:PLACED]->(_o:Order)
  WITH CASE WHEN _at IS NOT NULL THEN date(datetime({{datetime: _at, timezone: 'UTC'}})) END AS _a,
       max(_o.date) AS _b
  RETURN CASE WHEN _a IS NULL OR _b > _a THEN _b ELSE _a END AS {la}
}}
"""


@dataclass(frozen=True, slots=True)
class Range:
    """Bounds of an attribute; either may be open. `high` is inclusive unless `high_open`."""

    low: Any = None
    high: Any = None
    high_open: bool = False


@dataclass(frozen=True, slots=True)
class OneOf:
    field: CustomerField
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Within:
    field: CustomerField
    range: Range


@dataclass(frozen=True, slots=True)
class UsedChannel:
    """Had at least one interaction on one of these channels."""

    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BrokeredBy:
    """The broker at the top of the customer's referral chain is this one (see `relations.broker`)."""

    broker: str


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Criterion


Criterion = OneOf | Within | UsedChannel | BrokeredBy | AllOf | AnyOf | Not


def needs_last_activity(criterion: Criterion | None) -> bool:
    match criterion:
        case OneOf(field=f) | Within(field=f):
            return f in COMPUTED
        case AllOf(parts=parts) | AnyOf(parts=parts):
            return any(needs_last_activity(p) for p in parts)
        case Not(part=part):
            return needs_last_activity(part)
    return False


def valued_fields(criterion: Criterion | None) -> frozenset[CustomerField]:
    """The fields every customer matching `criterion` has a value of (a range or a list of values
    on a field is false where the field is missing)."""
    match criterion:
        case OneOf(field=f, values=values) if None not in values:
            return frozenset({f})
        case Within(field=f):
            return frozenset({f})
        case AllOf(parts=parts):
            return frozenset().union(*(valued_fields(p) for p in parts))
        case AnyOf(parts=parts) if parts:
            return frozenset.intersection(*(valued_fields(p) for p in parts))
    return frozenset()


def _range(expr: LiteralString, bounds: Range, w: Writer) -> LiteralString:
    terms: list[LiteralString] = []
    if bounds.low is not None:
        terms.append(f"{expr} >= {w.param(bounds.low)}")
    if bounds.high is not None:
        op: LiteralString = "<" if bounds.high_open else "<="
        terms.append(f"{expr} {op} {w.param(bounds.high)}")
    return " AND ".join(terms) if terms else f"{expr} IS NOT NULL"


def _join(parts: Sequence[LiteralString], op: LiteralString, empty: LiteralString) -> LiteralString:
    if not parts:
        return empty
    return "(" + f" {op} ".join(parts) + ")"


def _broker_of(t: LiteralString, b: LiteralString, seen: Seen) -> LiteralString:
    """The attributed broker of customer `t` (`attribution.py`) is the broker id `b`."""
    return f"COLLECT {{ MATCH ({t}){chain(seen)}(_b:Broker) RETURN _b.id }} = [{b}]"


def customer_predicate(
    criterion: Criterion,
    t: LiteralString,
    la: LiteralString,
    w: Writer,
    scope: Scope | None = None,
) -> LiteralString:
    """A predicate over customer `t` (and `la`, bound when `needs_last_activity`), within what
    `scope` may see (None: everything)."""
    match criterion:
        case OneOf(field=field, values=values):
            expr = CUSTOMER_FIELDS[field].format(t=t, la=la)
            return f"{expr} IN {w.param(list(values))}"
        case Within(field=field, range=bounds):
            return "(" + _range(CUSTOMER_FIELDS[field].format(t=t, la=la), bounds, w) + ")"
        case UsedChannel(channels=channels):
            return (
                f"EXISTS {{ MATCH ({t})-[:HAD]->(_c:Interaction) "
                f"WHERE _c.channel IN {w.param(list(channels))} }}"
            )
        case BrokeredBy(broker=broker):
            seen: Seen = everyone if scope is None else (lambda var: scope.parties(var, w))
            return _broker_of(t, w.param(broker), seen)
        case AllOf(parts=parts):
            return _join([customer_predicate(p, t, la, w, scope) for p in parts], "AND", "true")
        case AnyOf(parts=parts):
            return _join([customer_predicate(p, t, la, w, scope) for p in parts], "OR", "false")
        case Not(part=part):
            # A comparison with a missing value is null; NOT null is null: treat it as false.
            return f"NOT coalesce({customer_predicate(part, t, la, w, scope)}, false)"
    raise TypeError(f"unknown criterion {criterion!r}")


@dataclass(frozen=True, slots=True)
class InteractionCriteria:
    channels: tuple[str, ...] | None = None
    at: Range | None = None


@dataclass(frozen=True, slots=True)
class OrderCriteria:
    date: Range | None = None


def interaction_predicate(c: InteractionCriteria, t: LiteralString, w: Writer) -> LiteralString:
    terms: list[LiteralString] = []
    if c.channels is not None:
        terms.append(f"{t}.channel IN {w.param(list(c.channels))}")
    if c.at is not None:
        terms.append(_range(f"{t}.at", c.at, w))
    return " AND ".join(terms) if terms else "true"


def order_predicate(c: OrderCriteria, t: LiteralString, w: Writer) -> LiteralString:
    return _range(f"{t}.date", c.date, w) if c.date is not None else "true"
