"""A field's arguments, coerced by graphql-core and converted by Strawberry as for the resolvers,
with the part written in the document (literals, defaults) converted once per plan.

Converting an input such as `CustomerFilter` walks every field of its type, about a third of a
millisecond a request for a filtered list; only the arguments given by variables change between
requests, so those alone are coerced and converted each time. The values converted once are shared
by every request of the plan and are read, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    GraphQLField,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import convert_arguments


@dataclass(frozen=True, slots=True)
class Fixed:
    """A field's arguments split: those given by variables (`varying`: the field with only those
    arguments, and its node with only them) and all the others, converted (`converted`)."""

    varying: GraphQLField
    node: FieldNode
    converted: dict[str, Any]


def _uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_uses_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_uses_variables(f.value) for f in value.fields)
    return False


def _convert(
    schema: strawberry.Schema, field_def: GraphQLField, raw: dict[str, Any]
) -> dict[str, Any]:
    definition = field_def.extensions["strawberry-definition"]
    converted: dict[str, Any] = convert_arguments(
        raw,
        definition.arguments,
        scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config,
    )
    return converted


def _only(field_def: GraphQLField, names: set[str]) -> GraphQLField:
    return GraphQLField(field_def.type, {k: a for k, a in field_def.args.items() if k in names})


def fixed(schema: strawberry.Schema, field_def: GraphQLField, node: FieldNode) -> Fixed:
    given = node.arguments or ()
    varying = tuple(a for a in given if _uses_variables(a.value))
    names = {a.name.value for a in varying}
    written = _only(field_def, set(field_def.args) - names)
    raw = get_argument_values(written, FieldNode(name=node.name, arguments=given), None)
    return Fixed(
        _only(field_def, names),
        FieldNode(name=node.name, arguments=varying),
        _convert(schema, field_def, raw),
    )


def arguments(
    schema: strawberry.Schema, field_def: GraphQLField, part: Fixed, variables: VariableValues
) -> dict[str, Any]:
    """The field's arguments in this request: the fixed part and the varying part converted now."""
    if not part.varying.args:
        return dict(part.converted)
    raw = get_argument_values(part.varying, part.node, variables)
    return part.converted | _convert(schema, field_def, raw)
