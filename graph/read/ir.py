"""The read IR: what a statement asks for, free of GraphQL and of Cypher text.

A root (`Lookup`, `Many`, `Batch`, or a root `Traversal`) anchors nodes; each node is projected by
a `NodeShape`, a list of items (properties, computed values, nested traversals); a connection is
projected by `ConnItem`s. `render.py` turns a root into one parameterised statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from graph.read.criteria import Criterion, InteractionCriteria, OrderCriteria
from graph.read.positions import Family, Position
from graph.read.relations import Relation

# ---- items of a node projection --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """The place of the `index`-th per-request value in a cached statement's parameters
    (`graph.read.statements`); the renderer binds it like any value."""

    index: int


@dataclass(frozen=True, slots=True)
class Prop:
    name: str


@dataclass(frozen=True, slots=True)
class EdgeProp:
    name: str


@dataclass(frozen=True, slots=True)
class Mapped:
    """A stored string turned into an enum name through a fixed map (null when unknown)."""

    source: Prop | EdgeProp
    mapping: tuple[tuple[str, str], ...]
    many: bool = False


@dataclass(frozen=True, slots=True)
class AsText:
    """A date (`instant` False) or an instant as the API's text: the driver would decode each
    into an object for Python to format again (about 50 us each on a page of 50 customers)."""

    source: Prop | EdgeProp
    instant: bool


@dataclass(frozen=True, slots=True)
class Key:
    """The node's `id` property."""


@dataclass(frozen=True, slots=True)
class Roles:
    pass


@dataclass(frozen=True, slots=True)
class TypeName:
    pass


@dataclass(frozen=True, slots=True)
class LastActivity:
    pass


@dataclass(frozen=True, slots=True)
class Score:
    """The full-text score of a search hit."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """The row's sort key values."""


@dataclass(frozen=True, slots=True)
class Labels:
    pass


@dataclass(frozen=True, slots=True)
class Properties:
    pass


@dataclass(frozen=True, slots=True)
class EdgeProperties:
    pass


@dataclass(frozen=True, slots=True)
class Target:
    """The landed node, projected by its shape (inside an edge or a wrapper object)."""

    node: NodeShape


@dataclass(frozen=True, slots=True)
class Follow:
    traversal: Traversal


@dataclass(frozen=True, slots=True)
class Const:
    """A value fixed when the plan is made (an always-false `hasPreviousPage` on a first page...)."""

    value: bool | None


Item = (
    Prop
    | EdgeProp
    | Mapped
    | AsText
    | Key
    | Roles
    | TypeName
    | LastActivity
    | Score
    | Cursor
    | Labels
    | Properties
    | EdgeProperties
    | Target
    | Follow
    | Const
)


@dataclass(frozen=True, slots=True)
class NodeShape:
    """A node's projection; at an abstract position, one item list per possible type name
    (the rendered list then starts with the type name)."""

    position: Position
    items: tuple[Item, ...] = ()
    variants: tuple[tuple[str, tuple[Item, ...]], ...] | None = None


# ---- connections ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edges:
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class HasNext:
    pass


@dataclass(frozen=True, slots=True)
class HasPrevious:
    pass


@dataclass(frozen=True, slots=True)
class StartCursor:
    pass


@dataclass(frozen=True, slots=True)
class EndCursor:
    pass


@dataclass(frozen=True, slots=True)
class Total:
    pass


@dataclass(frozen=True, slots=True)
class Group:
    items: tuple[ConnItem, ...]


ConnItem = Edges | HasNext | HasPrevious | StartCursor | EndCursor | Total | Group | Const


@dataclass(frozen=True, slots=True)
class Page:
    """A page of `size` rows between the cursors `after` and `before` (each optional): the first
    rows of that window, or its last ones when `backward` (`last`)."""

    size: int
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    backward: bool = False


AnyCriteria = Criterion | InteractionCriteria | OrderCriteria


@dataclass(frozen=True, slots=True)
class Traversal:
    """From a node (or from nothing, at a root) to the nodes of a relation.

    Without `page` it yields one row (the first in the relation's order) projected by `items`, or
    null; with `page` it yields a connection projected by `conn`.
    """

    relation: Relation
    items: tuple[Item, ...] = ()
    page: Page | None = None
    conn: tuple[ConnItem, ...] = ()
    criteria: AnyCriteria | None = None
    # A full-text query: the candidates are its hits (roots only). A `Slot` holds the query
    # already restricted to the unmasked fields (`masking.search_text`).
    text: str | Slot | None = None


# ---- roots ---------------------------------------------------------------------------------


class LookupBy(StrEnum):
    ID = "id"
    EMAIL = "email"
    SOURCE_ID = "sourceId"
    EXTERNAL_ID = "externalId"


LOOKUP_KEY: LiteralString = "key"  # the parameter holding a lookup's value


@dataclass(frozen=True, slots=True)
class Lookup:
    """One node found by a key; when several match (email...), the one with the smallest id."""

    family: Family
    by: LookupBy
    value: str
    position: Position
    items: tuple[Item, ...]
    label: LiteralString | None = None  # an extra label the node must carry (Customer, Broker)


@dataclass(frozen=True, slots=True)
class Many:
    """Nodes by (family, id), answered in the order asked, null where not found."""

    keys: tuple[tuple[Family, str], ...]
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Batch:
    """The same items of many nodes: the resolvers' batched level (`key, data` rows)."""

    family: Family
    keys: tuple[str, ...]
    items: tuple[Item, ...]


Root = Lookup | Many | Batch | Traversal
