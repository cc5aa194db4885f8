"""The resolvers' path: objects built from nodes read level by level, one statement per relation
field and nesting level (DataLoaders batch the parents), whatever the size of the result.

The compiled path (`schema/compiler`) answers the same operations in one statement; this path
answers everything, and is the reference the compiled one is tested against.

Typed seams: a caller names the class of the nodes it expects (`node=`), or the class carrying a
relationship's properties (`wrapper=`, `edge=`) and its connection class (`wrap=`), and gets exactly
that type back. Which class a node is built as follows its labels and the relation's position, so
`build_node` checks the built object against the class the caller named: a field declared with the
wrong class fails on its first read instead of handing Strawberry an object of another type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import ClassVar, LiteralString, Protocol, TypeVar, overload

from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.base import get_object_definition
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
from schema.context import Context, Data, Props, Raw
from schema.cursors import decode_cursor, encode_cursor
from schema.ids import global_id
from schema.meta import COMPUTED, KEY, PROP, TARGET
from schema.reads import read_root, run_root
from schema.relay import Connection, Edge, PageInfo, TotalCount, page_size
from schema.scalars import Date

T = TypeVar("T")
N = TypeVar("N")  # the class of the nodes a caller expects
W = TypeVar("W")  # a class carrying a relationship's properties around the node it lands on
E = TypeVar("E")  # the edge class of a connection
C_co = TypeVar("C_co", covariant=True)  # a connection class over those edges

NODE_ITEMS: tuple[Item, ...] = (Labels(), Properties())
EDGE_ITEMS: tuple[Item, ...] = (*NODE_ITEMS, EdgeProperties())

_CLASSES: dict[str, type[object]] = {}


class GraphObject(Protocol):
    FAMILY: ClassVar[Family]
    _key: str


class Wraps(Protocol[E, C_co]):
    """A connection class over edges of class `E` (the `EdgeConnection` subclasses)."""

    def __call__(self, *, edges: list[E], page_info: PageInfo, _total: TotalCount) -> C_co: ...


def register(*classes: type[object]) -> None:
    """Make node types known by their GraphQL name, to build them from what Neo4j returns."""
    for cls in classes:
        _CLASSES[get_object_definition(cls, strict=True).name] = cls


_FIELDS: dict[type[object], tuple[tuple[str, str, str], ...]] = {}


def _plain_fields(cls: type[object]) -> tuple[tuple[str, str, str], ...]:
    """(python name, what it reads, graph name) of the fields that are plain attributes."""
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    out = []
    for f in get_object_definition(cls, strict=True).fields:
        if f.base_resolver is not None:
            continue
        meta: Mapping[str, object] = f.metadata or {}
        graph_name = str(meta.get(PROP) or f.graphql_name or to_camel_case(f.python_name))
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
    props: Props,
    *,
    edge: Props | None = None,
    node: object = None,
    cursor: str | None = None,
    score: float | None = None,
) -> T:
    """An object of `cls` from a node's labels and properties (or an edge's, around a node)."""
    kwargs: Props = {}
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


def build_node(position: Position, row: list[Raw], cls: type[N]) -> N:
    """The node of `row` (its labels and properties) as the class its labels give at `position`,
    which must be `cls` or one of its subclasses (else the schema declares a field wrongly)."""
    labels, props = row[0], row[1]
    node = build(_CLASSES[python_typename(position, labels, props)], labels, props)
    if not isinstance(node, cls):
        raise TypeError(f"{position} read a {type(node).__name__}, not the {cls.__name__} expected")
    return node


# ---- batched loads ---------------------------------------------------------------------------


async def _load(info: Info[Context, None], source: GraphObject, items: tuple[Item, ...]) -> Data:
    """The items of one node, read together with those of its siblings (same items asked)."""
    ctx = info.context
    family = source.FAMILY
    loader = ctx.loaders.get((family, items))
    if loader is None:

        async def batch(keys: list[str]) -> list[Data]:
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


@overload
async def single(
    info: Info[Context, None], source: GraphObject, name: str, *, node: type[N]
) -> N | None: ...


@overload
async def single(
    info: Info[Context, None], source: GraphObject, name: str, *, wrapper: type[W]
) -> W | None: ...


async def single(
    info: Info[Context, None],
    source: GraphObject,
    name: str,
    *,
    node: type[object] = object,
    wrapper: type[object] | None = None,
) -> object:
    """The node a to-one relation lands on, as `node`; or, with `wrapper`, an object of that
    class holding the relationship's properties and the node."""
    rel = RELATIONS[name]
    traversal = Traversal(rel, items=EDGE_ITEMS if rel.edge else NODE_ITEMS)
    data = await _load(info, source, (Follow(traversal),))
    row = None if data is None else data[0]
    if row is None:
        return None
    target = build_node(rel.target, row, node)
    if wrapper is None:
        return target
    return build(wrapper, row[0], row[1], edge=row[2], node=target)


