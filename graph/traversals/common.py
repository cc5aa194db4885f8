"""What the relationship traversals share: party references, the scope hook, argument checks.

Every traversal statement is built by a function of a `Seen` predicate builder, so the same text
serves an unrestricted caller (the module constant, built with `everyone`) and a caller with an
authorization scope (`graph.read.scope.Scope`, the shape the GraphQL layer uses): the scope's
predicate is placed right after the anchoring index seek and on every party a traversal lands on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, Record

from graph.errors import InputRefused
from graph.read.run import read
from graph.read.scope import Scope
from graph.read.writer import Writer

Seen = Callable[[LiteralString], LiteralString]
"""Builds a predicate true for the parties (bound to the given variable) a caller may see."""

ROLES: tuple[str, ...] = ("Customer", "Broker", "Employee")
KINDS: tuple[str, ...] = ("Person", "Organization", "Household")


def everyone(var: LiteralString) -> LiteralString:
    """The predicate of an unrestricted caller."""
    return "true"


def party_map(var: LiteralString) -> LiteralString:
    """A map projection of the party `var`, read back by `PartyRef.of`."""
    return (
        f"{{id: {var}.id, name: {var}.name, kind: {var}.kind, status: {var}.status, "
        f"labels: labels({var})}}"
    )


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A party as the traversals show it: id, display name, kind and roles."""

    id: str
    name: str | None
    kind: str | None  # person, organization, household
    roles: tuple[str, ...]  # of Customer, Broker, Employee (the party's extra labels)
    status: str | None  # a customer's status: prospect, active, former

    @classmethod
    def of(cls, value: dict[str, Any]) -> PartyRef:
        labels = value.get("labels") or ()
        return cls(
            id=value["id"],
            name=value.get("name"),
            kind=value.get("kind"),
            roles=tuple(r for r in ROLES if r in labels),
            status=value.get("status"),
        )


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement's text and the parameters its scope predicates bound."""

    text: LiteralString
    params: dict[str, Any]


def statement(build: Callable[[Seen], LiteralString], scope: Scope | None) -> Statement:
    """The statement `build` makes, restricted to what `scope` may see (unrestricted when None)."""
    if scope is None:
        return Statement(build(everyone), {})
    writer = Writer()

    def seen(var: LiteralString) -> LiteralString:
        return "(" + scope.parties(var, writer) + ")"

    text = build(seen)
    return Statement(text, writer.params)


async def run(
    driver: AsyncDriver,
    database: str,
    stmt: Statement,
    params: dict[str, Any],
    timeout: float,
) -> list[Record]:
    """Run a read statement (on a reader, with a timeout, driver errors translated)."""
    return await read(driver, database, stmt.text, {**params, **stmt.params}, timeout)


def bounded(name: str, value: int, low: int, high: int) -> int:
    """`value` when it lies in [low, high]; `InputRefused` naming the argument otherwise."""
    if not low <= value <= high:
        raise InputRefused(f"{name} must be between {low} and {high}, not {value}")
    return value


def native(value: Any) -> Any:
    """A driver temporal value as the standard library's (dates, datetimes); others unchanged."""
    return value.to_native() if hasattr(value, "to_native") else value


def day(value: Any) -> dt.date | None:
    found = native(value)
    if isinstance(found, dt.datetime):
        return found.date()
    return found if isinstance(found, dt.date) else None


def instant(value: Any) -> dt.datetime | None:
    found = native(value)
    return found if isinstance(found, dt.datetime) else None


# Upper bounds of quantified path patterns: Cypher wants them literal, so they come from here.
HOPS: tuple[LiteralString, ...] = (
    "{1,1}", "{1,2}", "{1,3}", "{1,4}", "{1,5}", "{1,6}", "{1,7}", "{1,8}", "{1,9}", "{1,10}",
)  # fmt: skip


def hops(n: int) -> LiteralString:
    """The quantifier `{1,n}` for 1 <= n <= 10."""
    return HOPS[bounded("hops", n, 1, len(HOPS)) - 1]
