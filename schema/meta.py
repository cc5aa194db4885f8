"""Markers on Strawberry fields telling the compiler (and the resolvers) what a field reads.

A leaf without a marker reads the graph property of the same name (GraphQL names and graph
properties are both camelCase); enum values are mapped to names from the schema's enums.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

F = TypeVar("F", bound=Callable[..., Any])

FOLLOW = "c360.follow"  # the field traverses `graph.read.relations.RELATIONS[name]`
PROP = "c360.prop"  # the graph property, when its name differs from the field's
COMPUTED = "c360.computed"  # a value computed in Cypher (`last_activity`, `roles`, `score`)
TARGET = "c360.target"  # in an edge or a wrapper: the field holding the node landed on
KEY = "c360.key"  # the node's `id` property (its key, not the global id)


def follow(relation: str) -> dict[str, Any]:
    return {FOLLOW: relation}


def prop(name: str) -> dict[str, Any]:
    return {PROP: name}


def computed(name: str) -> dict[str, Any]:
    return {COMPUTED: name}


TARGET_FIELD: dict[str, Any] = {TARGET: True}
KEY_FIELD: dict[str, Any] = {KEY: True}
ROOT = "c360.root"  # a root field the compiler knows how to anchor


def resolved(
    *, description: str | None = None, metadata: dict[str, Any] | None = None
) -> Callable[[F], F]:
    """`strawberry.field` as a decorator that keeps the resolver's type for mypy."""
    return cast(Callable[[F], F], strawberry.field(description=description, metadata=metadata))


def mutation(*, description: str | None = None) -> Callable[[F], F]:
    """`strawberry.mutation` as a decorator that keeps the resolver's type for mypy."""
    return cast(Callable[[F], F], strawberry.mutation(description=description))
