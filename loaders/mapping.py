"""Declarative source mappings: which file holds which entity, and how its columns become fields.

A mapping file is YAML:

```yaml
name: demo
base: ../data             # folder the source paths are relative to (default: the mapping's folder)
priority: [crm, shop]     # source systems, most trusted first (ties in reconciliation)
sources:
  - file: crm/customers.csv.gz   # CSV or JSON Lines (.jsonl), optionally gzipped
    entity: person               # see graph.ingest.records.ENTITIES
    system: crm                  # qualifies every id: "crm:<value>"
    format: csv                  # csv | jsonl (default: from the suffix)
    delimiter: ","
    encoding: utf-8
    header: true                 # false: give `names`
    names: [id, name]            # column names when there is no header
    snapshot: false              # true: a full extract; records missing from it are ended
    fields:
      id: customer_id                          # a column name: shorthand for {column: ...}
      email: {column: email}
      created_at: {column: signup, date: "%d/%m/%Y"}
      status: {column: st, codes: {A: active, P: prospect, X: former}}
      country: {const: AU}
      amount: {column: total, number: {decimal: ",", thousands: "."}}
      customer: {column: cust, ref: crm}       # a reference, qualified with another system
      roles: {column: roles, split: "|"}
      id2: {template: "{customer_id}-{__line__}"}
```

Field specs: `column` (or `template` over columns, or `const`) then, in order: `codes` (a code
table), `date`/`datetime` (strptime formats; ISO when `true`), `number` (decimal and thousands
separators), `split`, `ref` (system qualifying a reference). Empty strings become nulls. `__line__` is the
row's line number in its file. A value a spec cannot convert (an unknown code, a bad date) rejects the
row only in a field the entity cannot exist without; elsewhere it becomes null and a field issue
(`loaders.transform`). Entities and their fields: docs/mappings.md (`c360 load reference`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from graph.ingest.records import ENTITIES, REFERENCE_FIELDS, field_names

_TEMPLATE_NAME = re.compile(r"\{([^{}!:.\[]+)[^{}]*\}")


class MappingError(ValueError):
    """The mapping file itself is wrong (not a row of data)."""


class NumberFormat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    decimal: str = "."
    thousands: str = ""


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    template: str | None = None
    const: Any = None
    codes: dict[str, Any] | None = None
    date: str | bool | None = None
    datetime: str | bool | None = None
    number: NumberFormat | None = None
    split: str | None = None
    ref: str | None = None
    default: Any = None

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSpec:
        origins = [self.column is not None, self.template is not None, self.const is not None]
        if sum(origins) != 1:
            raise ValueError("a field needs exactly one of column, template or const")
        return self


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    entity: str
    system: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    format: Literal["csv", "jsonl"] | None = None
    delimiter: str = ","
    skip_initial_space: bool = False
    encoding: str = "utf-8"
    header: bool = True
    names: list[str] | None = None
    whitespace: bool = False  # columns separated by runs of whitespace (e.g. CDNOW)
    snapshot: bool = False  # the file is a full extract: stored records it lacks are ended
    fields: dict[str, FieldSpec]

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> Source:
        if self.entity not in ENTITIES:
            raise ValueError(f"unknown entity {self.entity!r}; known: {sorted(ENTITIES)}")
        valid = field_names(self.entity)
        unknown = set(self.fields) - valid
        if unknown:
            raise ValueError(
                f"{self.entity} has no field(s) {sorted(unknown)}; valid: {sorted(valid)} "
                "(docs/mappings.md)"
            )
        if "id" not in self.fields:
            raise ValueError("every source maps an `id`")
        for name, spec in self.fields.items():
            if spec.ref is not None and name not in REFERENCE_FIELDS:
                raise ValueError(f"`ref` is only for reference fields, not {name!r}")
        if not self.header and not self.names:
            raise ValueError("a file without a header needs `names`")
        if self.names is not None and not self.header:
            missing = sorted(self.columns() - set(self.names))
            if missing:
                raise ValueError(f"column(s) {missing} are not in `names` {self.names}")
        return self

    def columns(self) -> set[str]:
        """The columns the fields read (`column`s and the names in `template`s)."""
        found: set[str] = set()
        for spec in self.fields.values():
            if spec.column is not None:
                found.add(spec.column)
            if spec.template is not None:
                found.update(n for n in _TEMPLATE_NAME.findall(spec.template) if n != "__line__")
        return found

    @property
    def kind(self) -> Literal["csv", "jsonl"]:
        if self.format:
            return self.format
        name = self.file.removesuffix(".gz")
        return "jsonl" if name.endswith((".jsonl", ".ndjson", ".json")) else "csv"


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    base: Path
    priority: list[str] = []
    max_reject_share: float = Field(default=0.05, ge=0, le=1)
    sources: list[Source] = Field(min_length=1)

    def path(self, source: Source) -> Path:
        return (self.base / source.file).resolve()


def read_mapping(path: Path, base: Path | None = None) -> Mapping:
    """Parse and check a mapping file; `base` overrides the folder source paths are relative to."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read mapping {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: a mapping is a YAML object")
    folder = path.parent
    raw["base"] = base if base is not None else folder / raw.get("base", ".")
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(f"{path}: " + "; ".join(_problems(exc, raw))) from exc


def _problems(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Each error as `where: what`, where naming the source by its file (`sources[2] (orders.csv)`)."""
    found = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            sources = raw.get("sources")
            file = None
            if isinstance(sources, list) and loc[1] < len(sources):
                entry = sources[loc[1]]
                file = entry.get("file") if isinstance(entry, dict) else None
            where = f"sources[{loc[1]}]" + (f" ({file})" if file else "")
            loc = loc[2:]
        rest = ".".join(str(part) for part in loc)
        where = ".".join(part for part in (where, rest) if part) or "mapping"
        found.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return found
