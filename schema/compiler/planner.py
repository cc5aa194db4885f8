"""The planner: an operation's selection sets resolved against the schema, once per document.

Fragments, aliases, `@skip`/`@include` and type conditions are resolved with graphql-core's own
`collect_fields`, so the field order and merging are exactly the executor's. The planner refuses
(`Unsupported`) what it cannot compile: the operation then runs on the executor.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
    is_leaf_type,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues

from graph.read import ir
from graph.read.positions import Position, possible_types
from graph.read.relations import RELATIONS
from schema.compiler.plan import (
    AbstractPlan,
    FieldPlan,
    FollowSpec,
    ObjectPlan,
    OperationPlan,
    Out,
    RootPlan,
    TEdges,
    TGroup,
    TTarget,
    Unsupported,
)
from schema.meta import COMPUTED, FOLLOW, KEY, PROP, ROOT, TARGET


def _strawberry(field_def: GraphQLField) -> Any:
    return field_def.extensions.get("strawberry-definition")


def _meta(field_def: GraphQLField) -> dict[str, Any]:
    found = _strawberry(field_def)
    return dict(found.metadata) if found is not None and found.metadata else {}


def _unwrap(t: GraphQLOutputType) -> tuple[GraphQLOutputType, bool, bool, bool]:
    """(named type, non-null, is a list, list items non-null)."""
    nonnull = isinstance(t, GraphQLNonNull)
    if nonnull:
        t = t.of_type  # type: ignore[union-attr]
    if isinstance(t, GraphQLList):
        inner = t.of_type
        item_nonnull = isinstance(inner, GraphQLNonNull)
        named = inner.of_type if item_nonnull else inner
        return named, nonnull, True, item_nonnull
    return t, nonnull, False, False


def _enum_map(t: GraphQLEnumType) -> tuple[tuple[str, str], ...]:
    pairs = []
    for name, value in t.values.items():
        raw = value.value
        pairs.append((str(getattr(raw, "value", raw)), name))
    return tuple(pairs)


def _leaf(source: ir.Prop | ir.EdgeProp, named: GraphQLOutputType, many: bool) -> Any:
    """A scalar or enum property as the response holds it: enums mapped, and dates and instants
    as text, in the statement."""
    if isinstance(named, GraphQLEnumType):
        return ir.Mapped(source, _enum_map(named), many)
    if not many and isinstance(named, GraphQLScalarType) and named.name in _TEMPORAL:
        return ir.AsText(source, instant=_TEMPORAL[named.name])
    return source


_TEMPORAL = {"Date": False, "DateTime": True}  # the scalars of `schema/scalars.py`: is an instant


# The positions where the types that are not reached through a relation's target are found.
TYPE_POSITIONS: dict[str, Position] = {
    "Person": Position.PERSON,
    "Household": Position.HOUSEHOLD,
    "Organization": Position.ORGANIZATION,
    "Broker": Position.BROKER,
    "Employee": Position.EMPLOYEE,
    "Customer": Position.CUSTOMER,
    "Party": Position.PARTY,
    "Node": Position.NODE,
    "CommitteeTarget": Position.COMMITTEE_TARGET,
}


class Planner:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variables: VariableValues,
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.operation = operation

    def _sub(
        self, t: GraphQLObjectType, details: list[FieldDetails]
    ) -> dict[str, list[FieldDetails]]:
        collected = collect_subfields(
            self.schema, self.fragments, self.variables, self.operation, t, details
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        return collected.grouped_field_set

    # -- nodes --

    def node(
        self, t: GraphQLOutputType, details: list[FieldDetails], position: Position
    ) -> ObjectPlan | AbstractPlan:
        if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
            names = possible_types(position)
            variants: dict[str, ObjectPlan] = {}
            for concrete in self.schema.get_possible_types(t):
                if concrete.name in names:
                    variants[concrete.name] = self._object(concrete, details, offset=1)
            return AbstractPlan(position, variants)
        if not isinstance(t, GraphQLObjectType):
            raise Unsupported(str(t))
        return self._object(t, details, offset=0)

    def _object(self, t: GraphQLObjectType, details: list[FieldDetails], offset: int) -> ObjectPlan:
        plan = ObjectPlan(t.name)
        origin = t.extensions.get("strawberry-definition")
        family = getattr(getattr(origin, "origin", None), "FAMILY", None)
        for key, group in self._sub(t, details).items():
            name = group[0].node.name.value
            nodes = tuple(d.node for d in group)
            if name == "__typename":
                plan.fields.append(
                    FieldPlan(key, Out.CONST, True, t.name, name, nodes, const=t.name)
                )
                continue
            field_def = t.fields[name]
            named, nonnull, many, item_nonnull = _unwrap(field_def.type)
            meta = _meta(field_def)
            fp = FieldPlan(key, Out.VALUE, nonnull, t.name, name, nodes, item_nonnull=item_nonnull)
            fp.index = len(plan.items) + offset
            if FOLLOW in meta:
                spec = self._follow(field_def, meta[FOLLOW], named, group, fp)
                plan.items.append(spec)
            elif COMPUTED in meta:
                plan.items.append(_COMPUTED[meta[COMPUTED]])
            elif name == "id" and family is not None:
                fp.out, fp.family = Out.GLOBAL_ID, family
                plan.items.append(ir.Key())
            elif KEY in meta:
                plan.items.append(ir.Key())
            elif is_leaf_type(named) and _strawberry(field_def).base_resolver is None:
                plan.items.append(_leaf(ir.Prop(meta.get(PROP, name)), named, many))
                fp.check = nonnull
            else:
                raise Unsupported(f"{t.name}.{name}")
            plan.fields.append(fp)
        return plan

    def _follow(
        self,
        field_def: GraphQLField,
        relation_name: str,
        named: GraphQLOutputType,
        group: list[FieldDetails],
        fp: FieldPlan,
    ) -> FollowSpec:
        relation = RELATIONS[relation_name]
        spec = FollowSpec(relation, relation_name, field_def, group[0].node)
        fp.out = Out.OBJECT
        if isinstance(named, GraphQLObjectType) and "edges" in named.fields:
            conn_plan = self.connection(named, group, relation.target, relation_name)
            fp.child = conn_plan
            spec.conn = conn_plan.items
        elif isinstance(named, GraphQLObjectType) and _target_field(named) is not None:
            wrapper = self.wrapper(named, group, relation.target)
            fp.child = wrapper
            spec.items = wrapper.items
        else:
            fp.child = self.node(named, group, relation.target)
            fp.unwrap = True
            spec.items = [TTarget(fp.child, relation.target)]
        return spec

    # -- edges, wrappers, connections --

    def wrapper(
        self, t: GraphQLObjectType, details: list[FieldDetails], position: Position
    ) -> ObjectPlan:
        """An edge or a wrapper object: the relationship's properties around the node."""
        plan = ObjectPlan(t.name)
        for key, group in self._sub(t, details).items():
            name = group[0].node.name.value
            nodes = tuple(d.node for d in group)
            if name == "__typename":
                plan.fields.append(
                    FieldPlan(key, Out.CONST, True, t.name, name, nodes, const=t.name)
                )
                continue
            field_def = t.fields[name]
            named, nonnull, many, _ = _unwrap(field_def.type)
            meta = _meta(field_def)
            fp = FieldPlan(key, Out.VALUE, nonnull, t.name, name, nodes, index=len(plan.items))
            if TARGET in meta:
                fp.out = Out.OBJECT
                fp.child = self.node(named, group, position)
                plan.items.append(TTarget(fp.child, position))
            elif name == "cursor":
                fp.out = Out.CURSOR
                plan.items.append(ir.Cursor())
            elif COMPUTED in meta:
                plan.items.append(_COMPUTED[meta[COMPUTED]])
            elif is_leaf_type(named):
                plan.items.append(_leaf(ir.EdgeProp(meta.get(PROP, name)), named, many))
                fp.check = nonnull
            else:
                raise Unsupported(f"{t.name}.{name}")
            plan.fields.append(fp)
        return plan

    def connection(
        self, t: GraphQLObjectType, details: list[FieldDetails], position: Position, tag: str | None
    ) -> ObjectPlan:
        plan = ObjectPlan(t.name, tag=tag)
        for key, group in self._sub(t, details).items():
            name = group[0].node.name.value
            nodes = tuple(d.node for d in group)
            fp = FieldPlan(key, Out.VALUE, True, t.name, name, nodes, index=len(plan.items))
            if name == "__typename":
                fp.out, fp.const = Out.CONST, t.name
            elif name == "edges":
                edge_type, _, _, _ = _unwrap(t.fields[name].type)
                assert isinstance(edge_type, GraphQLObjectType)
                fp.out = Out.LIST
                fp.child = self.wrapper(edge_type, group, position)
                plan.items.append(TEdges(fp.child.items))
            elif name == "pageInfo":
                fp.out = Out.OBJECT
                fp.child = self.page_info(t.fields[name].type, group)
                plan.items.append(TGroup(fp.child.items))
            elif name == "totalCount":
                plan.items.append(ir.Total())
            else:
                raise Unsupported(f"{t.name}.{name}")
            plan.fields.append(fp)
        return plan

    def page_info(self, t: GraphQLOutputType, details: list[FieldDetails]) -> ObjectPlan:
        named, _, _, _ = _unwrap(t)
        assert isinstance(named, GraphQLObjectType)
        plan = ObjectPlan(named.name)
        for key, group in self._sub(named, details).items():
            name = group[0].node.name.value
            nodes = tuple(d.node for d in group)
            nonnull = (
                isinstance(named.fields[name].type, GraphQLNonNull)
                if name in named.fields
                else True
            )
            fp = FieldPlan(key, Out.VALUE, nonnull, named.name, name, nodes, index=len(plan.items))
            if name == "__typename":
                fp.out, fp.const = Out.CONST, named.name
            else:
                item = _PAGE_INFO[name]
                if name in {"startCursor", "endCursor"}:
                    fp.out = Out.CURSOR
                plan.items.append(item)
            plan.fields.append(fp)
        return plan

    # -- roots --

    def operation_plan(self) -> OperationPlan:
        if self.operation.operation is not OperationType.QUERY:
            raise Unsupported("mutations run on the executor, one transaction each")
        query = self.schema.query_type
        assert query is not None
        collected = collect_fields(
            self.schema, self.fragments, self.variables, query, self.operation
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        roots: list[RootPlan] = []
        for key, group in collected.grouped_field_set.items():
            name = group[0].node.name.value
            nodes = tuple(d.node for d in group)
            if name == "__typename":
                fp = FieldPlan(key, Out.CONST, True, query.name, name, nodes, const=query.name)
                roots.append(RootPlan(key, name, fp))
                continue
            field_def = query.fields.get(name)
            meta = _meta(field_def) if field_def is not None else {}
            if field_def is None or ROOT not in meta:
                raise Unsupported(name)
            roots.append(self._root(key, meta[ROOT], field_def, group, nodes))
        return OperationPlan(roots)

    def _root(
        self,
        key: str,
        kind: str,
        field_def: GraphQLField,
        group: list[FieldDetails],
        nodes: tuple[FieldNode, ...],
    ) -> RootPlan:
        named, nonnull, many, item_nonnull = _unwrap(field_def.type)
        fp = FieldPlan(key, Out.OBJECT, nonnull, "Query", kind, nodes, index=0)
        root = RootPlan(key, kind, fp, field_def, group[0].node)
        position = _ROOT_POSITIONS[kind]
        if kind in {"customers", "search"}:
            assert isinstance(named, GraphQLObjectType)
            conn = self.connection(named, group, position, "search" if kind == "search" else None)
            fp.child, root.conn = conn, conn.items
        else:
            fp.child = self.node(named, group, position)
            root.items = [TTarget(fp.child, position)]
            fp.unwrap = True
            if many:
                fp.out, fp.item_nonnull = Out.LIST, item_nonnull
        return root


def _target_field(t: GraphQLObjectType) -> str | None:
    for name, f in t.fields.items():
        if TARGET in _meta(f):
            return str(name)
    return None


_COMPUTED: dict[str, Any] = {
    "roles": ir.Roles(),
    "last_activity": ir.LastActivity(),
    "score": ir.Score(),
}

_PAGE_INFO: dict[str, Any] = {
    "hasNextPage": ir.HasNext(),
    "hasPreviousPage": ir.HasPrevious(),
    "startCursor": ir.StartCursor(),
    "endCursor": ir.EndCursor(),
}

_ROOT_POSITIONS: dict[str, Position] = {
    "node": Position.NODE,
    "nodes": Position.NODE,
    "customer": Position.CUSTOMER,
    "customers": Position.CUSTOMER,
    "search": Position.PARTY,
    "account": Position.ORGANIZATION,
    "broker": Position.BROKER,
    "product": Position.PRODUCT,
}
