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

ONLY = strawberry.argument(description="Only the items matching all of it (null: all).")

TotalCount = Callable[[Info[Context, None]], Awaitable[int]]


@strawberry.interface(description="An object with a global id, refetchable with `node(id)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more rows follow this page (fetch them with `after: endCursor`)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when rows come before this page's `after` cursor (false without one)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of this page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of this page's last edge, to pass as `after` for the next page; "
        "null when the page is empty."
    )


CURSOR = "Opaque position of this edge in its list; pass it as `after` to page on from here."
EDGES = "The items of this page, in the list's stable order."
PAGE_INFO = "Where this page stands in its list and the cursors to page on."


@strawberry.type(description="One item of a connection, with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description=CURSOR)
    node: N = strawberry.field(metadata=TARGET_FIELD, description="The item.")


@strawberry.type(
    description="A page of a list: `edges` in a stable order, keyset-paginated with `first` and "
    "`after`."
)
class Connection(Generic[N]):
    """A page of a list: `edges` in a stable order, keyset-paginated with `first` and `after`."""

    edges: list[Edge[N]] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)


@strawberry.type(
    description="A page of a list whose edges carry the relationship's own properties, "
    "keyset-paginated with `first` and `after`."
)
class EdgeConnection(Generic[E]):
    """A connection whose edges carry the relationship's own properties."""

    edges: list[E] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)
