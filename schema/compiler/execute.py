"""Running compiled operations: plan (cached), bind, render, one read per root field, shape.

`Compiler.execute` answers None when the operation is not compilable or its arguments are
invalid; the caller then runs it on Strawberry's executor, which gives the same answer slower
(or reports the error where the resolvers do).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, LiteralString

import strawberry
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    VariableNode,
    located_error,
    visit,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.values import VariableValues
from graphql.language import Visitor

from graph.read.ir import LOOKUP_KEY, Lookup
from graph.read.render import render
from schema.compiler.bind import Binder
from schema.compiler.plan import OperationPlan, RootPlan, Unsupported, is_static
from schema.compiler.planner import Planner
from schema.compiler.shape import Violation, shape_field
from schema.context import Context
from schema.errors import ClientError
from schema.reads import run_root


@dataclass(slots=True)
class Compiled:
    data: dict[str, Any] | None
    errors: list[GraphQLError] = field(default_factory=list)
    statements: int = 0


class _DirectiveVariables(Visitor):
    """The variables a document's `@skip`/`@include` depend on (they change the plan)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: Any, *_: Any) -> None:
        if node.name.value in {"skip", "include"}:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    found = _DirectiveVariables()
    visit(document, found)
    return tuple(sorted(found.names))


class Compiler:
    def __init__(self, schema: strawberry.Schema, maxsize: int = 1024) -> None:
        self.schema = schema
        self.maxsize = maxsize
        self._plans: OrderedDict[tuple[Any, ...], OperationPlan | None] = OrderedDict()
        self._directives: dict[str, tuple[str, ...]] = {}

    def plan(
        self,
        text: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> OperationPlan | None:
        """The operation's plan, cached by document text, operation and `@skip`/`@include` inputs."""
        names = self._directives.get(text)
        if names is None:
            if len(self._directives) >= self.maxsize:
                self._directives.clear()
            names = self._directives[text] = directive_variables(document)
        name = operation.name.value if operation.name else None
        key = (text, name, tuple(variables.coerced.get(n) for n in names))
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        fragments = {
            d.name.value: FragmentDetails(d)
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        try:
            plan: OperationPlan | None = Planner(
                self.schema._schema, fragments, variables, operation
            ).operation_plan()
        except Unsupported:
            plan = None
        self._plans[key] = plan
        if len(self._plans) > self.maxsize:
            self._plans.popitem(last=False)
        return plan

    async def execute(
        self, ctx: Context, plan: OperationPlan, variables: VariableValues
    ) -> Compiled | None:
        binder = Binder(self.schema, variables, ctx.masked)
        try:
            bound = [(rp, *binder.root(rp)) for rp in plan.roots if rp.field_def is not None]
        except ClientError:
            return None
        reads = [_read(ctx, root, _rendered(ctx, rp, root)) for rp, root, _ in bound]
        answers = dict(
            zip((rp.key for rp, _, _ in bound), await asyncio.gather(*reads), strict=True)
        )
        result = Compiled(data={}, statements=sum(root is not None for _, root, _ in bound))
        tags = {rp.key: tag for rp, _, tag in bound}
        assert result.data is not None
        for rp in plan.roots:
            if rp.field_def is None:
                result.data[rp.key] = rp.field.const
                continue
            value = answers[rp.key]
            if isinstance(value, Exception):
                result.errors.append(located_error(value, list(rp.field.nodes), [rp.key]))
                if rp.field.nonnull:
                    result.data = None
                    break
                result.data[rp.key] = None
                continue
            try:
                result.data[rp.key] = shape_field(
                    rp.field, value, None, result.errors, tags[rp.key]
                )
            except Violation as exc:
                result.errors.append(exc.error)
                result.data = None
                break
        return result


def _rendered(ctx: Context, rp: RootPlan, root: Any) -> tuple[LiteralString, dict[str, Any]] | None:
    """A lookup whose selection has no variables has the same statement whatever its key: render
    it once per plan (without a scope: a scope's predicate is the authorization layer's)."""
    if (
        not isinstance(root, Lookup)
        or ctx.scope is not None
        or ctx.masked
        or not all(map(is_static, rp.items or []))
    ):
        return None
    key = (root.family, root.by, root.position, root.label)
    found = rp.rendered.get(key)
    if found is None:
        found = rp.rendered[key] = render(root)
    text, params = found
    return text, {**params, LOOKUP_KEY: root.value}


async def _read(
    ctx: Context, root: Any, rendered: tuple[LiteralString, dict[str, Any]] | None
) -> Any:
    """The root's data, or the exception reading it raised (reported at the root's path)."""
    if root is None:
        return None
    try:
        records = await run_root(ctx, root, rendered)
    except Exception as exc:  # every failure becomes that root field's error
        return exc
    return records[0]["data"] if records else None
