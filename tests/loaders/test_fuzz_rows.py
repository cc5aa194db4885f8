"""Fuzzed source rows through every shipped mapping: each row becomes a validated record or a
non-empty list of reasons, never an exception, so a load can always say "loaded" or "rejected,
because". Pure Python (no Neo4j); derandomized like tests/api/test_fuzz.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.config import PROJECT_ROOT
from graph.ingest.records import Record
from loaders.files import Row
from loaders.mapping import Source, read_mapping
from loaders.transform import to_record

SOURCES: list[Source] = [
    source
    for name in ("demo.yaml", "cdnow.yaml", "febrl.yaml")
    for source in read_mapping(PROJECT_ROOT / "mappings" / name).sources
]

cell = (
    st.none() | st.text(max_size=30) | st.from_regex(r"-?\d{1,12}(\.\d{1,4})?", fullmatch=True)
    | st.dates().map(str) | st.dates().map(lambda d: d.strftime("%Y%m%d"))
    | st.datetimes().map(lambda d: d.isoformat()) | st.emails() | st.sampled_from(["", " ", "NaN", "inf", "-0", "1e309"])
)  # fmt: skip


def columns(source: Source) -> list[str]:
    """The columns a source reads: its fields' `column`s and the names in their templates."""
    found: set[str] = set()
    for spec in source.fields.values():
        if spec.column:
            found.add(spec.column)
        if spec.template:
            found.update(re.findall(r"\{(\w+)\}", spec.template))
    return sorted(found)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: f"{s.system}:{s.entity}:{s.file}")
def test_every_fuzzed_row_is_a_record_or_reasons(source: Source) -> None:
    names = columns(source)

    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(names, cell)))
    def check(values: dict[str, Any]) -> None:
        found = to_record(source, Row(line=1, text="fuzz", values=values))
        if isinstance(found, list):
            assert found and all(isinstance(reason, str) and reason for reason in found)
        else:
            assert isinstance(found, Record)

    check()
