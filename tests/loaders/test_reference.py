"""The mapping reference is current, and mapping mistakes say what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.ingest.records import ENTITIES, field_names
from loaders.mapping import MappingError, read_mapping
from loaders.reference import PATH, render


def test_docs_mappings_md_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == render(), "run `c360 load reference`"


def test_reference_lists_every_entity_and_field() -> None:
    text = render()
    for entity in ENTITIES:
        section = text.split(f"\n## {entity}\n", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert [r.split("`")[1] for r in rows] == list(ENTITIES[entity].model_fields)
    order = text.split("\n## order\n", 1)[1].split("\n## ", 1)[0]
    assert "| `amount` | number (≥ 0) | **yes** | row rejected | `12.50` |" in order
    assert (
        "| `currency` | text (matches `^[A-Z]{3}$`) | no (default `USD`) | row rejected |" in order
    )
    assert "| `status` | text | no | nulled, field issue | `text` |" in order


def write(tmp_path: Path, fields: dict[str, object], **source: object) -> Path:
    path = tmp_path / "m.yaml"
    entry = {"file": "a.csv", "entity": "person", "system": "s", "fields": fields, **source}
    path.write_text(yaml.safe_dump({"name": "m", "sources": [entry]}))
    return path


def test_an_unknown_field_lists_the_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "a", "first_name": "b"})
    with pytest.raises(MappingError) as caught:
        read_mapping(path)
    valid = sorted(field_names("person"))
    assert str(caught.value) == (
        f"{path}: sources[0] (a.csv): person has no field(s) ['first_name']; valid: {valid} "
        "(docs/mappings.md)"
    )


def test_a_headerless_source_must_name_the_columns_it_maps(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "a", "surname": "b"}, header=False, names=["a", "c"])
    with pytest.raises(MappingError) as caught:
        read_mapping(path)
    assert str(caught.value) == (
        f"{path}: sources[0] (a.csv): column(s) ['b'] are not in `names` ['a', 'c']"
    )
