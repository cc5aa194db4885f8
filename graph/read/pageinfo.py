"""A connection's value from its page's collected columns: the edges, `pageInfo` (whether more
rows lie beyond each end, the start and end cursors) and `totalCount`, in the IR's item order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from graph.read.ir import (
    ConnItem,
    Const,
    Edges,
    EndCursor,
    Group,
    HasNext,
    HasPrevious,
    StartCursor,
    Total,
)


@dataclass(slots=True)
class ConnState:
    size: LiteralString
    edges: Any
    keys: LiteralString
    total: LiteralString
    beyond: LiteralString  # whether rows lie beyond the page's starting cursor
    backward: bool


def flatten(items: tuple[ConnItem, ...]) -> list[ConnItem]:
    out: list[ConnItem] = []
    for c in items:
        if isinstance(c, Group):
            out.extend(flatten(c.items))
        else:
            out.append(c)
    return out


def conn_expr(items: tuple[ConnItem, ...], st: ConnState) -> LiteralString:
    exprs: list[LiteralString] = []
    more: LiteralString = f"size({st.keys}) > {st.size}"
    beyond: LiteralString = st.beyond or "false"
    page_keys: LiteralString = f"{st.keys}[0..{st.size}]"
    for c in items:
        match c:
            case Edges():
                edges: LiteralString = f"{next(st.edges)}[0..{st.size}]"
                exprs.append(f"reverse({edges})" if st.backward else edges)
            case HasNext():
                exprs.append(beyond if st.backward else more)
            case HasPrevious():
                exprs.append(more if st.backward else beyond)
            case StartCursor():
                exprs.append(f"last({page_keys})" if st.backward else f"head({st.keys})")
            case EndCursor():
                exprs.append(f"head({st.keys})" if st.backward else f"last({page_keys})")
            case Total():
                exprs.append(st.total)
            case Group(items=inner):
                exprs.append(conn_expr(inner, st))
            case Const(value=value):
                exprs.append("null" if value is None else ("true" if value else "false"))
    return "[" + ", ".join(exprs) + "]"
