"""Filter and order arguments, and their translation into the graph's criteria (`graph.read`).

A customer filter or sort on personal data (a `CustomerField` named after a property of
`graph.read.masking.PII_PROPERTIES`) is FORBIDDEN to a caller who cannot read that property, so
that a filter is no oracle for what masking hides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import strawberry

from graph.read import criteria as c
from graph.read.criteria import CustomerField
from graph.read.masking import PII_PROPERTIES
from graph.read.positions import Family
from graph.read.relations import SortKey
from schema.enums import (
    Channel,
    CustomerSortField,
    CustomerStatus,
    LifecycleStage,
    PartyKind,
    SortDirection,
)
from schema.errors import ClientError, Code
from schema.ids import parse_id
from schema.scalars import Date, DateTime


@strawberry.input(description="Dates from `from` to `to`, both included; either may be left open.")
class DateRange:
    from_: Date | None = strawberry.field(
        name="from", default=None, description="The first day (null: open)."
    )
    to: Date | None = strawberry.field(default=None, description="The last day (null: open).")


@strawberry.input(description="Instants from `from` (included) to `to` (excluded).")
class DateTimeRange:
    from_: DateTime | None = strawberry.field(
        name="from", default=None, description="The first instant, included (null: open)."
    )
    to: DateTime | None = strawberry.field(
        default=None, description="The end, excluded (null: open)."
    )


@strawberry.input(
    description="Numbers from `min` to `max`, both included; either may be left open."
)
class FloatRange:
    min: float | None = strawberry.field(default=None, description="The least (null: open).")
    max: float | None = strawberry.field(default=None, description="The most (null: open).")


@strawberry.input(
    description="Conditions on customers. Fields set together must all hold; "
    "`and`, `or` and `not` combine filters."
)
class CustomerFilter:
    kind: list[PartyKind] | None = strawberry.field(default=None, description="One of these kinds.")
    status: list[CustomerStatus] | None = strawberry.field(
        default=None, description="One of these statuses."
    )
    segment: list[str] | None = strawberry.field(
        default=None, description="One of these segments (exact match)."
    )
    country: list[str] | None = strawberry.field(default=None, description="ISO 3166 codes.")
    created_at: DateRange | None = strawberry.field(
        default=None, description="When the relationship began (`createdAt`)."
    )
    last_activity: DateRange | None = strawberry.field(
        default=None, description="The date of the latest interaction or order."
    )
    channel: list[Channel] | None = strawberry.field(
        default=None, description="Has had an interaction on at least one of these channels."
    )
    broker: strawberry.ID | None = strawberry.field(
        default=None, description="The customer's attributed broker (`Customer.broker`)."
    )
    lifecycle_stage: list[LifecycleStage] | None = strawberry.field(
        default=None, description="The stored lifecycle stage (`c360 metrics compute`)."
    )
    clv: FloatRange | None = strawberry.field(default=None, description="The stored CLV.")
    churn_risk: FloatRange | None = strawberry.field(
        default=None, description="The stored churn risk, 0..1."
    )
    revenue: FloatRange | None = strawberry.field(
        default=None, description="The stored revenue to date."
    )
    and_: list[CustomerFilter] | None = strawberry.field(
        name="and", default=None, description="Every one of these filters holds."
    )
    or_: list[CustomerFilter] | None = strawberry.field(
        name="or", default=None, description="At least one of these filters holds."
    )
    not_: CustomerFilter | None = strawberry.field(
        name="not", default=None, description="This filter does not hold."
    )


@strawberry.input(description="A sort for `customers`: one field, then the id.")
class CustomerOrder:
    field: CustomerSortField = strawberry.field(description="What to sort on.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="The sort direction (default ASC)."
    )


@strawberry.input(description="Conditions on interactions.")
class InteractionFilter:
    channel: list[Channel] | None = strawberry.field(
        default=None, description="On one of these channels."
    )
    at: DateTimeRange | None = strawberry.field(default=None, description="When it happened.")


@strawberry.input(description="Conditions on orders.")
class OrderFilter:
    date: DateRange | None = strawberry.field(default=None, description="When it was placed.")


def _date_range(r: DateRange) -> c.Range:
    return c.Range(low=r.from_, high=r.to)


def _instant_range(r: DateTimeRange) -> c.Range:
    return c.Range(low=r.from_, high=r.to, high_open=True)


def fields_of(criterion: c.Criterion) -> Iterator[CustomerField]:
    """The customer fields a criterion reads, at any depth."""
    match criterion:
        case c.OneOf(field=field) | c.Within(field=field):
            yield field
        case c.AllOf(parts=parts) | c.AnyOf(parts=parts):
            for part in parts:
                yield from fields_of(part)
        case c.Not(part=part):
            yield from fields_of(part)


def refuse_personal(fields: Iterable[CustomerField], masked: frozenset[str] | None) -> None:
    """FORBIDDEN when a filter or a sort reads personal data the caller cannot read.

    `masked` is the caller's masked properties (`Context.masked`). None means the caller is not
    known (the compiler's binder, or a resolver that does not pass it): every personal field is
    refused; in the binder the operation then runs on the executor, whose resolver knows."""
    hidden = PII_PROPERTIES if masked is None else masked
    used = sorted({f.value for f in fields if f.value in hidden})
    if used:
        raise ClientError(
            f"Filtering or sorting customers on {', '.join(used)} needs the pii scope.",
            Code.FORBIDDEN,
        )


def customer_criteria(
    f: CustomerFilter | None, masked: frozenset[str] | None = None
) -> c.Criterion | None:
    """The filter's criterion; FORBIDDEN on personal data the caller cannot read (see
    `refuse_personal` for `masked`)."""
    found = _criterion(f)
    if found is not None:
        refuse_personal(fields_of(found), masked)
    return found


def _criterion(f: CustomerFilter | None) -> c.Criterion | None:
    if f is None:
        return None
    parts: list[c.Criterion] = []
    for field, values in (
        (CustomerField.KIND, f.kind),
        (CustomerField.STATUS, f.status),
        (CustomerField.SEGMENT, f.segment),
        (CustomerField.COUNTRY, f.country),
        (CustomerField.LIFECYCLE_STAGE, f.lifecycle_stage),
    ):
        if values is not None:
            parts.append(c.OneOf(field, tuple(str(v) for v in values)))
    if f.created_at is not None:
        parts.append(c.Within(CustomerField.CREATED_AT, _date_range(f.created_at)))
    if f.last_activity is not None:
        parts.append(c.Within(CustomerField.LAST_ACTIVITY, _date_range(f.last_activity)))
    for field, bounds in (
        (CustomerField.CLV, f.clv),
        (CustomerField.CHURN_RISK, f.churn_risk),
        (CustomerField.REVENUE, f.revenue),
    ):
        if bounds is not None:
            parts.append(c.Within(field, c.Range(low=bounds.min, high=bounds.max)))
    if f.channel is not None:
        parts.append(c.UsedChannel(tuple(str(v) for v in f.channel)))
    if f.broker is not None:
        family, key = parse_id(f.broker, Family.PARTY)
        if family.value != "Party":
            raise ClientError(f"Not a broker id: {f.broker!r}.")
        parts.append(c.BrokeredBy(key))
    if f.and_ is not None:
        parts.append(c.AllOf(tuple(p for p in map(_criterion, f.and_) if p is not None)))
    if f.or_ is not None:
        parts.append(c.AnyOf(tuple(p for p in map(_criterion, f.or_) if p is not None)))
    if f.not_ is not None:
        inner = _criterion(f.not_)
        parts.append(c.Not(inner if inner is not None else c.AllOf(())))
    return parts[0] if len(parts) == 1 else c.AllOf(tuple(parts))


def interaction_criteria(f: InteractionFilter | None) -> c.InteractionCriteria | None:
    if f is None:
        return None
    return c.InteractionCriteria(
        channels=None if f.channel is None else tuple(str(v) for v in f.channel),
        at=None if f.at is None else _instant_range(f.at),
    )


def order_criteria(f: OrderFilter | None) -> c.OrderCriteria | None:
    if f is None:
        return None
    return c.OrderCriteria(date=None if f.date is None else _date_range(f.date))


MAX_SORT_KEYS = 3


def customer_sort(
    order: CustomerOrder | list[CustomerOrder] | None, masked: frozenset[str] | None = None
) -> tuple[str, tuple[SortKey, ...]]:
    """The cursor tag and the sort keys (up to three, then the id) of a `customers` order;
    FORBIDDEN on personal data the caller cannot read (see `refuse_personal` for `masked`)."""
    orders = [] if order is None else order if isinstance(order, list) else [order]
    if len(orders) > MAX_SORT_KEYS:
        raise ClientError(f"At most {MAX_SORT_KEYS} sort keys.")
    keys: list[SortKey] = []
    parts: list[str] = []
    for o in orders:
        desc = o.direction is SortDirection.DESC
        way = "desc" if desc else "asc"
        if o.field is CustomerSortField.ID:
            keys.append(SortKey("{t}.id", desc))
            parts.append(f"id:{way}")
            break  # the id is unique: nothing after it changes the order
        field = CustomerField(o.field.value)
        refuse_personal((field,), masked)
        keys.append(SortKey(c.CUSTOMER_FIELDS[field], desc))
        parts.append(f"{o.field.value}:{way}")
    if not keys or keys[-1].expr != "{t}.id":
        keys.append(SortKey("{t}.id"))
    return "customers:" + (",".join(parts) or "id:asc"), tuple(keys)
