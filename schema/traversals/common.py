"""What every traversal root shares: the party type, the one resolver skeleton, the converter.

A root parses its global ids (another family of id answers null), calls the traversal with the
caller's scope and the request's timeout, and mirrors the frozen dataclass it returns (`run`).
Mirroring is generic (`mirror`): a Strawberry type registered with `@mirrors(GraphClass)` takes
the graph dataclass's fields of the same name as they are, converting nested registered
dataclasses and tuples of them; only renamed or computed fields are spelt out. Parties are
`TraversalParty` (global id, key, name, kind, roles, status: what the traversal read, no more);
refetch one with `node(id)` for the rest. Out-of-range arguments are `BAD_USER_INPUT`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from graph.read.positions import Family
from graph.read.run import ReadError
from graph.traversals.common import PartyRef
from schema.context import Context
from schema.enums import CustomerStatus, PartyKind, PartyRole
from schema.errors import ClientError, Code
from schema.ids import global_id, parse_id
from schema.reads import client_error

T = TypeVar("T")
R = TypeVar("R")

# Graph dataclass -> the function building its Strawberry mirror (filled by `mirrors`).
_MIRRORS: dict[type, Callable[[Any], Any]] = {}


def convert(value: Any) -> Any:
    """A traversal's value as the API shows it: registered dataclasses mirrored, tuples as lists."""
    build = _MIRRORS.get(type(value))
    if build is not None:
        return build(value)
    if isinstance(value, tuple | list):
        return [convert(v) for v in value]
    return value


def mirror(source: Any, target: type[T], **given: Any) -> T:
    """`target` built from the dataclass `source`: `given` fields as given, the others converted
    from `source`'s field of the same name (fields with a resolver are not built)."""
    values = {
        f.name: convert(getattr(source, f.name))
        for f in dataclasses.fields(target)  # type: ignore[arg-type]
        if f.name not in given and f.init
    }
    return target(**values, **given)


def mirrors(source: type, **computed: Callable[[Any], Any]) -> Callable[[type[T]], type[T]]:
    """Register a Strawberry type as the mirror of the graph dataclass `source`; `computed` maps
    its fields whose name or value differ to a function of the source value."""

    def register(target: type[T]) -> type[T]:
        _MIRRORS[source] = lambda v: mirror(v, target, **{n: f(v) for n, f in computed.items()})
        return target

    return register


def selects(info: Info[Context, None], names: frozenset[str]) -> bool:
    """Whether the field being resolved selects one of `names` (GraphQL names) directly or
    through fragments. A field under `@skip` or `@include` counts as selected: the answer may
    only make a resolver do work it could have spared, never skip work it needs."""

    def found(selections: list[Selection]) -> bool:
        for s in selections:
            if isinstance(s, SelectedField):
                if s.name in names:
                    return True
            elif found(s.selections):  # a fragment spread or an inline fragment
                return True
        return False

    return any(found(f.selections) for f in info.selected_fields)


def _enum(kind: type[Enum], value: str | None) -> Enum | None:
    """The enum member of a stored value; None when missing or not one of its values."""
    return next((m for m in kind if m.value == value), None)


@strawberry.type(description="A party as a traversal shows it; `node(id)` refetches the rest.")
class TraversalParty:
    id: strawberry.ID = strawberry.field(description="Its global id.")
    key: str = strawberry.field(description="Its graph id (`system:recordId`).")
    name: str | None = strawberry.field(description="Its display name.")
    kind: PartyKind | None = strawberry.field(
        description="Person, household or organization; null when not one of these."
    )
    roles: list[PartyRole] = strawberry.field(description="The roles it plays with us.")
    status: CustomerStatus | None = strawberry.field(
        description="Its customer status; null when it has none."
    )


def party(p: PartyRef) -> TraversalParty:
    kind = _enum(PartyKind, p.kind)
    status = _enum(CustomerStatus, p.status)
    return TraversalParty(
        id=strawberry.ID(global_id(Family.PARTY, p.id)),
        key=p.id,
        name=p.name,
        kind=kind if isinstance(kind, PartyKind) else None,
        roles=[PartyRole(r.upper()) for r in p.roles],
        status=status if isinstance(status, CustomerStatus) else None,
    )


_MIRRORS[PartyRef] = party


def key(id: str, family: Family) -> str | None:
    """The key of a global id (or a key) of `family`; None for another family (BAD_USER_INPUT if
    malformed)."""
    found, value = parse_id(id, family)
    return value if found is family else None


async def call(pending: Awaitable[T]) -> T:
    """A traversal's answer; its argument and read errors as client errors."""
    try:
        return await pending
    except ValueError as exc:
        raise ClientError(str(exc), Code.BAD_USER_INPUT) from exc
    except ReadError as exc:
        raise client_error(exc) from exc


async def run(
    info: Info[Context, None],
    traversal: Callable[..., Awaitable[R | None]],
    keys: list[tuple[str, Family]],
    build: Callable[[R], T],
    **arguments: Any,
) -> T | None:
    """The resolver skeleton: the keys of `keys` (null when one is of another family), the
    traversal run with the caller's scope and timeout, its answer built into the API's type."""
    found_keys = [key(i, family) for i, family in keys]
    if any(k is None for k in found_keys):
        return None
    ctx = info.context
    found = await call(
        traversal(
            ctx.driver, ctx.database, *found_keys, scope=ctx.scope, timeout=ctx.timeout,
            **arguments,
        )
    )  # fmt: skip
    return None if found is None else build(found)
