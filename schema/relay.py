"""Relay conventions: the `Node` interface, cursor connections and their page info."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.meta import TARGET_FIELD, resolved

N = TypeVar("N")
E = TypeVar("E")

DEFAULT_FIRST = 20
MAX_FIRST = 100

First = Annotated[int, strawberry.argument(description="Page size (at most 100).")]
After = Annotated[
    str | None, strawberry.argument(description="The cursor after which the page starts.")
]

TotalCount = Callable[[Info[Context, None]], Awaitable[int]]


@strawberry.interface(description="An object with a global id, refetchable with `node(id)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when rows come before this page's `after` cursor (false without one)."
    )
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N = strawberry.field(metadata=TARGET_FIELD)


@strawberry.type
class Connection(Generic[N]):
    """A page of a list: `edges` in a stable order, keyset-paginated with `first` and `after`."""

    edges: list[Edge[N]]
    page_info: PageInfo
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)


@strawberry.type
class EdgeConnection(Generic[E]):
    """A connection whose edges carry the relationship's own properties."""

    edges: list[E]
    page_info: PageInfo
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)
