"""Descending sorts put nulls last: "top customers by CLV" starts with customers that have one,
and paging across the boundary between values and nulls loses or repeats nobody."""

from __future__ import annotations

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from tests.factories import Graph
from tests.schema.conftest import data

QUERY = """query($f: CustomerFilter, $o: CustomerOrder, $after: String) {
  customers(filter: $f, orderBy: $o, first: 2, after: $after) {
    edges { node { key clv } } pageInfo { hasNextPage endCursor } } }"""


@pytest.mark.parametrize("direction", ["DESC", "ASC"])
def test_nulls_come_last_in_both_directions_across_pages(
    client: TestClient, driver: Driver, settings: Settings, direction: str
) -> None:
    g = Graph()
    segment = f"nulls-{g.tag}"
    clvs = [None, 120.5, None, 30.0, 75.25]
    people = [g.person("N", f"P{i}", segment=segment, clv=clv) for i, clv in enumerate(clvs)]
    g.save(driver, settings.neo4j_database)
    try:
        variables = {"f": {"segment": [segment]}, "o": {"field": "CLV", "direction": direction}}
        keys: list[str] = []
        pages: list[list[float | None]] = []
        after = None
        while True:
            found = data(client, QUERY, variables | {"after": after})["customers"]
            pages.append([e["node"]["clv"] for e in found["edges"]])
            keys += [e["node"]["key"] for e in found["edges"]]
            if not found["pageInfo"]["hasNextPage"]:
                break
            after = found["pageInfo"]["endCursor"]
        with_clv = sorted(
            (p for p in people if p["clv"] is not None),
            key=lambda p: p["clv"],
            reverse=direction == "DESC",
        )
        without = sorted((p for p in people if p["clv"] is None), key=lambda p: p.id)
        assert keys == [p.id for p in with_clv + without]
        if direction == "DESC":
            assert pages == [[120.5, 75.25], [30.0, None], [None]]
        else:
            assert pages == [[30.0, 75.25], [120.5, None], [None]]
    finally:
        g.delete(driver, settings.neo4j_database)
