"""Turn one raw row into a validated record, or into the reasons it is rejected.

Field-level validation: a row is rejected only when its id or a field its entity cannot exist without
(`graph.ingest.records.essential_fields`: required by the model, or defaulted to a non-null value a bad
input must not silently turn into) is unusable, or when the record as a whole is invalid (a party
referring itself). Any other bad value (a date of birth of 19450493, an unknown code, a phone number that
is not one) is set to null and reported as a `FieldIssue`; the record keeps every other field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from graph.ingest.records import ENTITIES, REFERENCE_FIELDS, Record, essential_fields
from loaders.files import Row
from loaders.mapping import FieldSpec, Source


class FieldError(ValueError):
    """One field's value cannot be used; `value` is the source value it came from."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """A bad value set to null in a record that was kept."""

    field: str
    value: Any
    reason: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The record of a row (with the issues of the fields set to null), or why the row is rejected."""

    record: Record | None
    reasons: list[str] = field(default_factory=list)
    issues: list[FieldIssue] = field(default_factory=list)
    record_id: str | None = None  # the id of a rejected row, when it has a usable one


def _template(spec: FieldSpec, row: Row) -> str:
    assert spec.template is not None and row.values is not None
    try:
        # `__line__` is reserved: a column of that name cannot override the line number.
        return spec.template.format_map({**row.values, "__line__": row.line})
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise FieldError(f"template {spec.template!r}: {exc}") from exc


@lru_cache(maxsize=1 << 16)
def _date(value: str, form: str | bool) -> dt.date:
    """A date parsed once per text and format: a file's dates repeat (61-98% of the 100k
    sample's date cells were seen before), and `strptime` was 5% of a load's Python."""
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
        raise FieldError(f"not a number: {value!r}", value) from exc


def _raw(spec: FieldSpec, row: Row) -> Any:
    assert row.values is not None
    if spec.const is not None:
        return spec.const
    if spec.template is not None:
        return _template(spec, row)
    assert spec.column is not None
    return row.values.get(spec.column)


def field_value(name: str, spec: FieldSpec, row: Row, system: str) -> Any:
    """Apply one field spec to one row. Raises FieldError with a reason and the source value."""
    value = _raw(spec, row)
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        value = spec.default
    if value is None:
        return None
    source_value = value
    if spec.codes is not None:
        key = str(value)
        if key not in spec.codes:
            raise FieldError(f"unknown code {key!r} (known: {sorted(spec.codes)})", source_value)
        value = spec.codes[key]
    try:
        if spec.date is not None and isinstance(value, str):
            value = _date(value, spec.date)
        elif spec.datetime is not None and isinstance(value, str):
            value = _datetime(value, spec.datetime)
    except ValueError as exc:
        raise FieldError(f"bad date {value!r}: {exc}", source_value) from exc
    if spec.number is not None and isinstance(value, str):
        value = _number(value, spec)
    if spec.split is not None and isinstance(value, str):
        value = [part.strip() for part in value.split(spec.split) if part.strip()]
    if name == "id" or name in REFERENCE_FIELDS:
        value = f"{spec.ref or system}:{value}"
    return value


def _messages(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(top-level field or None for the record as a whole, message) of each error."""
    return [
        (str(err["loc"][0]) if err["loc"] else None, err["msg"])
        for err in exc.errors(include_url=False)
    ]


def validate(source: Source, row: Row) -> Outcome:
    """The validated record of a row and its field issues, or the reasons the row is rejected."""
    if row.error is not None:
        return Outcome(None, [row.error])
    essential = essential_fields(source.entity)
    fields: dict[str, Any] = {}
    reasons: list[str] = []
    issues: list[FieldIssue] = []
    for name, spec in source.fields.items():
        try:
            value = field_value(name, spec, row, source.system)
        except FieldError as exc:
            if name in essential:
                reasons.append(f"{name}: {exc}")
            else:
                issues.append(FieldIssue(name, exc.value, str(exc)))
            continue
        if value is not None:
            fields[name] = value
    if "id" not in fields and not any(r.startswith("id: ") for r in reasons):
        reasons.insert(0, "id: missing")
    record_id = str(fields["id"]) if "id" in fields else None
    if reasons:
        return Outcome(None, reasons + [f"{i.field}: {i.reason}" for i in issues], [], record_id)
    model = ENTITIES[source.entity]
    while True:
        try:
            return Outcome(model.model_validate(fields), [], issues)
        except ValidationError as exc:
            errors = _messages(exc)
        fatal = [(f, m) for f, m in errors if f is None or f in essential or f not in fields]
        if fatal:
            return Outcome(
                None,
                [f"{f or 'record'}: {m}" for f, m in errors]
                + [f"{i.field}: {i.reason}" for i in issues],
                [],
                record_id,
            )
        for bad, message in errors:
            if bad is not None and bad in fields:
                issues.append(FieldIssue(bad, _shown(fields.pop(bad)), message))


def _shown(value: Any) -> Any:
    """A value as it goes into a report: JSON-ready (dates as ISO text)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    return value


def to_record(source: Source, row: Row) -> Record | list[str]:
    """The validated record for a row (bad optional values set to null), or the reasons it is rejected."""
    found = validate(source, row)
    return found.record if found.record is not None else found.reasons
