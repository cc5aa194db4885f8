"""Limits checked before any Cypher runs: body size, tokens, depth, aliases, filter width and
estimated cost.

The cost of an operation is the number of values it may return: every field counts once per
object it can appear in, that is the product of the page sizes (`first` or `last`, 20 without either, or the number of `ids`) of
the lists above it; every condition of a `filter` argument counts the same way (it becomes a
predicate of the statement). Fragments are all counted (an upper bound).

The width of an operation's filters is the number of conditions (every field set in a filter
object, combinators `and`/`or`/`not` included) and of list items in all its `filter` arguments.
Neo4j plans a statement in time growing with its predicates and keeps planning after the
transaction's timeout has ended it (a 3,000-condition `or` held a core for 22 s), so the width is
bounded before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from schema.relay import DEFAULT_FIRST


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = 100_000
    max_tokens: int = 3_000
    max_depth: int = 15
    max_aliases: int = 30
    max_cost: int = 100_000
    max_filter_conditions: int = 20
    max_filter_items: int = 1_000
    max_batch: int = 10  # operations in one batched request (api/batch.py)


@dataclass(frozen=True, slots=True)
class Width:
    """The conditions and list items of an operation's `filter` arguments."""

    conditions: int = 0
    items: int = 0


def too_wide(width: Width, limits: Limits) -> list[str]:
    """What is wrong with filters of this width (nothing when within the limits)."""
    problems = []
    if width.conditions > limits.max_filter_conditions:
        problems.append(
            f"The filters hold {width.conditions} conditions; the limit is "
            f"{limits.max_filter_conditions}. Use lists (`country: [..]`) instead of `or`."
        )
    if width.items > limits.max_filter_items:
        problems.append(
            f"The filters hold {width.items} list items; the limit is {limits.max_filter_items}."
        )
    return problems


def _width(value: object) -> Width:
    """The conditions (fields set in input objects) and list items of one coerced argument."""
    if isinstance(value, dict):
        found = [_width(v) for v in value.values() if v is not None]
        return Width(len(found) + sum(w.conditions for w in found), sum(w.items for w in found))
    if isinstance(value, list | tuple):
        found = [_width(v) for v in value]
        return Width(sum(w.conditions for w in found), len(found) + sum(w.items for w in found))
    return Width()


def _filter_width(field: GraphQLField, node: FieldNode, variables: VariableValues) -> Width:
    """The width of a field's `filter` argument (nothing when it has none, or when its value is
    invalid: the executor reports that)."""
    if "filter" not in field.args:
        return Width()
    try:
        args = get_argument_values(field, node, variables)
    except GraphQLError:
        return Width()
    return _width(args.get("filter"))


def cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> int:
    """The estimated cost (see the module's docstring)."""
    return measure(schema, operation, fragments, variables)[0]


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> tuple[int, Width]:
    """The estimated cost and the width of the filters, in one walk."""
    total = 0
    width = Width()

    def walk(selection_set: SelectionSetNode, parent: GraphQLNamedType, times: int) -> None:
        nonlocal total, width
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                total += times
                if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    continue
                field = parent.fields.get(s.name.value)
                if field is None:
                    continue
                filtered = _filter_width(field, s, variables)
                total += times * filtered.conditions
                width = Width(width.conditions + filtered.conditions, width.items + filtered.items)
                if s.selection_set is None:
                    continue
                factor = 1
                if "first" in field.args or "ids" in field.args:
                    args = get_argument_values(field, s, variables)
                    if "first" in args:
                        # a connection's page: `first` or `last` (the larger if both), else 20
                        sizes = [int(args[a]) for a in ("first", "last") if args.get(a) is not None]
                        factor = max(max(sizes, default=DEFAULT_FIRST), 1)
                    elif "ids" in args:
                        factor = max(len(args["ids"]), 1)
                walk(s.selection_set, get_named_type(field.type), times * factor)
            elif isinstance(s, InlineFragmentNode):
                condition = s.type_condition
                found = schema.get_type(condition.name.value) if condition else parent
                walk(s.selection_set, found or parent, times)
            elif isinstance(s, FragmentSpreadNode):
                fragment = fragments.get(s.name.value)
                if fragment is not None:
                    found = schema.get_type(fragment.type_condition.name.value)
                    walk(fragment.selection_set, found or parent, times)

    root = schema.get_root_type(operation.operation)
    if root is not None:
        walk(operation.selection_set, root, 1)
    return total, width
