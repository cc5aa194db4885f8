"""The mapping reference, `docs/mappings.md`, generated from the record models (`graph.ingest.records`).

`c360 load reference` rewrites the file; a test fails when it drifts from the models.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from graph.config import PROJECT_ROOT
from graph.ingest.records import ENTITIES, PARTY_ENTITIES, REFERENCE_FIELDS, essential_fields

PATH = PROJECT_ROOT / "docs" / "mappings.md"

# Example source values for fields whose type alone says little.
EXAMPLES: dict[str, str] = {
    "id": "C-1042", "email": "ann.lee@example.com", "phone": "+61 2 9999 0000", "country": "AU",
    "currency": "EUR", "name": "Ann Lee", "given_name": "Ann", "surname": "Lee", "street_number": "12",
    "street": "Main Street", "locality": "Bondi", "postcode": "2026", "state": "NSW",
    "national_id": "7364009", "segment": "retail", "household_role": "head", "title": "CTO",
    "department": "IT", "domain": "example.com", "industry": "software", "team": "north",
    "category": "books", "type": "offer", "outcome": "opened", "survey": "NPS 2024",
    "comment": "quick delivery", "stage": "proposal", "external_ids": "crm-7|shop-9",
    "roles": "champion|user", "source_ts": "2024-01-31T09:30:00Z",
}  # fmt: skip

_CONSTRAINTS = {
    "ge": "≥ {}",
    "le": "≤ {}",
    "min_length": "length ≥ {}",
    "max_length": "length ≤ {}",
}


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without `None` and `Annotated`, and the constraints found on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation, metadata
        else:
            return annotation, metadata


def _constraints(metadata: list[Any]) -> list[str]:
    found: list[str] = []
    for item in metadata:
        items = item.metadata if isinstance(item, FieldInfo) else [item]
        for one in items:
            for attr, form in _CONSTRAINTS.items():
                value = getattr(one, attr, None)
                if value is not None:
                    found.append(form.format(value))
            pattern = getattr(one, "pattern", None)
            if pattern:
                found.append(f"matches `{pattern}`")
    return found


def _type(annotation: Any) -> str:
    if get_origin(annotation) is tuple:
        return f"list of {_type(get_args(annotation)[0])} (`split` a column)"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    names = {str: "text", int: "integer", float: "number", bool: "true/false", dt.date: "date",
             dt.datetime: "date-time"}  # fmt: skip
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _example(name: str, annotation: Any) -> str:
    if name in EXAMPLES:
        return EXAMPLES[name]
    if name in REFERENCE_FIELDS:
        return "C-1042"
    if get_origin(annotation) is tuple:
        return "a|b"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return str(next(iter(annotation)).value)
    examples = {str: "text", int: "3", float: "12.50", bool: "true", dt.date: "2024-01-31",
                dt.datetime: "2024-01-31T09:30:00Z"}  # fmt: skip
    return examples.get(annotation, "")


def _row(entity: str, name: str, info: FieldInfo, essential: frozenset[str]) -> str:
    annotation, metadata = _unwrap(info.annotation)
    kind = _type(annotation)
    constraints = _constraints([*info.metadata, *metadata])
    if constraints:
        kind += f" ({', '.join(constraints)})"
    if name in REFERENCE_FIELDS:
        kind += "; a reference: another record's id, qualified with `ref` or the source's system"
    if info.is_required() or name == "id":
        required = "**yes**"
    elif name in essential:
        required = f"no (default `{_shown(info.default)}`)"
    else:
        required = "no"
    bad = "row rejected" if name in essential else "nulled, field issue"
    example = _example(name, annotation).replace("|", "\\|")  # a pipe would end the cell
    return f"| `{name}` | {kind} | {required} | {bad} | `{example}` |"


def _shown(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def render() -> str:
    """The whole reference, as Markdown."""
    out = [
        "# Mapping reference",
        "",
        "Generated from `graph/ingest/records.py` by `c360 load reference`; do not edit by hand (a test",
        "fails when it drifts). The mapping format itself (files, formats, field specs: `column`,",
        "`template`, `const`, `codes`, `date`, `datetime`, `number`, `split`, `ref`, `default`) is",
        "described in `docs/loading.md` and at the top of `loaders/mapping.py`.",
        "",
        "Every source names an `entity` below and maps at least its `id`. **Required** fields must have a",
        "usable value, or the row is rejected (`kind: row` in the rejects file). A field with a default",
        "rejects the row on a bad value too, since dropping the value would silently give the default",
        "(an amount in `euro` must not become USD). A bad value in any other field is set to null and",
        "reported as a field issue (`kind: field`: file, line, field, value, reason); the record loads.",
        "",
        "Entities: " + ", ".join(f"[{e}](#{e.replace('_', '-')})" for e in ENTITIES) + ".",
    ]
    for entity, model in ENTITIES.items():
        essential = essential_fields(entity)
        party = " A party: it goes through identity resolution." if entity in PARTY_ENTITIES else ""
        doc = (model.__doc__ or "").strip().split("\n")[0] if model.__doc__ else ""
        out += ["", f"## {entity}", "", f"`{model.__name__}`.{party} {doc}".rstrip(), ""]
        out += ["| field | type | required | a bad value | example |", "|---|---|---|---|---|"]
        out += [_row(entity, n, i, essential) for n, i in model.model_fields.items()]
    return "\n".join(out) + "\n"


def write(path: Path = PATH) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path
