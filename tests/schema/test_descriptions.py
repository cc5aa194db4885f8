"""Every type, field, argument and enum value of the schema has a description.

The schema grew before this rule: the coordinates still undocumented are listed in
`undocumented.txt` beside this file. A coordinate missing a description and not listed fails,
and so does a listed one that now has one (the list only shrinks). Rewrite the list after
documenting some with `python -m tests.schema.test_descriptions > tests/schema/undocumented.txt`.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)

from schema.schema import schema

BASELINE = Path(__file__).with_name("undocumented.txt")
BUILT_IN = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def undocumented(found: GraphQLSchema) -> list[str]:
    """The schema coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) without a
    description."""
    missing: list[str] = []
    for name, t in sorted(found.type_map.items()):
        if name.startswith("__") or (isinstance(t, GraphQLScalarType) and name in BUILT_IN):
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, f in t.fields.items():
                if not f.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg}:)" for arg, a in f.args.items() if not a.description
                ]
        elif isinstance(t, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, v in t.fields.items() if not v.description]
        elif isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, d in t.values.items() if not d.description]
    return missing


def test_every_coordinate_is_described() -> None:
    listed = set(BASELINE.read_text().split())
    missing = undocumented(schema._schema)
    new = [m for m in missing if m not in listed]
    assert not new, f"describe these (schema/*.py `description=`): {new}"
    fixed = sorted(listed - set(missing))
    assert not fixed, f"documented now: remove them from {BASELINE.name}: {fixed}"


def test_the_check_finds_a_missing_description() -> None:
    from graphql import build_schema

    bare = build_schema('"""A."""\ntype Query { "B." a(x: Int): Int b: Int }')
    assert undocumented(bare) == ["Query.a(x:)", "Query.b"]


def test_describe_values_names_only_members() -> None:
    from enum import StrEnum

    import pytest
    import strawberry

    from schema.descriptions import describe_values

    @strawberry.enum
    class Tint(StrEnum):
        RED = "red"
        GREEN = "green"

    with pytest.raises(ValueError, match=r"Tint has no value \['BLUE'\]"):
        describe_values(Tint, RED="Warm.", BLUE="Cold.")
    describe_values(Tint, RED="Warm.")
    found = {v.name: v.description for v in vars(Tint)["__strawberry_definition__"].values}
    assert found == {"RED": "Warm.", "GREEN": None}


if __name__ == "__main__":
    print("\n".join(undocumented(schema._schema)))
