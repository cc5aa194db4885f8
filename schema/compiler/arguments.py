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
from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import convert_arguments

from schema.compiler.plan import uses_variables


@dataclass(frozen=True, slots=True)
class Fixed:
    """A field's arguments split: those given by variables (`varying`: the field with only those
    arguments) and all the others, converted (`converted`)."""

    varying: GraphQLField
    converted: dict[str, Any]


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
    names = {a.name.value for a in node.arguments or () if uses_variables(a)}
    written = _only(field_def, set(field_def.args) - names)
    raw = get_argument_values(written, node, None)
    return Fixed(_only(field_def, names), _convert(schema, field_def, raw))


def arguments(
    schema: strawberry.Schema,
    field_def: GraphQLField,
    node: FieldNode,
    part: Fixed,
    variables: VariableValues,
) -> dict[str, Any]:
    """The field's arguments in this request: the fixed part and the varying part converted now."""
    if not part.varying.args:
        return dict(part.converted)
    raw = get_argument_values(part.varying, node, variables)
    return part.converted | _convert(schema, field_def, raw)
