"""Connection pages of a list a traversal computed whole (a buying committee's members): the Relay
cursor connection algorithm applied to the list in its own order, so those lists page like every
other connection (`first`/`after`, `last`/`before`, `pageInfo`, `totalCount`).

A cursor names its list (`tag`: the committee) and the item's key; a cursor of another list, or of
an item no longer in it, is BAD_USER_INPUT. `hasPreviousPage` with `first` (and `hasNextPage` with
`last`) is true when items lie beyond the cursor the page starts from, as on the keyset pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from schema.cursors import decode_cursor, encode_cursor
from schema.errors import ClientError
from schema.relay import PageInfo, page_size

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListPage(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item) in the list's order
    page_info: PageInfo
    total: int


def _index(tag: str, cursor: str, keys: list[str]) -> int:
    (key,) = decode_cursor(tag, cursor, 1)
    try:
        return keys.index(key)
    except ValueError:
        raise ClientError(f"Not a valid cursor for this list: {cursor!r}.") from None


def page_list(
    items: Sequence[T],
    key: Callable[[T], str],
    tag: str,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> ListPage[T]:
    """The page of `items` the Relay arguments ask for."""
    size, backward = page_size(first, last)
    keys = [key(i) for i in items]
    lo = 0 if after is None else _index(tag, after, keys) + 1
    hi = len(keys) if before is None else _index(tag, before, keys)
    hi = max(hi, lo)
    if backward:
        start, end = max(lo, hi - size), hi
        has_previous, has_next = start > lo, before is not None and hi < len(keys)
    else:
        start, end = lo, min(hi, lo + size)
        has_previous, has_next = after is not None and lo > 0, end < hi
    cursors = [encode_cursor(tag, [k]) for k in keys[start:end]]
    page = list(zip(cursors, items[start:end], strict=True))
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return ListPage(page, info, len(items))
