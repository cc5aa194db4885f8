"""`Date` and `DateTime` scalars, serialised one way whatever produced the value.

Neo4j returns its own temporal types (with nanoseconds); the compiled path hands them to orjson
through `json_default`, the resolvers' path through these scalars: both call `format_datetime`.
A `DateTime` is always written in UTC with a `Z`, its fraction trimmed of trailing zeros.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NewType

import neo4j.time
import strawberry
from strawberry.types.scalar import ScalarDefinition


def format_datetime(value: Any) -> str:
    if isinstance(value, str):  # formatted in the statement (`graph.read.instants.utc_text`)
        return value
    if isinstance(value, neo4j.time.DateTime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        nanos = value.nanosecond
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        nanos = value.microsecond * 1000
    else:
        raise TypeError(f"DateTime cannot represent {value!r}")
    fraction = f"{nanos:09d}".rstrip("0")
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        + (f".{fraction}" if fraction else "")
        + "Z"
    )


def format_date(value: Any) -> str:
    if isinstance(value, str):  # formatted in the statement (`graph.read.render.DATES`)
        return value
    if isinstance(value, neo4j.time.Date | dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    raise TypeError(f"Date cannot represent {value!r}")


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("a DateTime is an ISO 8601 string")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a DateTime needs a time zone offset (or Z)")
    try:  # Neo4j's driver sends it in UTC: 9999-12-31T23:00-14:00 is past the last year
        parsed.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("a DateTime lies in the years 0001 to 9999 in UTC") from None
    return parsed


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("a Date is an ISO 8601 string (YYYY-MM-DD)")
    return dt.date.fromisoformat(value)


def json_default(value: Any) -> str:
    """orjson's fallback for the temporal values Neo4j returns."""
    if isinstance(value, neo4j.time.DateTime):
        return format_datetime(value)
    if isinstance(value, neo4j.time.Date):
        return format_date(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


Date = NewType("Date", object)
DateTime = NewType("DateTime", object)

SCALARS: dict[object, ScalarDefinition] = {
    Date: strawberry.scalar(
        name="Date",
        description="A calendar date, ISO 8601 (`2024-03-31`).",
        serialize=format_date,
        parse_value=parse_date,
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        description="An instant, ISO 8601 in UTC (`2024-03-31T09:30:00Z`); input needs an offset.",
        serialize=format_datetime,
        parse_value=parse_datetime,
    ),
}
