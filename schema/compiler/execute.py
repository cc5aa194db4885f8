"""Running compiled operations: plan (cached), bind, render, one read per root field, shape.

`Compiler.execute` answers None when the operation is not compilable or its arguments are
invalid; the caller then runs it on Strawberry's executor, which gives the same answer slower
(or reports the error where the resolvers do).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import GraphQLError, located_error
from graphql.execution.values import VariableValues

from graph.read.ir import Root
from schema.compiler.bind import Binder
from schema.compiler.plan import OperationPlan, RootPlan, Unsupported
from schema.compiler.planner import Planner
from schema.compiler.shape import Violation, shape_field
from schema.context import Context
from schema.documents import Document, Operation
from schema.errors import ClientError, not_found
from schema.reads import run_root


@dataclass(slots=True)
class Compiled:
    data: dict[str, Any] | None
    errors: list[GraphQLError] = field(default_factory=list)
    statements: int = 0


class Compiler:
    def __init__(self, schema: strawberry.Schema) -> None:
        self.schema = schema

    def plan(
        self, document: Document, operation: Operation, variables: VariableValues
    ) -> OperationPlan | None:
        """The operation's plan, kept in its document's record by the `@skip`/`@include` inputs."""
        key = operation.plans.key(variables.coerced)
        found, plan = operation.plans.get(key)
        if found:
            return plan
        try:
            plan = Planner(
                self.schema._schema, document.details, variables, operation.node
            ).operation_plan()
        except Unsupported:
            plan = None
        operation.plans.put(key, plan)
        return plan

    async def execute(
        self, ctx: Context, plan: OperationPlan, variables: VariableValues
    ) -> Compiled | None:
        binder = Binder(self.schema, variables, ctx.masked)
        try:
            bound = [(rp, *binder.root(rp)) for rp in plan.roots if rp.field_def is not None]
        except ClientError:
            return None
        reads = [_read(ctx, root) for _, root, _ in bound]
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
                start = len(result.errors)
                result.data[rp.key] = shape_field(
                    rp.field, value, None, result.errors, tags[rp.key]
                )
                if rp.kind == "nodes":
                    _missing_entries(rp, result.data[rp.key], result.errors, start)
            except Violation as exc:
                result.errors.append(exc.error)
                result.data = None
                break
        return result


def _missing_entries(
    rp: RootPlan, entries: list[Any] | None, errors: list[GraphQLError], start: int
) -> None:
    """A null `nodes` entry without an error of its own (a non-null field it lacked) names nothing
    the caller may see: its error, at its path (as the executor's resolver reports it)."""
    own = errors[start:]  # this root's errors, each at ["nodes", i, ...]
    nulled = {e.path[1] for e in own if e.path and len(e.path) > 1}
    for i, entry in enumerate(entries or ()):
        if entry is None and i not in nulled:
            own.append(located_error(not_found(), list(rp.field.nodes), [rp.key, i]))
    errors[start:] = sorted(own, key=lambda e: e.path[1] if e.path and len(e.path) > 1 else -1)


async def _read(ctx: Context, root: Root | None) -> Any:
    """The root's data, or the exception reading it raised (reported at the root's path)."""
    if root is None:
        return None
    try:
        records = await run_root(ctx, root)
    except Exception as exc:  # every failure becomes that root field's error
        return exc
    return records[0]["data"] if records else None
