"""Keyset cursors: opaque, url-safe base64 of the sort key values of a row and its id.

A cursor names the order it was made for (`tag`), so a cursor from one order (or one connection)
is refused by another instead of silently skipping rows; its values must be scalars Neo4j holds
(finite numbers, 64-bit integers, text, dates, instants, null) ending with an id. The referral
trees' and partner networks' cursors (`encode_tree_cursor`) also name their root's list, which the
traversal checks.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import neo4j.time
import orjson

from graph.traversals.referral_tree import TreeCursor, TreeOrder
from schema.errors import ClientError


def _plain(value: Any) -> Any:
    if isinstance(value, neo4j.time.DateTime):
        return {"t": value.iso_format()}
    if isinstance(value, neo4j.time.Date):
        return {"d": value.iso_format()}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return _instant(value["t"])
        return dt.date.fromisoformat(value["d"])
    return value


def _instant(text: str) -> neo4j.time.DateTime:
    """The instant with a fixed offset, as stored: the driver reads an offset of 0 back as the
    zone `UTC`, which Neo4j neither equals to nor orders with the stored `Z` value."""
    parsed = neo4j.time.DateTime.from_iso_format(text)
    offset = parsed.utcoffset()
    if offset is None:
        return parsed
    fixed = dt.timezone(offset)
    return neo4j.time.DateTime(
        parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
        parsed.nanosecond, tzinfo=fixed,
    )  # fmt: skip


_INT64 = 2**63


def _scalar(value: Any) -> bool:
    """Whether a decoded cursor value can be a sort key: null, text, a boolean, a finite number
    Neo4j can hold (64-bit integers), or an encoded date or instant."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    return (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(value.get("t", value.get("d")), str)
    )


def encode_cursor(tag: str, values: Sequence[Any]) -> str:
    payload = orjson.dumps([tag, *(_plain(v) for v in values)])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(tag: str, cursor: str, size: int) -> tuple[Any, ...]:
    """The sort key values of a cursor made for `tag`; a ClientError otherwise."""
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or raw[0] != tag or len(raw) != size + 1:
            raise ValueError(tag)
        if not all(_scalar(v) for v in raw[1:]) or not isinstance(raw[-1], str) or not raw[-1]:
            raise ValueError(tag)  # sort keys are scalars (or null) and the last one an id
        return tuple(_typed(v) for v in raw[1:])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise ClientError(f"Not a valid cursor for this list: {cursor!r}.") from None


def encode_tree_cursor(order: TreeOrder, c: TreeCursor) -> str:
    """A referral tree's or a partner network's cursor: its order, its list (`within`: the root
    and the kind of list), the node's sort key and id."""
    return encode_cursor(order.value, [c.within, c.key, c.id])


def decode_tree_cursor(value: str | None, order: TreeOrder) -> TreeCursor | None:
    """The cursor `encode_tree_cursor` made for this order; a ClientError for anything else
    (another order, a key that is not a finite number). The traversal checks its list."""
    if value is None:
        return None
    within, key, party_id = decode_cursor(order.value, value, 3)
    numeric = isinstance(key, int | float) and not isinstance(key, bool)
    if not (isinstance(within, str) and isinstance(party_id, str) and numeric):
        raise ClientError(f"Not a valid cursor for this list and order: {value!r}.")
    if not math.isfinite(key):
        raise ClientError(f"Not a valid cursor for this list and order: {value!r}.")
    return TreeCursor(float(key), party_id, within)
