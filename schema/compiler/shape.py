"""Shaping: the nested lists a compiled statement returns become the response's ordered maps.

Each object is built by position, in the executor's field order: an object's `Layout` (made once
per plan) takes every value of the row at once (`itemgetter`, `dict(zip(...))`), checks its
non-null values at once (`None in ...`), and only then visits the fields that need more than a
copy: nested objects and lists, ids and cursors to encode, constants. Null propagation follows
the GraphQL spec as graphql-core implements it: a null in a non-null field is an error at that
field's path, and the nearest nullable ancestor becomes null (the first error in a subtree wins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from graphql import GraphQLError, located_error

from schema.compiler.plan import AbstractPlan, FieldPlan, ObjectPlan, Out
from schema.cursors import encode_cursor
from schema.ids import global_id

Path = tuple[Any, Any] | None  # a linked list: (parent path, key or index)


class Violation(Exception):
    """A null where the schema forbids one; carries the located error."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


def _as_list(path: Path) -> list[Any]:
    out: list[Any] = []
    while path is not None:
        path, key = path
        out.append(key)
    out.reverse()
    return out


def null_error(fp: FieldPlan, path: Path) -> Violation:
    message = f"Cannot return null for non-nullable field {fp.parent}.{fp.name}."
    return Violation(located_error(TypeError(message), list(fp.nodes), _as_list(path)))


Getter = Callable[[list[Any]], tuple[Any, ...]]


def _getter(indexes: list[int]) -> Getter | None:
    """The values at `indexes` of a row, as a tuple (None: no index)."""
    if not indexes:
        return None
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)


@dataclass(frozen=True, slots=True)
class Layout:
    keys: tuple[str, ...]  # every field's key, in order
    values: Getter | None  # the row's values of those fields (constants: a placeholder)
    checked: Getter | None  # the values of the non-null scalar fields the data may lack
    special: tuple[FieldPlan, ...]  # the fields whose value is more than the row's, in order


def layout(plan: ObjectPlan) -> Layout:
    found: Layout | None = plan.layout
    if found is None:
        indexes = [0 if fp.out is Out.CONST else fp.index for fp in plan.fields]
        checked = [fp.index for fp in plan.fields if fp.out is Out.VALUE and fp.check]
        found = plan.layout = Layout(
            tuple(fp.key for fp in plan.fields),
            _getter(indexes) if any(fp.out is not Out.CONST for fp in plan.fields) else None,
            _getter(checked),
            tuple(fp for fp in plan.fields if fp.out is not Out.VALUE),
        )
    return found


def shape_object(
    plan: ObjectPlan | AbstractPlan,
    row: list[Any],
    path: Path,
    errors: list[GraphQLError],
    tag: str | None,
) -> dict[str, Any]:
    if isinstance(plan, AbstractPlan):
        plan = plan.variants[row[0]]
    if plan.tag is not None:
        tag = plan.tag
    lay = plan.layout or layout(plan)
    if lay.checked is not None and None in lay.checked(row):
        return _in_order(plan, row, path, errors, tag)
    if lay.values is None:
        out = dict.fromkeys(lay.keys)
    else:
        out = dict(zip(lay.keys, lay.values(row), strict=True))
    for fp in lay.special:
        if fp.out is Out.CONST:
            out[fp.key] = fp.const
        else:
            out[fp.key] = _shaped(fp, row[fp.index], path, errors, tag)
    return out


def _shaped(
    fp: FieldPlan, value: Any, path: Path, errors: list[GraphQLError], tag: str | None
) -> Any:
    """A field that is neither a constant nor a plain value: a global id, a cursor, or an object
    or list (`shape_field`)."""
    if fp.out is Out.GLOBAL_ID:
        assert fp.family is not None
        return global_id(fp.family, value)
    if fp.out is Out.CURSOR:
        assert tag is not None
        return None if value is None else encode_cursor(tag, value)
    return shape_field(fp, value, path, errors, tag)


def _in_order(
    plan: ObjectPlan, row: list[Any], path: Path, errors: list[GraphQLError], tag: str | None
) -> dict[str, Any]:
    """Field by field, as the executor goes: when a non-null value is missing, the fields before
    it are shaped (and report their errors) before its error propagates."""
    out: dict[str, Any] = {}
    for fp in plan.fields:
        kind = fp.out
        if kind is Out.CONST:
            out[fp.key] = fp.const
            continue
        value = row[fp.index]
        if kind is Out.VALUE:
            if value is None and fp.check:
                raise null_error(fp, (path, fp.key))
            out[fp.key] = value
        else:
            out[fp.key] = _shaped(fp, value, path, errors, tag)
    return out


def shape_field(
    fp: FieldPlan, value: Any, path: Path, errors: list[GraphQLError], tag: str | None
) -> Any:
    """An object or list field's value; raises Violation when it must propagate further up."""
    here = (path, fp.key)
    if value is not None and fp.unwrap and fp.out is Out.OBJECT:
        value = value[0]
    if value is None:
        if fp.nonnull:
            raise null_error(fp, here)
        return None
    assert fp.child is not None
    try:
        if fp.out is Out.OBJECT:
            return shape_object(fp.child, value, here, errors, tag)
        return _shape_list(fp, value, here, errors, tag)
    except Violation as exc:
        if fp.nonnull:
            raise
        errors.append(exc.error)
        return None


def _shape_list(
    fp: FieldPlan, values: list[Any], path: Path, errors: list[GraphQLError], tag: str | None
) -> list[Any]:
    assert fp.child is not None
    out: list[Any] = []
    for i, item in enumerate(values):
        if item is not None and fp.unwrap:
            item = item[0]
        if item is None:
            if fp.item_nonnull:
                raise null_error(fp, (path, i))
            out.append(None)
            continue
        try:
            out.append(shape_object(fp.child, item, (path, i), errors, tag))
        except Violation as exc:
            if fp.item_nonnull:
                raise
            errors.append(exc.error)
            out.append(None)
    return out
