"""Statements cached by shape: a root rendered once, then only its parameters filled per request.

Two requests whose roots differ only in a lookup's key or in a root page's cursor values ask the
same statement with other parameters (both cursors of a page are slots). `statement` renders the root's skeleton (those values
replaced by `Slot`s, which the renderer binds like any value) once per skeleton, scope and masked
set, and fills the slots of the kept parameters on each call. A cursor value that is null changes
the text (`IS NULL`), so it stays in the skeleton. Full-text roots are rendered each time (their
text is rewritten while rendering); roots holding an unhashable value (a list in a filter) too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, LiteralString, cast

from graph.read.ir import Lookup, Root, Traversal
from graph.read.render import render
from graph.read.scope import Scope


@dataclass(frozen=True, slots=True)
class Slot:
    """The place of the `index`-th per-request value in a skeleton's parameters."""

    index: int


def skeleton(root: Root) -> tuple[Root, tuple[Any, ...]] | None:
    """The root with its per-request values as slots, and those values; None: not cacheable."""
    if isinstance(root, Lookup):
        return dataclasses.replace(root, value=cast(str, Slot(0))), (root.value,)
    if isinstance(root, Traversal):
        if root.text is not None:
            return None
        page = root.page
        if page is None or not (page.after or page.before):
            return root, ()
        values = (page.after or ()) + (page.before or ())
        slots = tuple(None if v is None else Slot(i) for i, v in enumerate(values))
        split = len(page.after or ())
        after = slots[:split] if page.after is not None else None
        before = slots[split:] if page.before is not None else None
        shape = dataclasses.replace(page, after=after, before=before)
        return dataclasses.replace(root, page=shape), values
    return root, ()


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
    found = skeleton(root)
    if found is None:
        return render(root, scope, masked)
    shape, values = found
    try:
        text, fixed, slots = _rendered(shape, cast(Hashable, scope), masked)
    except TypeError:  # an unhashable value in the root (a list in a filter)
        return render(root, scope, masked)
    params = dict(fixed)
    for name, index in slots:
        params[name] = values[index]
    return text, params
