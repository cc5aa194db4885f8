from __future__ import annotations

from graph.config import PROJECT_ROOT
from schema.sdl import sdl


def test_committed_schema_matches_the_code() -> None:
    committed = (PROJECT_ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql is stale: run `c360 schema print`"
