"""Binding: a plan and one request's variables become the statement's IR (`graph.read.ir`).

Arguments are coerced by graphql-core and converted by Strawberry exactly as for the resolvers,
then turned into pages and criteria by the same functions the resolvers use, so both paths ask
Neo4j the same question. Invalid arguments raise `ClientError`: the caller then runs the operation
on the executor, which reports the error where the resolvers do.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.execution.values import VariableValues

from graph.read import ir
from graph.read.positions import Family, Position
from graph.read.relations import Criteria
from schema.compiler.arguments import arguments, fixed
from schema.compiler.plan import (
    AbstractPlan,
    FollowSpec,
    ObjectPlan,
    RootPlan,
    TEdges,
    Template,
    TTarget,
    is_static,
)
from schema.ids import parse_global_id, parse_id
from schema.inputs import customer_criteria, interaction_criteria, order_criteria
from schema.query import customer_lookup, customers_relation, node_keys, party_key
from schema.resolvers import page_of
from schema.search import SEARCH, kind_criterion, lucene_query


class Binder:
    def __init__(
        self,
        schema: strawberry.Schema,
        variables: VariableValues,
        masked: frozenset[str] | None = None,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.masked = (
            masked  # the caller's masked properties (None: unknown, refuse lookups on them)
        )

    def args(self, plan: FollowSpec | RootPlan) -> dict[str, Any]:
        assert plan.field_def is not None and plan.node is not None
        if plan.fixed is None:
            plan.fixed = fixed(self.schema, plan.field_def, plan.node)
        return arguments(self.schema, plan.field_def, plan.node, plan.fixed, self.variables)

    def items(self, templates: list[Any]) -> tuple[Any, ...]:
        return tuple(self.item(t) for t in templates)

    def item(self, t: Any) -> Any:
        if not isinstance(t, Template):
            return t
        if t.bound is not None:
            return t.bound
        bound: Any
        if isinstance(t, TTarget):
            bound = ir.Target(self.shape(t.plan, t.position))
        elif isinstance(t, FollowSpec):
            bound = ir.Follow(self.follow(t))
        elif isinstance(t, TEdges):
            bound = ir.Edges(self.items(t.items))
        else:
            bound = ir.Group(self.items(t.items))
        if is_static(t):
            t.bound = bound
        return bound

    def shape(self, plan: ObjectPlan | AbstractPlan, position: Position) -> ir.NodeShape:
        if isinstance(plan, AbstractPlan):
            variants = tuple((name, self.items(p.items)) for name, p in plan.variants.items())
            return ir.NodeShape(position, variants=variants)
        return ir.NodeShape(position, self.items(plan.items))

    def follow(self, spec: FollowSpec) -> ir.Traversal:
        if spec.conn is None:
            assert spec.items is not None
            return ir.Traversal(spec.relation, items=self.items(spec.items))
        args = self.args(spec)
        page = page_of(
            args.get("first"), args.get("after"), spec.name, spec.relation,
            args.get("last"), args.get("before"),
        )  # fmt: skip
        found = args.get("filter")
        criteria: Any = None
        if spec.relation.criteria is Criteria.INTERACTIONS:
            criteria = interaction_criteria(found)
        elif spec.relation.criteria is Criteria.ORDERS:
            criteria = order_criteria(found)
        elif spec.relation.criteria is Criteria.CUSTOMERS:
            criteria = customer_criteria(found, self.masked)
        return ir.Traversal(spec.relation, page=page, conn=self.items(spec.conn), criteria=criteria)

    def root(self, rp: RootPlan) -> tuple[ir.Root | None, str | None]:
        """The root's IR (None: the answer is null without asking) and its cursor tag."""
        assert rp.field_def is not None and rp.node is not None
        args = self.args(rp)
        kind = rp.kind
        if kind in {"customers", "search"}:
            assert rp.conn is not None
            conn = self.items(rp.conn)
            first, last, before = args.get("first"), args.get("last"), args.get("before")
            if kind == "search":
                page = page_of(first, args.get("after"), "search", SEARCH, last, before)
                emails = self.masked is not None and "email" not in self.masked
                text = lucene_query(args["text"], emails)
                criteria = kind_criterion(args.get("kind"))
                traversal = ir.Traversal(SEARCH, page=page, conn=conn, text=text, criteria=criteria)
                return traversal, "search"
            tag, relation = customers_relation(
                args.get("order_by"), self.masked, args.get("then_by")
            )
            page = page_of(first, args.get("after"), tag, relation, last, before)
            criteria = customer_criteria(args.get("filter"), self.masked)
            return ir.Traversal(relation, page=page, conn=conn, criteria=criteria), tag
        assert rp.items is not None
        items = self.items(rp.items)
        if kind == "nodes":
            return ir.Many(tuple(node_keys(args["ids"])), items), None
        if kind == "node":
            family, key = parse_global_id(args["id"])
            return ir.Lookup(family, ir.LookupBy.ID, key, Position.NODE, items), None
        if kind == "customer":
            by, value = customer_lookup(
                args.get("id"), args.get("email"), args.get("source_id"), args.get("external_id"),
                self.masked,
            )  # fmt: skip
            if value is None:
                return None, None
            return ir.Lookup(Family.PARTY, by, value, Position.CUSTOMER, items, "Customer"), None
        if kind == "product":
            family, key = parse_id(args["id"], Family.PRODUCT)
            if family is not Family.PRODUCT:
                return None, None
            return ir.Lookup(family, ir.LookupBy.ID, key, Position.PRODUCT, items), None
        party = party_key(args["id"])
        if party is None:
            return None, None
        if kind == "account":
            lookup = ir.Lookup(
                Family.PARTY, ir.LookupBy.ID, party, Position.ORGANIZATION, items, "Customer"
            )
            return lookup, None
        return ir.Lookup(Family.PARTY, ir.LookupBy.ID, party, Position.BROKER, items), None