async def last_activity(info: Info[Context, None], source: GraphObject) -> Date | None:
    data = await _load(info, source, (LastActivity(),))
    value = None if data is None else data[0]
    return None if value is None else Date(value)


@overload
async def connection(
    info: Info[Context, None],
    source: GraphObject | None,
    name: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    node: type[N],
    criteria: AnyCriteria | None = None,
    relation: Relation | None = None,
) -> Connection[N]: ...


@overload
async def connection(
    info: Info[Context, None],
    source: GraphObject | None,
    name: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    edge: type[E],
    wrap: Wraps[E, C_co],
    criteria: AnyCriteria | None = None,
    relation: Relation | None = None,
    text: str | None = None,
) -> C_co: ...


async def connection(
    info: Info[Context, None],
    source: GraphObject | None,
    name: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    node: type[object] = object,
    edge: type[object] | None = None,
    wrap: Callable[..., object] | None = None,
    criteria: AnyCriteria | None = None,
    relation: Relation | None = None,
    text: str | None = None,
) -> object:
    """A page of a relation (or of a root list when `source` is None): a `Connection` of `node`
    objects, or, with `edge` and `wrap`, a `wrap` of `edge` objects (the relationship's properties,
    the node, and with `text` its search score)."""
    rel = relation or RELATIONS[name]
    page = page_of(first, after, name, rel, last, before)
    items: tuple[Item, ...] = (Cursor(), Target(NodeShape(rel.target, NODE_ITEMS)))
    items += (EdgeProperties(),) if rel.edge else ()
    items += (Score(),) if text is not None else ()
    traversal = Traversal(
        rel, page=page, conn=(Edges(items), HasNext(), HasPrevious()), criteria=criteria, text=text
    )
    rows, has_next, has_previous = await _read(info, source, traversal)
    cursors = [encode_cursor(name, row[0]) for row in rows]
    page_info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    total = _counter(source, replace(traversal, page=Page(0), conn=(Total(),)))
    if edge is None or wrap is None:
        nodes = [
            Edge(cursor=cursor, node=build_node(rel.target, row[1], node))
            for cursor, row in zip(cursors, rows, strict=True)
        ]
        return Connection(edges=nodes, page_info=page_info, _total=total)
    edges = [
        build(
            edge,
            [],
            {},
            edge=row[2] if rel.edge else {},
            node=build_node(rel.target, row[1], object),
            cursor=cursor,
            score=row[-1] if text is not None else None,
        )
        for cursor, row in zip(cursors, rows, strict=True)
    ]
    return wrap(edges=edges, page_info=page_info, _total=total)


async def _read(
    info: Info[Context, None], source: GraphObject | None, traversal: Traversal
) -> tuple[list[list[Raw]], bool, bool]:
    """The rows, `hasNext` and `hasPrevious` of one page (of a root list when `source` is None);
    a source node no longer in the graph has an empty page."""
    if source is None:
        data = await read_root(info.context, traversal)
    else:
        loaded = await _load(info, source, (Follow(traversal),))
        data = [[], False, False] if loaded is None else loaded[0]
    rows, has_next, has_previous = data
    return rows, has_next, has_previous


def _counter(source: GraphObject | None, counted: Traversal) -> TotalCount:
    """`totalCount` of a connection, read only when asked."""

    async def total(info: Info[Context, None]) -> int:
        if source is None:
            return int((await read_root(info.context, counted))[0])
        loaded = await _load(info, source, (Follow(counted),))
        return 0 if loaded is None else int(loaded[0][0])

    return total


async def lookup(
    info: Info[Context, None],
    family: Family,
    by: LookupBy,
    value: str,
    position: Position,
    label: LiteralString | None = None,
    *,
    node: type[N],
) -> N | None:
    root = Lookup(family, by, value, position, NODE_ITEMS, label)
    data = await read_root(info.context, root)
    return None if data is None else build_node(position, data, node)


async def many(
    info: Info[Context, None], keys: list[tuple[Family, str]], *, node: type[N]
) -> list[N | None]:
    data = await read_root(info.context, Many(tuple(keys), NODE_ITEMS))
    return [None if row is None else build_node(Position.NODE, row, node) for row in data]
