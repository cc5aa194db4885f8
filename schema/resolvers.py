"""The resolvers' path: objects built from nodes read level by level, one statement per relation
field and nesting level (DataLoaders batch the parents), whatever the size of the result.

The compiled path (`schema/compiler`) answers the same operations in one statement; this path
answers everything, and is the reference the compiled one is tested against.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, LiteralString, Protocol, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from graph.read.ir import (
    AnyCriteria,
    Batch,
    Cursor,
    EdgeProperties,
    Edges,
    Follow,
    HasNext,
    HasPrevious,
    Item,
    Labels,
    LastActivity,
    Lookup,
    LookupBy,
    Many,
    NodeShape,
    Page,
    Properties,
    Score,
    Target,
    Total,
    Traversal,
)
from graph.read.positions import Family, Position, python_roles, python_typename
from graph.read.relations import RELATIONS, Relation
from schema.context import Context
from schema.cursors import decode_cursor, encode_cursor
from schema.ids import global_id
from schema.meta import COMPUTED, KEY, PROP, TARGET
from schema.reads import read_root, run_root
from schema.relay import Connection, Edge, PageInfo, page_size

T = TypeVar("T")
NODE_ITEMS: tuple[Item, ...] = (Labels(), Properties())
EDGE_ITEMS: tuple[Item, ...] = (*NODE_ITEMS, EdgeProperties())

_CLASSES: dict[str, type[Any]] = {}


class GraphObject(Protocol):
    FAMILY: ClassVar[Family]
    _key: str


def register(*classes: type[Any]) -> None:
    """Make node types known by their GraphQL name, to build them from what Neo4j returns."""
    for cls in classes:
        _CLASSES[cls.__strawberry_definition__.name] = cls


_FIELDS: dict[type[Any], tuple[tuple[str, str, str], ...]] = {}


def _plain_fields(cls: type[Any]) -> tuple[tuple[str, str, str], ...]:
    """(python name, what it reads, graph name) of the fields that are plain attributes."""
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    out = []
    for f in cls.__strawberry_definition__.fields:
        if f.base_resolver is not None:
            continue
        meta = f.metadata or {}
        graph_name = meta.get(PROP) or f.graphql_name or to_camel_case(f.python_name)
        if TARGET in meta:
            kind = "target"
        elif KEY in meta:
            kind = "key"
        elif COMPUTED in meta:
            kind = str(meta[COMPUTED])
        elif f.python_name == "id":
            kind = "id"
        elif f.python_name == "cursor":
            kind = "cursor"
        else:
            kind = "prop"
        out.append((f.python_name, kind, graph_name))
    found = _FIELDS[cls] = tuple(out)
    return found


def build(
    cls: type[T],
    labels: list[str],
    props: dict[str, Any],
    *,
    edge: dict[str, Any] | None = None,
    node: Any = None,
    cursor: str | None = None,
    score: float | None = None,
) -> T:
    """An object of `cls` from a node's labels and properties (or an edge's, around a node)."""
    kwargs: dict[str, Any] = {}
    source = props if edge is None else edge
    for python_name, kind, graph_name in _plain_fields(cls):
        if kind == "prop":
            kwargs[python_name] = source.get(graph_name)
        elif kind == "id":
            kwargs[python_name] = global_id(cls.FAMILY, props["id"])  # type: ignore[attr-defined]
        elif kind == "key":
            kwargs[python_name] = props["id"]
        elif kind == "roles":
            kwargs[python_name] = python_roles(labels)
        elif kind == "target":
            kwargs[python_name] = node
        elif kind == "cursor":
            kwargs[python_name] = cursor
        elif kind == "score":
            kwargs[python_name] = score
    if edge is None:
        kwargs["_key"] = props["id"]
    return cls(**kwargs)


def build_node(position: Position, row: list[Any]) -> Any:
    labels, props = row[0], row[1]
    return build(_CLASSES[python_typename(position, labels, props)], labels, props)


# ---- batched loads ---------------------------------------------------------------------------


async def _load(info: Info[Context, None], source: GraphObject, items: tuple[Item, ...]) -> Any:
    """The items of one node, read together with those of its siblings (same items asked)."""
    ctx = info.context
    family = source.FAMILY
    loader = ctx.loaders.get((family, items))
    if loader is None:

        async def batch(keys: list[str]) -> list[Any]:
            records = await run_root(ctx, Batch(family, tuple(keys), items))
            found = {r["key"]: r["data"] for r in records}
            return [found.get(k) for k in keys]

        loader = ctx.loaders[(family, items)] = DataLoader(load_fn=batch)
    return await loader.load(source._key)


def page_of(
    first: int | None,
    after: str | None,
    tag: str,
    relation: Relation,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """The page the Relay arguments ask for: `first` items after `after` (and before `before`),
    or the `last` ones before `before` (and after `after`)."""
    size, backward = page_size(first, last)
    width = len(relation.order)
    return Page(
        size,
        None if after is None else decode_cursor(tag, after, width),
        None if before is None else decode_cursor(tag, before, width),
        backward,
    )


async def single(
    info: Info[Context, None], source: GraphObject, name: str, wrapper: type[Any] | None = None
) -> Any:
    rel = RELATIONS[name]
    traversal = Traversal(rel, items=EDGE_ITEMS if rel.edge else NODE_ITEMS)
    data = await _load(info, source, (Follow(traversal),))
    row = None if data is None else data[0]
    if row is None:
        return None
    node = build_node(rel.target, row)
    if wrapper is None:
        return node
    return build(wrapper, row[0], row[1], edge=row[2], node=node)


async def last_activity(info: Info[Context, None], source: GraphObject) -> Any:
    data = await _load(info, source, (LastActivity(),))
    return None if data is None else data[0]


async def connection(
    info: Info[Context, None],
    source: GraphObject | None,
    name: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    criteria: AnyCriteria | None = None,
    edge: type[Any] | None = None,
    relation: Relation | None = None,
    text: str | None = None,
    wrap: type[Any] = Connection,
) -> Any:
    """A page of a relation (or of a root list when `source` is None), as a connection object."""
    rel = relation or RELATIONS[name]
    page = page_of(first, after, name, rel, last, before)
    items: tuple[Item, ...] = (Cursor(), Target(NodeShape(rel.target, NODE_ITEMS)))
    items += (EdgeProperties(),) if rel.edge else ()
    items += (Score(),) if text is not None else ()
    traversal = Traversal(
        rel, page=page, conn=(Edges(items), HasNext(), HasPrevious()), criteria=criteria, text=text
    )
    if source is None:
        data = await read_root(info.context, traversal)
    else:
        data = (await _load(info, source, (Follow(traversal),)))[0]
    rows, has_next, has_previous = data
    edges = []
    for row in rows:
        node = build_node(rel.target, row[1])
        cursor = encode_cursor(name, row[0])
        if edge is None:
            edges.append(Edge(cursor=cursor, node=node))
        else:
            extra = row[2] if rel.edge else {}
            score = row[-1] if text is not None else None
            edges.append(build(edge, [], {}, edge=extra, node=node, cursor=cursor, score=score))
    page_info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    counted = replace(traversal, page=Page(0), conn=(Total(),))

    async def total(info: Info[Context, None]) -> int:
        if source is None:
            found: int = (await read_root(info.context, counted))[0]
            return found
        loaded = await _load(info, source, (Follow(counted),))
        return int(loaded[0][0])

    return wrap(edges=edges, page_info=page_info, _total=total)


async def lookup(
    info: Info[Context, None],
    family: Family,
    by: LookupBy,
    value: str,
    position: Position,
    label: LiteralString | None = None,
) -> Any:
    root = Lookup(family, by, value, position, NODE_ITEMS, label)
    data = await read_root(info.context, root)
    return None if data is None else build_node(position, data)


async def many(info: Info[Context, None], keys: list[tuple[Family, str]]) -> list[Any]:
    data = await read_root(info.context, Many(tuple(keys), NODE_ITEMS))
    return [None if row is None else build_node(Position.NODE, row) for row in data]
