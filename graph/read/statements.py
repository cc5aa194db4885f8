"""Statements cached by shape: a root rendered once, then only its parameters filled per request.

Two requests whose roots differ only in a lookup's key, in a root page's cursor values or in a
search's words ask the same statement with other parameters (both cursors of a page are slots, and
a search's query, restricted to the unmasked fields, is one). `statement` renders the root's
skeleton (those values replaced by `Slot`s, which the renderer binds like any value) once per
skeleton, scope and masked set, and fills the slots of the kept parameters on each call. A cursor
value that is null changes the text (`IS NULL`), so it stays in the skeleton. Roots holding an
unhashable value (a list in a filter) are rendered each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from functools import lru_cache
from typing import Any, LiteralString, cast

from graph.read.ir import Lookup, Root, Slot, Traversal
from graph.read.masking import search_text
from graph.read.render import render
from graph.read.scope import Scope


def skeleton(root: Root, masked: frozenset[str]) -> tuple[Root, tuple[Any, ...]]:
    """The root with its per-request values as slots, and those values."""
    if isinstance(root, Lookup):
        return dataclasses.replace(root, value=cast(str, Slot(0))), (root.value,)
    if not isinstance(root, Traversal):
        return root, ()
    values: tuple[Any, ...] = ()
    page = root.page
    if page is not None and (page.after or page.before):
        values = (page.after or ()) + (page.before or ())
        slots = tuple(None if v is None else Slot(i) for i, v in enumerate(values))
        split = len(page.after or ())
        after = slots[:split] if page.after is not None else None
        before = slots[split:] if page.before is not None else None
        root = dataclasses.replace(root, page=dataclasses.replace(page, after=after, before=before))
    if isinstance(root.text, str):
        query = search_text(root.text, masked)
        root = dataclasses.replace(root, text=Slot(len(values)))
        values += (query,)
    return root, values


@lru_cache(maxsize=2048)
def _rendered(
    root: Root, scope: Hashable, masked: frozenset[str]
) -> tuple[LiteralString, tuple[tuple[str, Any], ...], tuple[tuple[str, int], ...]]:
    text, params = render(root, cast(Scope | None, scope), masked)
    fixed = tuple((k, v) for k, v in params.items() if not isinstance(v, Slot))
    slots = tuple((k, v.index) for k, v in params.items() if isinstance(v, Slot))
    return text, fixed, slots


def statement(
    root: Root, scope: Scope | None = None, masked: frozenset[str] = frozenset()
) -> tuple[LiteralString, dict[str, Any]]:
    """What `render` answers, from the cache when the root's shape was rendered before."""
    shape, values = skeleton(root, masked)
    try:
        text, fixed, slots = _rendered(shape, cast(Hashable, scope), masked)
    except TypeError:  # an unhashable value in the root (a list in a filter)
        return render(root, scope, masked)
    params = dict(fixed)
    for name, index in slots:
        params[name] = values[index]
    return text, params
