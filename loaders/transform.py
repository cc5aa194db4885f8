"""Turn one raw row into a validated record, or into the reasons it is rejected."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from graph.ingest.records import ENTITIES, REFERENCE_FIELDS, Record
from loaders.files import Row
from loaders.mapping import FieldSpec, Source


class FieldError(ValueError):
    pass


def _template(spec: FieldSpec, row: Row) -> str:
    assert spec.template is not None and row.values is not None
    try:
        # `__line__` is reserved: a column of that name cannot override the line number.
        return spec.template.format_map({**row.values, "__line__": row.line})
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise FieldError(f"template {spec.template!r}: {exc}") from exc


def _date(value: str, form: str | bool) -> dt.date:
    if form is True:
        return dt.date.fromisoformat(value)
    return dt.datetime.strptime(value, str(form)).date()


def _datetime(value: str, form: str | bool) -> dt.datetime:
    parsed = (
        dt.datetime.fromisoformat(value) if form is True else dt.datetime.strptime(value, str(form))
    )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _number(value: str, spec: FieldSpec) -> float:
    assert spec.number is not None
    text = value.replace(spec.number.thousands, "") if spec.number.thousands else value
    text = text.replace(spec.number.decimal, ".")
    try:
        return float(text)
    except ValueError as exc:
        raise FieldError(f"not a number: {value!r}") from exc


def field_value(name: str, spec: FieldSpec, row: Row, system: str) -> Any:
    """Apply one field spec to one row. Raises FieldError with a reason."""
    assert row.values is not None
    value: Any
    if spec.const is not None:
        value = spec.const
    elif spec.template is not None:
        value = _template(spec, row)
    else:
        assert spec.column is not None
        value = row.values.get(spec.column)
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        value = spec.default
    if value is None:
        return None
    if spec.codes is not None:
        key = str(value)
        if key not in spec.codes:
            raise FieldError(f"unknown code {key!r} (known: {sorted(spec.codes)})")
        value = spec.codes[key]
    try:
        if spec.date is not None and isinstance(value, str):
            value = _date(value, spec.date)
        elif spec.datetime is not None and isinstance(value, str):
            value = _datetime(value, spec.datetime)
    except ValueError as exc:
        raise FieldError(f"bad date {value!r}: {exc}") from exc
    if spec.number is not None and isinstance(value, str):
        value = _number(value, spec)
    if spec.split is not None and isinstance(value, str):
        value = [part.strip() for part in value.split(spec.split) if part.strip()]
    if name == "id" or name in REFERENCE_FIELDS:
        value = f"{spec.ref or system}:{value}"
    return value


def to_record(source: Source, row: Row) -> Record | list[str]:
    """The validated record for a row, or the list of reasons it is rejected."""
    if row.error is not None:
        return [row.error]
    fields: dict[str, Any] = {}
    reasons: list[str] = []
    for name, spec in source.fields.items():
        try:
            value = field_value(name, spec, row, source.system)
        except FieldError as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if value is not None:
            fields[name] = value
    if reasons:
        return reasons
    if "id" not in fields:
        return ["id: missing"]
    try:
        return ENTITIES[source.entity].model_validate(fields)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
