"""Limits checked before any Cypher runs: body size, tokens, depth, aliases and estimated cost.

The cost of an operation is the number of values it may return: every field counts once per
object it can appear in, that is the product of the page sizes (`first`, or the number of `ids`)
of the lists above it. Fragments are all counted (an upper bound).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
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


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = 100_000
    max_tokens: int = 3_000
    max_depth: int = 15
    max_aliases: int = 30
    max_cost: int = 100_000


def cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> int:
    total = 0

    def walk(selection_set: SelectionSetNode, parent: GraphQLNamedType, times: int) -> None:
        nonlocal total
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                total += times
                if s.selection_set is None or not isinstance(
                    parent, GraphQLObjectType | GraphQLInterfaceType
                ):
                    continue
                field = parent.fields.get(s.name.value)
                if field is None:
                    continue
                factor = 1
                if "first" in field.args or "ids" in field.args:
                    args = get_argument_values(field, s, variables)
                    if "first" in args:
                        factor = max(int(args["first"]), 1)
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
    return total
