"""Keyset pagination: the rows strictly after a cursor, in a stable order with nulls last in both
directions (Cypher puts them first when descending: a descending key sorts on `expr IS NULL`
first, so "top customers by CLV" starts with customers that have one).

A cursor holds one value per sort key; the last key is unique and never null (an id), so the
order is total and every row comes exactly once however the pages are cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from graph.read.writer import Writer


def order_by(keys: Sequence[tuple[LiteralString, bool]]) -> LiteralString:
    terms: list[LiteralString] = [
        f"{expr} IS NULL, {expr} DESC" if desc else expr for expr, desc in keys
    ]
    return ", ".join(terms)


def _greater(expr: LiteralString, desc: bool, value: Any, w: Writer, last: bool) -> LiteralString:
    """Rows whose key comes strictly after `value` on this key alone (never null): smaller values
    when descending, larger ones when ascending, then nulls."""
    if value is None:
        return "false"
    param = w.param(value)
    if last:
        return f"{expr} < {param}" if desc else f"{expr} > {param}"
    if desc:
        return f"coalesce({expr} < {param}, true)"
    return f"coalesce({expr} > {param}, true)"


def _equal(expr: LiteralString, value: Any, w: Writer) -> LiteralString:
    if value is None:
        return f"{expr} IS NULL"
    return f"coalesce({expr} = {w.param(value)}, false)"


def after(
    keys: Sequence[tuple[LiteralString, bool]], values: Sequence[Any], w: Writer
) -> LiteralString:
    """A predicate true exactly for rows after the cursor `values` (null-safe: true or false)."""
    if len(values) != len(keys):
        raise ValueError("cursor does not match the order")
    predicate: LiteralString = ""
    for i in range(len(keys) - 1, -1, -1):
        expr, desc = keys[i]
        greater = _greater(expr, desc, values[i], w, last=i == len(keys) - 1)
        if not predicate:
            predicate = greater
        else:
            predicate = f"({greater} OR ({_equal(expr, values[i], w)} AND {predicate}))"
    return predicate
