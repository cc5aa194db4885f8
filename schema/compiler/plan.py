"""Plans: an operation's selection sets resolved against the schema (by `planner.py`).

A plan says, for each response key, where its value is in the rows Neo4j returns and how to shape
it; and it holds the item templates from which `bind` builds the statement's IR for each
request's arguments. An operation the planner cannot compile (introspection, `server`, `@defer`)
has no plan and runs on the executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    Node,
    Visitor,
    visit,
)

from graph.read.positions import Family, Position
from graph.read.relations import Relation


class Unsupported(Exception):
    """The operation uses something the compiler does not handle: run it on the executor."""


class Out(Enum):
    CONST = auto()  # __typename
    VALUE = auto()  # a value as Neo4j returns it
    GLOBAL_ID = auto()  # a key, encoded as a global id
    CURSOR = auto()  # sort key values, encoded as a cursor
    OBJECT = auto()  # a nested object (a list of values in Cypher)
    LIST = auto()  # a list of nested objects


@dataclass(eq=False, slots=True)
class FieldPlan:
    key: str
    out: Out
    nonnull: bool
    parent: str  # the parent type's name, for errors
    name: str  # the field's name, for errors
    nodes: tuple[FieldNode, ...]
    index: int = -1
    const: Any = None
    check: bool = False  # a non-null value that the data may lack: checked when shaping
    family: Family | None = None
    child: ObjectPlan | AbstractPlan | None = None
    unwrap: bool = False  # the value is a one-item row around the object
    item_nonnull: bool = True


@dataclass(eq=False, slots=True)
class ObjectPlan:
    type_name: str
    fields: list[FieldPlan] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)  # templates of the Cypher items, in order
    tag: str | None = None  # a connection's cursor tag (None: given when binding)
    layout: Any = None  # how `shape.py` builds it, made on first use (`shape.Layout`)


@dataclass(eq=False, slots=True)
class AbstractPlan:
    position: Position
    variants: dict[str, ObjectPlan]


@dataclass(eq=False, slots=True)
class FollowSpec:
    """A relationship field: its traversal is built per request from the field's arguments."""

    relation: Relation
    name: str  # relation name, also the cursor tag
    field_def: GraphQLField
    node: FieldNode
    items: list[Any] | None = None  # single: the row's item templates
    conn: list[Any] | None = None  # connection: the connection's item templates
    static: bool | None = None  # no variable below: bound once, then reused (see `is_static`)
    bound: Any = None
    fixed: Any = None  # the arguments written in the document, converted (`arguments.Fixed`)


@dataclass(eq=False, slots=True)
class TTarget:
    plan: ObjectPlan | AbstractPlan
    position: Position
    static: bool | None = None
    bound: Any = None


@dataclass(eq=False, slots=True)
class TEdges:
    items: list[Any]
    static: bool | None = None
    bound: Any = None


@dataclass(eq=False, slots=True)
class TGroup:
    items: list[Any]
    static: bool | None = None
    bound: Any = None


Template = FollowSpec | TTarget | TEdges | TGroup


def uses_variables(node: Node) -> bool:
    """Whether a variable appears anywhere in `node` (a field's argument, a value)."""
    found = False

    class Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    visit(node, Finder())
    return found


def _uses_variables(node: FieldNode) -> bool:
    return any(uses_variables(argument) for argument in node.arguments or ())


def is_static(template: Any) -> bool:
    """True when a template binds to the same IR for every request (no variable below it)."""
    if not isinstance(template, Template):
        return True
    if template.static is None:
        if isinstance(template, FollowSpec):
            children = (template.items or []) + (template.conn or [])
            template.static = not _uses_variables(template.node) and all(map(is_static, children))
        elif isinstance(template, TTarget):
            plan = template.plan
            plans = plan.variants.values() if isinstance(plan, AbstractPlan) else [plan]
            template.static = all(is_static(t) for p in plans for t in p.items)
        else:
            template.static = all(map(is_static, template.items))
    return template.static


@dataclass(eq=False, slots=True)
class RootPlan:
    key: str
    kind: str  # the root field's `ROOT` marker, or "__typename"
    field: FieldPlan
    field_def: GraphQLField | None = None
    node: FieldNode | None = None
    items: list[Any] | None = None  # node roots: the node's item templates
    conn: list[Any] | None = None  # connection roots
    fixed: Any = None  # the arguments written in the document, converted (`arguments.Fixed`)


@dataclass(eq=False, slots=True)
class OperationPlan:
    roots: list[RootPlan]
