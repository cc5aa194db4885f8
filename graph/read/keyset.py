"""Keyset pagination: the rows strictly after (or before) a cursor, in a stable order with nulls
last in both directions (Cypher puts them first when descending: a descending key sorts on
`expr IS NULL` first, so "top customers by CLV" starts with customers that have one).

Backward pages (`last`/`before`) sort by the exact reverse of that order (`order_by(reverse=True)`),
take their rows, and reverse them back, all inside the statement.

A cursor holds one value per sort key; the last key is unique and never null (an id), so the
order is total and every row comes exactly once however the pages are cut.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, LiteralString

from graph.read.writer import Writer


def order_by(
    keys: Sequence[tuple[LiteralString, bool]],
    reverse: bool = False,
    present: Collection[str] = (),
) -> LiteralString:
    """The ORDER BY terms of the keyset order (nulls last both ways), or of its exact reverse
    (nulls first: Cypher sorts nulls last ascending and first descending). Keys in `present` are
    never null (a search's score) and sort on their value alone: the nulls' term is one more
    sort key per row (at 1M, thousands of tied hits of a common surname sort by it)."""
    terms: list[LiteralString] = []
    for expr, desc in keys:
        if desc and expr in present:
            terms.append(expr if reverse else f"{expr} DESC")
        elif reverse:
            terms.append(f"{expr} IS NULL DESC, {expr}" if desc else f"{expr} DESC")
        else:
            terms.append(f"{expr} IS NULL, {expr} DESC" if desc else expr)
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


def _less(expr: LiteralString, desc: bool, value: Any, w: Writer, last: bool) -> LiteralString:
    """Rows whose key comes strictly before `value` on this key alone: larger values when
    descending, smaller ones when ascending; every value comes before a null."""
    if value is None:
        return "false" if last else f"{expr} IS NOT NULL"
    param = w.param(value)
    if last:
        return f"{expr} > {param}" if desc else f"{expr} < {param}"
    if desc:
        return f"coalesce({expr} > {param}, false)"
    return f"coalesce({expr} < {param}, false)"


def before(
    keys: Sequence[tuple[LiteralString, bool]], values: Sequence[Any], w: Writer
) -> LiteralString:
    """A predicate true exactly for rows before the cursor `values` (null-safe: true or false)."""
    if len(values) != len(keys):
        raise ValueError("cursor does not match the order")
    predicate: LiteralString = ""
    for i in range(len(keys) - 1, -1, -1):
        expr, desc = keys[i]
        less = _less(expr, desc, values[i], w, last=i == len(keys) - 1)
        if not predicate:
            predicate = less
        else:
            predicate = f"({less} OR ({_equal(expr, values[i], w)} AND {predicate}))"
    return predicate
