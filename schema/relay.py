"""Relay conventions: the `Node` interface, cursor connections and their page info."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.errors import ClientError
from schema.meta import TARGET_FIELD, resolved

N = TypeVar("N")
E = TypeVar("E")

DEFAULT_FIRST = 20
MAX_FIRST = 100

First = Annotated[
    int | None,
    strawberry.argument(
        description="The first this many items (0 to 100; 20 when neither this nor `last`)."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Only the items after this cursor.")]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="The last this many items (0 to 100), in the list's order; not with `first`."
    ),
]
Before = Annotated[
    str | None, strawberry.argument(description="Only the items before this cursor.")
]

ONLY = strawberry.argument(description="Only the items matching all of it (null: all).")


def page_size(first: int | None, last: int | None) -> tuple[int, bool]:
    """The page's size and whether it is taken from the end (`last`); a ClientError for both
    `first` and `last` (the Relay spec discourages them together) or a size out of range."""
    if first is not None and last is not None:
        raise ClientError("Pass `first` (paging forward) or `last` (paging backward), not both.")
    name, size = ("last", last) if last is not None else ("first", first)
    if size is None:
        return DEFAULT_FIRST, False
    if not 0 <= size <= MAX_FIRST:
        raise ClientError(f"`{name}` must be between 0 and {MAX_FIRST}, not {size}.")
    return size, last is not None


TotalCount = Callable[[Info[Context, None]], Awaitable[int]]


@strawberry.interface(description="An object with a global id, refetchable with `node(id)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow this page (fetch them with `after: endCursor`): "
        "with `first`, within `before` if given; with `last`, true when items lie at or after "
        "`before` (false without it)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when items come before this page (fetch them with `before: "
        "startCursor`): with `last`, within `after` if given; with `first`, true when items lie "
        "at or before `after` (false without it)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of this page's first edge, to pass as `before` for the previous "
        "page; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of this page's last edge, to pass as `after` for the next page; "
        "null when the page is empty."
    )


CURSOR = (
    "Opaque position of this edge in its list; pass it as `after` (or `before`) to page on "
    "from here."
)
EDGES = "The items of this page, in the list's stable order."
PAGE_INFO = "Where this page stands in its list and the cursors to page on."


@strawberry.type(description="One item of a connection, with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description=CURSOR)
    node: N = strawberry.field(metadata=TARGET_FIELD, description="The item.")


@strawberry.type(
    description="A page of a list: `edges` in a stable order, keyset-paginated forward with "
    "`first` and `after` or backward with `last` and `before`."
)
class Connection(Generic[N]):
    """A page of a list: `edges` in a stable order, keyset-paginated both ways."""

    edges: list[Edge[N]] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)


@strawberry.type(
    description="A page of a list whose edges carry the relationship's own properties, "
    "keyset-paginated forward with `first` and `after` or backward with `last` and `before`."
)
class EdgeConnection(Generic[E]):
    """A connection whose edges carry the relationship's own properties."""

    edges: list[E] = strawberry.field(description=EDGES)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO)
    _total: strawberry.Private[TotalCount]

    @resolved(description="How many items the whole list has (counted only when asked).")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await self._total(info)
